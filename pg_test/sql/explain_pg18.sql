-- PostgreSQL 18: EXPLAIN (VITALS [boolean]), per-node fields, and pg_overexplain alongside.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET max_parallel_workers_per_gather = 0;
SET pg_vitals.track = 'top';
SELECT vitals.reset() IS NOT NULL AS reset;
CREATE TABLE ex18 (id int PRIMARY KEY, k int);
INSERT INTO ex18 SELECT g, g % 10 FROM generate_series(1, 1000) g;
-- The inserts reach the shared statistics before ANALYZE, not after it (stale_statistics).
SELECT pg_stat_force_next_flush();
ANALYZE ex18;

-- Per node, with ANALYZE: Rows Misestimate (and Exclusive Time when timed).
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
  SELECT count(*) FROM ex18 WHERE k = 3;
-- With timing: Exclusive Time per node (times masked).
CREATE FUNCTION plan_lines(options text, query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (%s) %s', options, query) LOOP
    line := regexp_replace(line, '\d+\.\d{3} ms', 'N ms', 'g');
    line := regexp_replace(line, 'actual time=[0-9.]+\.\.[0-9.]+', 'actual time=N..N', 'g');
    line := regexp_replace(line, '[0-9.]+% of the total', 'N% of the total', 'g');
    RETURN NEXT regexp_replace(line, 'Relation OIDs: \d+', 'Relation OIDs: N', 'g');
  END LOOP;
END $$;
SELECT * FROM plan_lines('ANALYZE, COSTS OFF, SUMMARY OFF, BUFFERS OFF',
  'SELECT count(*) FROM ex18 WHERE k = 3');

-- VITALS off: exactly PostgreSQL's output.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF, VITALS off)
  SELECT count(*) FROM ex18 WHERE k = 3;
-- The option's default follows pg_vitals.explain, and the option wins over it.
SET pg_vitals.explain = off;
EXPLAIN (COSTS OFF) SELECT k FROM ex18 WHERE id = 1;
EXPLAIN (COSTS OFF, VITALS) SELECT k FROM ex18 WHERE id = 1;
RESET pg_vitals.explain;
EXPLAIN (COSTS OFF, VITALS false) SELECT k FROM ex18 WHERE id = 1;
-- A bad value is refused like any EXPLAIN option's.
EXPLAIN (VITALS maybe) SELECT 1;

-- Side by side with pg_overexplain: both options in one EXPLAIN.
LOAD 'pg_overexplain';
SELECT * FROM plan_lines('DEBUG, VITALS, COSTS OFF', 'SELECT k FROM ex18 WHERE id = 1');
EXPLAIN (RANGE_TABLE, VITALS, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
  SELECT k FROM ex18 WHERE id = 1;

-- An error while printing a node's fields (here injected) is an ERROR for the EXPLAIN, raised
-- through PostgreSQL's own error handling: the server goes on, and so does the session.
SET pg_vitals.inject_fault = 'explain_node_error';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT k FROM ex18 WHERE id = 1;
RESET pg_vitals.inject_fault;
SELECT 'still here' AS after_the_error;

DROP FUNCTION plan_lines(text, text);
DROP TABLE ex18;
