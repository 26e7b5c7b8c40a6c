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

    #[pg_test]
    fn nested_statements_are_tracked_with_track_all() {
        Spi::run("SELECT vitals.reset()").unwrap();
        Spi::run("CREATE TABLE t_nested(a int)").unwrap();
        for i in 0..3 {
            Spi::run(&format!("INSERT INTO t_nested VALUES ({i})")).unwrap();
        }
        let row = Spi::get_two::<i64, i64>(
            "SELECT calls, rows FROM vitals.statements WHERE query = 'INSERT INTO t_nested VALUES ($1)' AND NOT toplevel",
        )
        .unwrap();
        assert_eq!(row, (Some(3), Some(3)));
    }

    #[pg_test]
    fn reset_by_queryid_removes_only_that_statement() {
        Spi::run("SELECT vitals.reset()").unwrap();
        Spi::run("SELECT 1 AS a").unwrap();
        Spi::run("SELECT 2 AS b, 3 AS c").unwrap();
        let qid = Spi::get_one::<i64>(
            "SELECT queryid FROM vitals.statements WHERE query = 'SELECT $1 AS a'",
        )
        .unwrap()
        .unwrap();
        Spi::run(&format!("SELECT vitals.reset(0, 0, {qid})")).unwrap();
        let left = Spi::get_one::<i64>(
            "SELECT count(*) FROM vitals.statements WHERE query LIKE 'SELECT $1 AS %'",
        )
        .unwrap();
        assert_eq!(left, Some(1));
    }

    #[pg_test(error = "userid must not be NULL")]
    fn reset_rejects_null() {
        Spi::run("SELECT vitals.reset(NULL, 0, 0)").unwrap();
    }

    #[pg_test]
    fn reset_returns_the_reset_time() {
        let t =
            Spi::get_one::<bool>("SELECT vitals.reset() <= now() + interval '1 minute'").unwrap();
        assert_eq!(t, Some(true));
    }
}
