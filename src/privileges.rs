//! Who may see what: pg_stat_statements' rule, shared by the SQL surface and EXPLAIN's
//! history. Other users' query ids, texts and plans are shown only to members of
//! pg_read_all_stats.

use pgrx::pg_sys;

/// Who is reading, for pg_stat_statements' privilege rule: other users' query ids, texts
/// and plans are shown only to members of pg_read_all_stats.
pub struct Reader {
    pub userid: u32,
    pub sees_all: bool,
}

impl Reader {
    pub fn current() -> Self {
        // SAFETY: backend state and a catalog lookup, in a transaction.
        unsafe {
            let me = pg_sys::GetUserId();
            Reader {
                userid: me.into(),
                sees_all: pg_sys::has_privs_of_role(
                    me,
                    pg_sys::Oid::from(pg_sys::ROLE_PG_READ_ALL_STATS),
                ),
            }
        }
    }

    pub fn sees(&self, key: &vitals_core::store::table::Key) -> bool {
        self.sees_all || key.userid == self.userid
    }
}
