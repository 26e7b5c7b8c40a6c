-- Captured plans: each statement keeps the plan of its slowest captured execution, with
-- actual rows when the execution was instrumented, and never the literal values that the
-- normalized query hides.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
CREATE TABLE pl_t (id int PRIMARY KEY, email text, score numeric);
INSERT INTO pl_t SELECT g, 'user' || g || '@example.com', g % 100 FROM generate_series(1, 10000) g;
ANALYZE pl_t;
-- Plans as the tests compare them: without the timings, which vary from run to run.
CREATE FUNCTION pg_temp.plan_of(pattern text) RETURNS TABLE (plan text) LANGUAGE sql AS $$
  -- PostgreSQL 18 prints actual rows with two decimals.
  SELECT regexp_replace(regexp_replace(p.plan, 'actual time=[0-9.]+\.\.[0-9.]+ ', 'actual ', 'g'),
                        '(actual rows=[0-9]+)\.00 ', '\1 ', 'g')
  FROM vitals.plans p JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
  WHERE s.query LIKE pattern
$$;
SELECT vitals.reset() IS NOT NULL AS reset;

-- The defaults capture nothing and instrument nothing.
SHOW pg_vitals.plan_sample_rate;
SHOW pg_vitals.plan_min_duration;
SHOW pg_vitals.plan_max_size;
SELECT count(*) FROM pl_t WHERE score > 50;
SELECT count(*) AS plans_with_defaults FROM pg_temp.plan_of('%pl_t%');

-- Sample rate 1: every top-level execution is instrumented; the plan shows actual rows.
SET pg_vitals.plan_sample_rate = 1;
SELECT count(*) FROM pl_t WHERE email LIKE 'user1%' AND score > 7;
SELECT plan FROM pg_temp.plan_of('%email LIKE%');
SELECT instrumented, exec_time > 0 AS timed, captured_at <= now() AS captured
FROM vitals.plans p JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
WHERE s.query LIKE '%email LIKE%';

-- plan_timing off: actual rows and loops without per-node times (much cheaper).
SET pg_vitals.plan_timing = off;
SELECT count(*) FROM pl_t WHERE score < 2;
SELECT plan, plan NOT LIKE '%actual time%' AS untimed FROM pg_temp.plan_of('%score < $1%');
RESET pg_vitals.plan_timing;

-- No literal of the execution shows, and executions differing only in constants give
-- the same plan text (without instrumentation: actual rows differ, of course).
RESET pg_vitals.plan_sample_rate;
SET pg_vitals.plan_min_duration = 0;
SELECT * FROM pl_t WHERE email = 'user42@example.com';
CREATE TEMP TABLE first_plan AS SELECT plan FROM pg_temp.plan_of('%WHERE email = $1');
SELECT vitals.reset_plans() > 0 AS plans_forgotten;
SELECT * FROM pl_t WHERE email = 'someone.else@example.org';
SELECT plan FROM pg_temp.plan_of('%WHERE email = $1');
SELECT (SELECT plan FROM first_plan) = plan AS same_plan_text,
       plan NOT LIKE '%example%' AS no_literal
FROM pg_temp.plan_of('%WHERE email = $1');

-- plan_min_duration alone: the slowest execution's plan, without instrumentation.
SELECT pg_sleep(0.03) AS slept;
SELECT pg_sleep(0.001) AS slept;
SELECT instrumented, exec_time >= 30 AS slowest_kept, plan
FROM vitals.plans p JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
WHERE s.query = 'SELECT pg_sleep($1) AS slept';
SELECT pg_sleep(0.06) AS slept;
SELECT exec_time >= 60 AS slower_replaces
FROM vitals.plans p JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
WHERE s.query = 'SELECT pg_sleep($1) AS slept';
-- A threshold above the execution time captures nothing new.
SELECT vitals.reset_plans() > 0 AS plans_forgotten;
SET pg_vitals.plan_min_duration = '1s';
SELECT pg_sleep(0.001) AS slept;
SELECT count(*) AS plans_below_threshold FROM pg_temp.plan_of('SELECT pg_sleep%');
RESET pg_vitals.plan_min_duration;

-- Sampling is for top-level executions: a statement inside a function keeps no plan.
SET pg_vitals.plan_sample_rate = 1;
CREATE FUNCTION pl_f() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT count(*) FROM pl_t WHERE score = 3); END $$;
SELECT pl_f();
SELECT s.toplevel, p.queryid IS NOT NULL AS has_plan
FROM vitals.statements s LEFT JOIN vitals.plans p USING (userid, dbid, queryid, toplevel)
WHERE s.query LIKE '%score = $1%' OR s.query = 'SELECT pl_f()' ORDER BY s.query, s.toplevel;

-- A plan longer than plan_max_size is cut at a line and says how long it was.
SET pg_vitals.plan_max_size = 1024;
SELECT count(*) FROM (SELECT 1 FROM pl_t WHERE id = 1 UNION ALL SELECT 1 FROM pl_t WHERE id = 2
  UNION ALL SELECT 1 FROM pl_t WHERE id = 3 UNION ALL SELECT 1 FROM pl_t WHERE id = 4
  UNION ALL SELECT 1 FROM pl_t WHERE id = 5 UNION ALL SELECT 1 FROM pl_t WHERE id = 6
  UNION ALL SELECT 1 FROM pl_t WHERE id = 7 UNION ALL SELECT 1 FROM pl_t WHERE id = 8
  UNION ALL SELECT 1 FROM pl_t WHERE id = 9 UNION ALL SELECT 1 FROM pl_t WHERE id = 10) u;
SELECT octet_length(plan) <= 1024 AS bounded, plan ~ '\n\.\.\. \[plan truncated: [0-9]+ bytes\]$' AS marked
FROM pg_temp.plan_of('%UNION ALL%');
RESET pg_vitals.plan_max_size;

-- Bad settings are refused (the messages differ between versions; the SQLSTATE does not).
CREATE FUNCTION pg_temp.try_set(name text, value text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config(name, value, true);
  RETURN 'accepted';
EXCEPTION WHEN others THEN
  RETURN 'refused: ' || SQLSTATE;
END $$;
SELECT name, value, pg_temp.try_set(name, value)
FROM (VALUES ('pg_vitals.plan_sample_rate', '1.5'), ('pg_vitals.plan_sample_rate', '-0.1'),
             ('pg_vitals.plan_min_duration', '-2'), ('pg_vitals.plan_max_size', '10'),
             ('pg_vitals.plan_max_size', '2kB')) v(name, value);
SELECT vitals.reset_plans(NULL);

-- vitals.info counts the plans and their memory; a reset clears them.
SELECT plans > 0 AS has_plans, plan_bytes_used > 0 AND plan_bytes_used <= plan_bytes_allocated AS plan_bytes,
       plan_bytes_allocated = pg_size_bytes(current_setting('pg_vitals.plan_memory')) AS plan_memory, plans_dropped
FROM vitals.info;
RESET pg_vitals.plan_sample_rate;
SELECT vitals.reset() IS NOT NULL AS reset;
SELECT plans, plan_bytes_used FROM vitals.info;
