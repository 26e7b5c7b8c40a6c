-- Latency percentiles from a real session: 90 executions of about 1 ms and 10 of about
-- 20 ms give p50 within 5% + 0.1 ms of 1 ms and p99 within 5% + 0.1 ms of 20 ms.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
-- A statement that takes as long as asked: it spins on the clock (pg_sleep(0.001) takes
-- about 2 ms on a kernel with a coarse timer).
CREATE FUNCTION pct_busy(ms float8) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  deadline timestamptz := clock_timestamp() + ms * interval '1 millisecond';
BEGIN
  WHILE clock_timestamp() < deadline LOOP
  END LOOP;
END $$;
SELECT vitals.reset() IS NOT NULL AS reset;
-- \gexec runs each generated statement as its own top-level statement.
\o /dev/null
SELECT 'SELECT pct_busy(1) AS fast' FROM generate_series(1, 90) \gexec
SELECT 'SELECT pct_busy(20) AS fast' FROM generate_series(1, 10) \gexec
\o
SELECT calls,
       abs(p50_exec_time - 1) <= 0.05 * 1 + 0.1 AS p50_about_1ms,
       abs(p95_exec_time - 20) <= 0.05 * 20 + 0.1 AS p95_about_20ms,
       abs(p99_exec_time - 20) <= 0.05 * 20 + 0.1 AS p99_about_20ms,
       p50_exec_time <= p90_exec_time AND p90_exec_time <= p95_exec_time
         AND p95_exec_time <= p99_exec_time AND p99_exec_time <= p999_exec_time AS ordered,
       p999_exec_time <= max_exec_time AND p50_exec_time >= min_exec_time AS within_min_max
FROM vitals.statements WHERE query = 'SELECT pct_busy($1) AS fast';

-- The buckets behind them.
SELECT count(*) >= 2 AS several_buckets, sum(calls) AS calls,
       bool_and(upper_ms > lower_ms) AS bounds_ordered,
       bool_and(upper_ms / lower_ms BETWEEN 1.09 AND 1.091) AS eighth_octave_buckets
FROM vitals.histogram((SELECT queryid FROM vitals.statements WHERE query = 'SELECT pct_busy($1) AS fast'));
SELECT sum(calls) AS calls_with_filters
FROM vitals.histogram((SELECT queryid FROM vitals.statements WHERE query = 'SELECT pct_busy($1) AS fast'),
                      (SELECT oid FROM pg_roles WHERE rolname = current_user), NULL, true);
SELECT count(*) AS no_rows_for_unknown_queryid FROM vitals.histogram(1);
SELECT * FROM vitals.histogram(NULL);

-- Statements never executed have no percentiles; utility commands have theirs.
SELECT count(*) FILTER (WHERE p50_exec_time IS NULL) AS without_percentiles FROM vitals.statements WHERE calls > 0;
