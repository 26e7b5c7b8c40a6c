//! The SQL pg_vitals runs itself (the advice functions gather their inputs so), always
//! under a pinned `search_path`.

use super::srf::raise;
use pgrx::pg_sys;
use pgrx::PgSqlErrorCode;

/// The `search_path` every query pg_vitals runs is run under: what it calls unqualified
/// (`quote_ident`, `json_build_object`, `=`) can only be PostgreSQL's own. Otherwise a user
/// who may create objects in a schema on the caller's path (`public`, say) could define a
/// better-matching `public.quote_ident(name)` or operator and have it run with the
/// privileges of whoever reads the advice, a superuser included.
pub(super) const SAFE_SEARCH_PATH: &std::ffi::CStr = c"pg_catalog, pg_temp";

/// Runs `f` (which runs SQL through SPI) with `search_path` set to [`SAFE_SEARCH_PATH`],
/// then puts the caller's back, as a function's `SET search_path` clause does. If `f` raises
/// an error, the (sub)transaction's abort restores it.
pub(super) fn with_safe_search_path<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: PostgreSQL's GUC machinery, used as fmgr uses it for SET clauses.
    unsafe {
        let level = pg_sys::NewGUCNestLevel();
        pg_sys::set_config_option(
            c"search_path".as_ptr(),
            SAFE_SEARCH_PATH.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        let r = f();
        pg_sys::AtEOXact_GUC(true, level);
        r
    }
}

/// Runs a query (under [`SAFE_SEARCH_PATH`]) that returns one value.
pub(super) fn query_one<T: pgrx::FromDatum + pgrx::IntoDatum>(
    sql: &str,
) -> Result<Option<T>, pgrx::spi::Error> {
    with_safe_search_path(|| pgrx::Spi::get_one::<T>(sql))
}

/// Runs a query that returns one JSON text (the advice functions gather their inputs so) and
/// parses it; `what` names it in the error if either fails. The text comes back in the
/// database's encoding and is read as UTF-8 (see `server_text`), so that names in a LATIN1
/// database are read, not refused.
pub(super) fn json_query<T: serde::de::DeserializeOwned>(sql: &str, what: &str) -> T {
    crate::fault::point(crate::fault::Point::Advice);
    // The raw bytes of the text, as a bytea: `convert_to` to the database's own encoding
    // converts nothing.
    let sql =
        format!("SELECT pg_catalog.convert_to(({sql}\n)::text, pg_catalog.getdatabaseencoding())");
    let json = match query_one::<Vec<u8>>(&sql) {
        Ok(Some(bytes)) => crate::server_text::from_server(&bytes),
        Ok(None) => raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: the {what} query returned nothing"),
            "",
        ),
        Err(e) => raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: the {what} query failed: {e}"),
            "",
        ),
    };
    serde_json::from_str(&json).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: unexpected {what}: {e}"),
            "",
        )
    })
}
