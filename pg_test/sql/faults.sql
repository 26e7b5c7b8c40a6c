-- Failures and cancels arriving inside pg_vitals' work, and timeouts in each phase of a
-- statement: the statement fails or succeeds as it should, the failure is counted, nothing
-- is held afterwards (PostgreSQL would warn of a leaked relation or buffer at commit), and
-- the session goes on. Faults inside pg_vitals come from pg_vitals.inject_fault, which raises
-- a real PostgreSQL error (after opening pg_class and pinning one of its buffers) or a real
-- cancel at that point.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.plan_min_duration = 0;

-- Not for everyone: the setting is for superusers.
CREATE ROLE regress_faults;
SET ROLE regress_faults;
SET pg_vitals.inject_fault = 'plan_capture_error';
RESET ROLE;
DROP ROLE regress_faults;

-- An error while capturing a plan: a WARNING, the statement succeeds, its plan is not kept,
-- and what the failed call held is released (no leak WARNING at COMMIT).
SET client_min_messages = warning;
BEGIN;
SET LOCAL pg_vitals.inject_fault = 'plan_capture_error';
SELECT 'kept going' AS capture_error;
COMMIT;
SELECT s.calls, p.plan IS NULL AS no_plan
FROM vitals.statements s LEFT JOIN vitals.plans p USING (userid, dbid, queryid, toplevel)
WHERE s.query = 'SELECT $1 AS capture_error';

-- A cancel while capturing a plan cancels the statement, as any cancel does.
SET pg_vitals.inject_fault = 'plan_capture_cancel';
SELECT 'cancelled', 2 AS capture_cancel;
RESET pg_vitals.inject_fault;
SELECT 'the session goes on' AS after_cancel;

-- EXPLAIN: an error while gathering the Vitals group fails the EXPLAIN, as an error in
-- PostgreSQL's own EXPLAIN code does, and the abort releases what the failed call held (in a
-- transaction block too: nothing leaks by COMMIT); a cancel fails it as well.
SET pg_vitals.inject_fault = 'explain_error';
EXPLAIN (COSTS OFF) SELECT 1 AS explain_error;
BEGIN;
SAVEPOINT before_explain;
EXPLAIN (COSTS OFF) SELECT 1, 2, 3, 4 AS explain_error_in_a_block;
ROLLBACK TO before_explain;
SELECT 'the transaction goes on' AS after_explain_error;
COMMIT;
SET pg_vitals.inject_fault = 'explain_cancel';
EXPLAIN (COSTS OFF) SELECT 1, 2 AS explain_cancel;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT 1, 2, 3 AS explain_analyze_cancel;
RESET pg_vitals.inject_fault;
-- Without a fault, the group is there (in JSON: a Vitals key beside the Plan).
CREATE FUNCTION explain_json_keys(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE doc json;
BEGIN
  EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || query INTO doc;
  RETURN (SELECT string_agg(k, ', ' ORDER BY k) FROM json_object_keys(doc -> 0) k);
END $$;
SELECT explain_json_keys('SELECT 1 AS explain_ok');

-- The advice functions: an error or a cancel while they gather fails them, like any query.
SET pg_vitals.inject_fault = 'advice_error';
SELECT count(*) FROM vitals.workload_advice;
SET pg_vitals.inject_fault = 'advice_cancel';
SELECT count(*) FROM vitals.autovacuum_advice;
SELECT count(*) FROM vitals.config_advice();
RESET pg_vitals.inject_fault;
SELECT count(*) >= 0 AS advice_after_faults FROM vitals.autovacuum_status;

-- statement_timeout in each phase. Planning: fourteen tables joined with the exhaustive
-- search take seconds to plan (twelve took 0.3 s here).
RESET pg_vitals.plan_min_duration;
CREATE TABLE faults_t (a int, b int);
SET join_collapse_limit = 20;
SET from_collapse_limit = 20;
SET geqo = off;
SET statement_timeout = '100ms';
SELECT count(*) FROM faults_t t1, faults_t t2, faults_t t3, faults_t t4, faults_t t5, faults_t t6,
  faults_t t7, faults_t t8, faults_t t9, faults_t t10, faults_t t11, faults_t t12, faults_t t13,
  faults_t t14
WHERE t1.a = t2.b AND t2.a = t3.b AND t3.a = t4.b AND t4.a = t5.b AND t5.a = t6.b AND t6.a = t7.b
  AND t7.a = t8.b AND t8.a = t9.b AND t9.a = t10.b AND t10.a = t11.b AND t11.a = t12.b
  AND t12.a = t13.b AND t13.a = t14.b AND t14.a = t1.b AND t1.a = t7.a AND t2.a = t9.a
  AND t3.a = t11.a AND t4.a = t13.a;
-- Execution.
SELECT pg_sleep(5) AS timeout_in_execution;
-- EXPLAIN ANALYZE, in the statement it runs.
EXPLAIN (ANALYZE, COSTS OFF) SELECT pg_sleep(5) AS timeout_in_explain;
-- An advice function.
SELECT count(*) FROM vitals.autovacuum_status, pg_sleep(5);
RESET statement_timeout;
RESET join_collapse_limit;
RESET from_collapse_limit;
RESET geqo;

-- Each counted as a failed execution with SQLSTATE 57014, the timeouts with the time they
-- ran: about 100 ms (at least 50: parsing and planning come before the executor's clock).
-- The plan capture cancelled after the execution had completed, which counts as a call, as
-- for any error after ExecutorEnd.
SELECT p.phase, s.calls, s.errors, s.last_sqlstate,
       CASE WHEN p.phase LIKE 'timeout%' THEN s.error_time BETWEEN 50 AND 5000 END AS ran_until_the_timeout
FROM (VALUES ('timeout in planning', 'SELECT count(*) FROM faults_t t1, %'),
             ('timeout in execution', 'SELECT pg_sleep(%) AS timeout_in_execution'),
             ('timeout in EXPLAIN ANALYZE', 'EXPLAIN (ANALYZE, COSTS OFF) SELECT pg_sleep(%'),
             ('timeout in an advice function', 'SELECT count(*) FROM vitals.autovacuum_status, pg_sleep(%'),
             ('cancel in plan capture', 'SELECT $1, $2 AS capture_cancel'),
             ('cancel in EXPLAIN', 'EXPLAIN (COSTS OFF) SELECT %, % AS explain_cancel'),
             ('cancel in EXPLAIN ANALYZE', 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT %explain_analyze_cancel'),
             ('cancel in an advice function', 'SELECT count(*) FROM vitals.autovacuum_advice'))
  AS p(phase, pattern)
LEFT JOIN vitals.statements s ON s.toplevel AND s.query LIKE p.pattern
ORDER BY p.phase;

DROP TABLE faults_t;
DROP FUNCTION explain_json_keys(text);
-- Leave no entries behind for the suites that follow.
SELECT vitals.reset() IS NOT NULL AS reset;
