-- Executions that end in an error are counted on their statement (errors, error_time,
-- last_sqlstate, last_error_at) without changing calls, which keeps pg_stat_statements'
-- meaning. A statement that only ever failed still has its entry and normalized text.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
CREATE TABLE fl_t (id int PRIMARY KEY, n int CHECK (n >= 0));
INSERT INTO fl_t VALUES (1, 1);
SELECT vitals.reset() IS NOT NULL AS reset;

-- division by zero (22012), twice, once after a success
SELECT 10 / n AS ratio FROM fl_t WHERE id = 1;
UPDATE fl_t SET n = 0 WHERE id = 1;
SELECT 10 / n AS ratio FROM fl_t WHERE id = 1;
SELECT 10 / n AS ratio FROM fl_t WHERE id = 1;
-- division by zero found while planning (constant folding): a failed execution too
SELECT 1 / 0 AS folded;
-- unique violation (23505) and check violation (23514)
INSERT INTO fl_t VALUES (1, 5);
INSERT INTO fl_t VALUES (2, -5);
-- statement_timeout (57014), after about 50 ms
SET statement_timeout = '50ms';
SELECT pg_sleep(2) AS slept;
RESET statement_timeout;
-- a cancel (57014)
SELECT pg_cancel_backend(pg_backend_pid()) AND pg_sleep(2) IS NULL AS cancelled;
-- an error inside a function: the nested statement and the top-level one both failed
SET pg_vitals.track = 'all';
CREATE FUNCTION fl_f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fl_t VALUES (3, -1);
  RETURN 1;
END $$;
SELECT fl_f();
-- a utility command that fails
CREATE TABLE fl_t (a int);

SELECT query, toplevel, calls, errors, last_sqlstate, last_error_at IS NOT NULL AS when_known,
       error_time >= 0 AS timed
FROM vitals.statements WHERE errors > 0 OR query LIKE '%10 / n%'
ORDER BY query COLLATE "C", toplevel;

-- Time spent before failing: the timeout hit after about 50 ms.
SELECT error_time BETWEEN 40 AND 1000 AS timeout_after_50ms
FROM vitals.statements WHERE query = 'SELECT pg_sleep($1) AS slept';
-- Statements that only failed have no execution-time percentiles.
SELECT p50_exec_time IS NULL AS no_percentiles FROM vitals.statements WHERE query = 'SELECT pg_sleep($1) AS slept';
