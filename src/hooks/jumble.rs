//! Measuring constants with the core scanner, for the normalized query text.
//!
//! Core jumbling reports where each constant starts; its length comes from lexing the
//! statement with PostgreSQL's own scanner, as pg_stat_statements' `fill_in_constant_lengths`
//! does. The text itself is then built by the pure [`vitals_core::normalize`].

use super::record::{statement_text, Statement};
use pgrx::pg_sys;
use std::ffi::CStr;
use vitals_core::normalize::{self, ConstLocation, JumbleSummary};

/// The normalized text of `stmt`, whose constants `jstate` located.
pub(super) fn normalized_text(stmt: &Statement, jstate: &pg_sys::JumbleState) -> Vec<u8> {
    // SAFETY: called from post_parse_analyze: the source text and jstate are valid.
    unsafe {
        let (text, query_loc) = statement_text(stmt);
        let raw =
            std::slice::from_raw_parts(jstate.clocations, jstate.clocations_count.max(0) as usize);
        let mut locs: Vec<ConstLocation> = raw
            .iter()
            .map(|l| ConstLocation {
                location: l.location,
                length: l.length,
                #[cfg(feature = "pg18")]
                squashed: l.squashed,
                #[cfg(not(feature = "pg18"))]
                squashed: false,
                #[cfg(feature = "pg18")]
                extern_param: l.extern_param,
                #[cfg(not(feature = "pg18"))]
                extern_param: false,
            })
            .collect();
        normalize::prepare_locations(&mut locs);
        measure_lengths(
            text.as_ptr() as *const std::ffi::c_char,
            query_loc,
            &mut locs,
        );
        let summary = JumbleSummary {
            highest_extern_param_id: jstate.highest_extern_param_id,
            #[cfg(feature = "pg18")]
            has_squashed_lists: jstate.has_squashed_lists,
            #[cfg(not(feature = "pg18"))]
            has_squashed_lists: false,
        };
        normalize::normalize(text, query_loc, &locs, summary)
    }
}

/// Fills in the length of each constant that is not a duplicate or a squashed list.
///
/// # Safety
/// `query` must be the NUL-terminated source text from byte `query_loc` on.
unsafe fn measure_lengths(
    query: *const std::ffi::c_char,
    query_loc: i32,
    locs: &mut [ConstLocation],
) {
    let mut extra: pg_sys::core_yy_extra_type = std::mem::zeroed();
    let scanner = pg_sys::scanner_init(
        query,
        &mut extra,
        &raw const pg_sys::ScanKeywords,
        pg_sys::ScanKeywordTokens.as_ptr(),
    );
    // Don't repeat escape-string warnings the parser already gave.
    extra.escape_string_warning = false;
    let mut yylval: pg_sys::core_YYSTYPE = std::mem::zeroed();
    let mut yylloc: i32 = 0;
    for i in 0..locs.len() {
        let duplicate = i > 0 && locs[i].location == locs[i - 1].location;
        if duplicate || locs[i].squashed || locs[i].length >= 0 {
            continue;
        }
        let loc = locs[i].location - query_loc;
        if loc < 0 {
            continue;
        }
        let mut tok;
        loop {
            tok = pg_sys::core_yylex(&mut yylval, &mut yylloc, scanner);
            if tok == 0 {
                break;
            }
            if yylloc >= loc {
                // A negative number is "-" then the number: replace both.
                if *query.add(loc as usize) == b'-' as std::ffi::c_char {
                    tok = pg_sys::core_yylex(&mut yylval, &mut yylloc, scanner);
                    if tok == 0 {
                        break;
                    }
                }
                // Flex leaves a NUL after the current token in its buffer.
                locs[i].length = CStr::from_ptr(extra.scanbuf.add(loc as usize))
                    .to_bytes()
                    .len() as i32;
                break;
            }
        }
        if tok == 0 {
            break;
        }
    }
    pg_sys::scanner_finish(scanner);
}
