//! Normalized query text: constants replaced by `$n`.
//!
//! Pure Rust. Core's query jumbling records where the ignorable constants are; the FFI side
//! (`hooks::jumble`) measures their lengths with the core scanner and hands us plain
//! [`ConstLocation`]s. The output is byte-for-byte what pg_stat_statements produces
//! (`generate_normalized_query` in contrib/pg_stat_statements), including PostgreSQL 18's
//! squashed lists (`IN ($1 /*, ... */)`) and its handling of external parameters.

/// One constant found by query jumbling, with its length in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstLocation {
    /// Byte offset of the constant in the whole source string.
    pub location: i32,
    /// Length in bytes, or negative when the location is to be ignored (a duplicate).
    pub length: i32,
    /// PostgreSQL 18+: the location covers a whole list of constants squashed into one.
    pub squashed: bool,
    /// PostgreSQL 18+: the location is a `$n` parameter, not a constant.
    pub extern_param: bool,
}

/// What jumbling reported about the statement as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JumbleSummary {
    /// Highest `$n` the statement itself uses: new symbols are numbered after it.
    pub highest_extern_param_id: i32,
    /// PostgreSQL 18+: some list of constants was squashed.
    pub has_squashed_lists: bool,
}

/// Sorts the locations and marks repeated ones as ignored, as pg_stat_statements does
/// before measuring lengths (`fill_in_constant_lengths`). Returns the locations whose
/// length still has to be measured, in text order.
pub fn prepare_locations(locs: &mut [ConstLocation]) {
    locs.sort_by_key(|l| l.location);
    for i in 1..locs.len() {
        if locs[i].location == locs[i - 1].location {
            locs[i].length = -1;
        }
    }
}

/// Builds the normalized text of `query`, a statement that starts at byte `query_loc` of
/// the original source string (so constant locations are shifted by it). `locs` must be
/// sorted by location with lengths filled in (see [`prepare_locations`]).
///
/// Malformed locations (outside the text, overlapping) are skipped instead of panicking:
/// the text then keeps the constant, which is safe, never a crash.
pub fn normalize(
    query: &[u8],
    query_loc: i32,
    locs: &[ConstLocation],
    summary: JumbleSummary,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(query.len() + locs.len() * 10);
    let mut quer_loc = 0usize; // next source byte to copy
    let mut replaced = 0i32;

    for loc in locs {
        if loc.extern_param && !summary.has_squashed_lists {
            continue;
        }
        if loc.length < 0 {
            continue;
        }
        let off = loc.location - query_loc;
        if off < 0 {
            continue;
        }
        let (off, len) = (off as usize, loc.length as usize);
        if off < quer_loc || off + len > query.len() {
            continue;
        }
        out.extend_from_slice(&query[quer_loc..off]);
        push_param(&mut out, replaced + 1 + summary.highest_extern_param_id);
        if loc.squashed {
            out.extend_from_slice(b" /*, ... */");
        }
        replaced += 1;
        quer_loc = off + len;
    }
    out.extend_from_slice(&query[quer_loc..]);
    out
}

fn push_param(out: &mut Vec<u8>, n: i32) {
    out.push(b'$');
    out.extend_from_slice(n.to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(location: i32, length: i32) -> ConstLocation {
        ConstLocation {
            location,
            length,
            squashed: false,
            extern_param: false,
        }
    }

    fn norm(q: &str, query_loc: i32, locs: &[ConstLocation], s: JumbleSummary) -> String {
        String::from_utf8(normalize(q.as_bytes(), query_loc, locs, s)).unwrap()
    }

    #[test]
    fn replaces_constants_in_order() {
        let q = "SELECT * FROM t WHERE a = 42 AND b = 'x'";
        let locs = [loc(26, 2), loc(37, 3)];
        assert_eq!(
            norm(q, 0, &locs, Default::default()),
            "SELECT * FROM t WHERE a = $1 AND b = $2"
        );
    }

    #[test]
    fn numbers_after_existing_params() {
        let q = "SELECT $1, 5";
        let locs = [loc(11, 1)];
        let s = JumbleSummary {
            highest_extern_param_id: 1,
            has_squashed_lists: false,
        };
        assert_eq!(norm(q, 0, &locs, s), "SELECT $1, $2");
    }

    #[test]
    fn shifts_locations_for_a_statement_inside_a_longer_string() {
        // "SELECT 1; SELECT 2": the second statement starts at byte 10.
        let q = "SELECT 2";
        assert_eq!(norm(q, 10, &[loc(17, 1)], Default::default()), "SELECT $1");
    }

    #[test]
    fn duplicates_are_ignored() {
        let mut locs = [loc(7, 1), loc(7, 1)];
        prepare_locations(&mut locs);
        assert_eq!(locs[1].length, -1);
        assert_eq!(norm("SELECT 1", 0, &locs, Default::default()), "SELECT $1");
    }

    #[test]
    fn prepare_sorts_by_location() {
        let mut locs = [loc(20, 1), loc(7, 1)];
        prepare_locations(&mut locs);
        assert_eq!(locs[0].location, 7);
    }

    #[test]
    fn squashed_list_gets_comment() {
        let q = "SELECT * FROM t WHERE a IN (1, 2, 3)";
        let locs = [ConstLocation {
            location: 28,
            length: 7,
            squashed: true,
            extern_param: false,
        }];
        let s = JumbleSummary {
            highest_extern_param_id: 0,
            has_squashed_lists: true,
        };
        assert_eq!(
            norm(q, 0, &locs, s),
            "SELECT * FROM t WHERE a IN ($1 /*, ... */)"
        );
    }

    #[test]
    fn extern_params_kept_without_squashing() {
        let q = "SELECT $1 + 1";
        let locs = [
            ConstLocation {
                location: 7,
                length: 2,
                squashed: false,
                extern_param: true,
            },
            loc(12, 1),
        ];
        let s = JumbleSummary {
            highest_extern_param_id: 1,
            has_squashed_lists: false,
        };
        assert_eq!(norm(q, 0, &locs, s), "SELECT $1 + $2");
    }

    #[test]
    fn bogus_locations_do_not_panic() {
        let q = "SELECT 1";
        let locs = [loc(100, 3), loc(-5, 1), loc(7, 50)];
        assert_eq!(norm(q, 0, &locs, Default::default()), "SELECT 1");
    }

    #[test]
    fn negative_constants_replaced_whole() {
        // The FFI side measures "-2" as one constant starting at the minus sign.
        let q = "SELECT * FROM foo WHERE bar = -2";
        assert_eq!(
            norm(q, 0, &[loc(30, 2)], Default::default()),
            "SELECT * FROM foo WHERE bar = $1"
        );
    }
}
