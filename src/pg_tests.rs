//! `#[pg_test]`: the SQL functions, called inside a server.
//!
//! These run through SPI, nested inside the test's own statement, so they cannot see
//! top-level tracking; pg_test/ has the suites that run from real client sessions.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn info_reports_the_configured_store() {
        let max = Spi::get_one::<i64>("SELECT max FROM vitals.info").unwrap();
        assert_eq!(max, Some(5000));
        let shmem = Spi::get_one::<i64>("SELECT shmem_bytes FROM vitals.info")
            .unwrap()
            .unwrap();
        let entry = Spi::get_one::<i64>("SELECT entry_bytes FROM vitals.info")
            .unwrap()
            .unwrap();
        assert!(
            shmem > 5000 * entry,
            "shmem {shmem} holds 5000 entries of {entry} bytes"
        );
    }

    /// A panic while the store's lock is held (a bug of ours) unwinds through the lock
    /// guard, which releases it: the next exclusive acquisition would wait forever otherwise.
    #[pg_test]
    fn a_panic_inside_the_store_lock_releases_it() {
        let shared = std::panic::catch_unwind(|| {
            crate::store::with_shared(|_, _| -> () { panic!("inside the shared lock") })
        });
        assert!(shared.is_err());
        assert!(!crate::store::lock_held_by_me());
        let exclusive = std::panic::catch_unwind(|| {
            crate::store::with_exclusive(|_, _| -> () { panic!("inside the exclusive lock") })
        });
        assert!(exclusive.is_err());
        assert!(!crate::store::lock_held_by_me());
        assert!(crate::store::with_exclusive(|t, g| t.count(g)).is_some());
    }

    // The tests of this module run concurrently in one server, and the server keeps its
    // statistics across test runs (pg_vitals.save): each test uses statements of its own,
    // measures differences, and never resets everything.

    fn calls(query: &str, toplevel: bool) -> i64 {
        Spi::get_one_with_args::<i64>(
            "SELECT coalesce(sum(calls), 0)::bigint FROM vitals.statements WHERE query = $1 AND toplevel = $2",
            &[query.into(), toplevel.into()],
        )
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn nested_statements_are_tracked_with_track_all() {
        Spi::run("CREATE TABLE t_nested(a int)").unwrap();
        let query = "INSERT INTO t_nested VALUES ($1)";
        let before = calls(query, false);
        for i in 0..3 {
            Spi::run(&format!("INSERT INTO t_nested VALUES ({i})")).unwrap();
        }
        assert_eq!(calls(query, false) - before, 3);
    }

    #[pg_test]
    fn reset_by_queryid_removes_only_that_statement() {
        Spi::run("SELECT 1 AS reset_by_qid_a").unwrap();
        Spi::run("SELECT 2 AS reset_by_qid_b, 3 AS c").unwrap();
        let qid = Spi::get_one::<i64>(
            "SELECT queryid FROM vitals.statements WHERE query = 'SELECT $1 AS reset_by_qid_a'",
        )
        .unwrap()
        .unwrap();
        Spi::run(&format!("SELECT vitals.reset(0, 0, {qid})")).unwrap();
        assert_eq!(calls("SELECT $1 AS reset_by_qid_a", false), 0);
        assert!(calls("SELECT $1 AS reset_by_qid_b, $2 AS c", false) >= 1);
    }

    #[pg_test(error = "userid must not be NULL")]
    fn reset_rejects_null() {
        Spi::run("SELECT vitals.reset(NULL, 0, 0)").unwrap();
    }

    // A query id no statement has: nothing is removed, the time is still returned.
    #[pg_test]
    fn reset_returns_the_reset_time() {
        let t =
            Spi::get_one::<bool>(
            "SELECT vitals.reset(0, 0, 1) BETWEEN now() - interval '1 minute' AND clock_timestamp()",
        )
        .unwrap();
        assert_eq!(t, Some(true));
    }
}
