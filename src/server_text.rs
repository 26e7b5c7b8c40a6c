//! Text between the server's encoding and Rust's UTF-8, at the FFI edge.
//!
//! The pure code works on `str` (UTF-8); names, query texts and JSON come from PostgreSQL in
//! the database's encoding, and what pg_vitals prints goes back in it. In a UTF-8 database
//! both directions are a copy. In a SQL_ASCII database PostgreSQL knows no encoding: bytes
//! pass through as they are when they are UTF-8, else non-UTF-8 bytes read as U+FFFD.

use pgrx::pg_sys;
use std::borrow::Cow;
use std::ffi::{c_char, CStr};

fn database_encoding() -> i32 {
    // SAFETY: a plain read of backend state.
    unsafe { crate::pg_raw::GetDatabaseEncoding() }
}

/// Whether text in the database's encoding is UTF-8 as it is (UTF-8 and SQL_ASCII).
fn passes_through(encoding: i32) -> bool {
    encoding == pg_sys::pg_enc::PG_UTF8 as i32 || encoding == pg_sys::pg_enc::PG_SQL_ASCII as i32
}

/// What one of PostgreSQL's conversion functions makes of `bytes`, given a NUL-terminated
/// copy of them (they read up to the length given, and some expect the NUL).
///
/// # Safety
/// `f` calls such a function, which returns its argument or a palloc'd, NUL-terminated
/// result, or raises PostgreSQL's error for a character it cannot convert.
unsafe fn convert(bytes: &[u8], f: impl FnOnce(*const c_char, i32) -> *mut c_char) -> Vec<u8> {
    let mut owned = bytes.to_vec();
    owned.push(0);
    let p = f(owned.as_ptr().cast(), bytes.len() as i32);
    CStr::from_ptr(p).to_bytes().to_vec()
}

/// Bytes in the database's encoding as a Rust string.
pub fn from_server(bytes: &[u8]) -> String {
    let encoding = database_encoding();
    if passes_through(encoding) || bytes.is_ascii() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    // SAFETY: see convert. Every server encoding converts to UTF-8 but MULE_INTERNAL, where a
    // name that is not ASCII raises PostgreSQL's error for the missing conversion.
    let utf8 = unsafe {
        convert(bytes, |p, n| {
            pg_sys::pg_server_to_any(p, n, pg_sys::pg_enc::PG_UTF8 as i32)
        })
    };
    String::from_utf8_lossy(&utf8).into_owned()
}

/// A C string in the database's encoding (NULL is the empty string) as a Rust string.
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
pub unsafe fn from_server_cstr(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    from_server(CStr::from_ptr(p).to_bytes())
}

/// A Rust string in the database's encoding, for what pg_vitals prints. Text that came from
/// the server converts back exactly; pg_vitals' own words are ASCII.
pub fn to_server(s: &str) -> Cow<'_, [u8]> {
    if s.is_ascii() || passes_through(database_encoding()) {
        return Cow::Borrowed(s.as_bytes());
    }
    from_encoding(s.as_bytes(), pg_sys::pg_enc::PG_UTF8 as i32)
}

/// Bytes in `encoding` (a query text recorded in another database, say) in the database's
/// encoding.
pub fn from_encoding(bytes: &[u8], encoding: i32) -> Cow<'_, [u8]> {
    if encoding == database_encoding() {
        return Cow::Borrowed(bytes);
    }
    // SAFETY: see convert.
    Cow::Owned(unsafe { convert(bytes, |p, n| pg_sys::pg_any_to_server(p, n, encoding)) })
}
