-- The pg_stat_statements drop-in: vitals.pg_stat_statements, vitals.pg_stat_statements_reset
-- and vitals.pg_stat_statements_info have exactly the columns and signatures of the
-- pg_stat_statements installed on this major, and on a varied workload every counter agrees.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_vitals;

-- The shape: names, types and order of the view's columns; the functions' arguments and
-- results; who may execute the reset.
CREATE FUNCTION pg_temp.columns(rel regclass) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped $$;
CREATE FUNCTION pg_temp.signatures(schema text) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(format('%s(%s) -> %s strict=%s public_may_execute=%s', proname,
                          pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), proisstrict,
                          has_function_privilege('public', p.oid, 'EXECUTE'))
                   ORDER BY proname, pg_get_function_arguments(p.oid))
  FROM pg_proc p
  WHERE pronamespace = schema::regnamespace
    AND proname IN ('pg_stat_statements', 'pg_stat_statements_reset', 'pg_stat_statements_info') $$;
SELECT pg_temp.columns('vitals.pg_stat_statements') = pg_temp.columns('public.pg_stat_statements') AS same_columns,
       pg_temp.columns('vitals.pg_stat_statements_info') = pg_temp.columns('public.pg_stat_statements_info') AS same_info_columns,
       pg_temp.signatures('vitals') = pg_temp.signatures('public') AS same_signatures,
       has_table_privilege('public', 'vitals.pg_stat_statements', 'SELECT') AS public_reads;
-- Any difference, listed (expected: none).
SELECT c AS only_in_vitals FROM unnest(pg_temp.columns('vitals.pg_stat_statements')) c
EXCEPT SELECT unnest(pg_temp.columns('public.pg_stat_statements'));
SELECT c AS only_in_pg_stat_statements FROM unnest(pg_temp.columns('public.pg_stat_statements')) c
EXCEPT SELECT unnest(pg_temp.columns('vitals.pg_stat_statements'));
SELECT s AS signature_only_in_vitals FROM unnest(pg_temp.signatures('vitals')) s
EXCEPT SELECT unnest(pg_temp.signatures('public'));

-- The shape follows the major: reshaping again gives the same objects, and the version it
-- names is the installed pg_stat_statements'.
SELECT vitals.reshape_pg_stat_statements() = (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS version_of_this_major;
SELECT pg_temp.columns('vitals.pg_stat_statements') = pg_temp.columns('public.pg_stat_statements') AS same_after_reshape,
       pg_temp.signatures('vitals') = pg_temp.signatures('public') AS same_signatures_after_reshape,
       (SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
        WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_vitals') AND d.deptype = 'e'
          AND c.relname IN ('pg_stat_statements', 'pg_stat_statements_info')) AS views_in_extension;

-- The workload, from zero in both.
SELECT pg_stat_statements_reset() IS NOT NULL AS pgss_reset, vitals.reset() IS NOT NULL AS vitals_reset;

-- A NULL argument resets nothing and returns NULL.
SELECT 1 AS keep_me;
SELECT vitals.pg_stat_statements_reset(NULL) IS NULL AS null_resets_nothing;
SELECT count(*) AS still_there FROM vitals.pg_stat_statements WHERE query = 'SELECT $1 AS keep_me';

CREATE TABLE di_t (id int PRIMARY KEY, v text);
INSERT INTO di_t SELECT g, 'v' || g FROM generate_series(1, 2000) g;
CREATE TEMP TABLE di_temp AS SELECT g AS id FROM generate_series(1, 5000) g;
SELECT count(*) FROM di_temp WHERE id % 7 = 0;
UPDATE di_t SET v = v || 'x' WHERE id <= 100;
DELETE FROM di_t WHERE id > 1990;
SELECT count(*), max(v) FROM di_t WHERE id BETWEEN 10 AND 500;
PREPARE di_p(int) AS SELECT v FROM di_t WHERE id = $1;
EXECUTE di_p(1);
EXECUTE di_p(2);
DEALLOCATE di_p;
SET work_mem = '64kB';
SELECT id FROM di_t ORDER BY v DESC LIMIT 1;
RESET work_mem;
CREATE FUNCTION di_f(k int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
  SELECT count(*) INTO r FROM di_t WHERE id <= k;
  RETURN r;
END $$;
SELECT di_f(10);
SELECT di_f(20);
VACUUM ANALYZE di_t;
SELECT 1 / 0;

-- Every entry pg_stat_statements has is in vitals.pg_stat_statements; every column agrees:
-- counts exactly, the executor's times exactly (both read the same instrumentation), the
-- times each measures itself (planning, utility commands) within 10% or 0.5 ms, and the
-- entries' creation within a second.
CREATE TEMP TABLE di_diff AS
SELECT p.query, col.key AS col, col.value AS pgss, to_jsonb(v) -> col.key AS vitals
FROM public.pg_stat_statements p
LEFT JOIN vitals.pg_stat_statements v USING (userid, dbid, queryid, toplevel)
CROSS JOIN LATERAL jsonb_each(to_jsonb(p)) col
WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND p.query NOT LIKE '%pg_stat_statements%' AND p.query NOT LIKE '%di_diff%'
  AND CASE
        WHEN v.queryid IS NULL THEN true
        WHEN col.key IN ('stats_since', 'minmax_stats_since') THEN
          abs(extract(epoch FROM (col.value #>> '{}')::timestamptz - ((to_jsonb(v) -> col.key) #>> '{}')::timestamptz)) > 1
        WHEN jsonb_typeof(col.value) = 'number' AND col.key LIKE '%time%' THEN
          abs((col.value::text)::float8 - ((to_jsonb(v) -> col.key)::text)::float8)
            > greatest(0.5, 0.1 * abs((col.value::text)::float8))
        ELSE col.value IS DISTINCT FROM to_jsonb(v) -> col.key
      END;
SELECT (SELECT count(*) FROM public.pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) >= 15 AS enough_entries,
       count(*) AS differences
FROM di_diff;
SELECT * FROM di_diff ORDER BY query, col;

-- Executor times are the same numbers, not merely close.
SELECT count(*) FILTER (WHERE v.total_exec_time = p.total_exec_time) = count(*) AS exec_times_identical
FROM public.pg_stat_statements p
JOIN vitals.pg_stat_statements v USING (userid, dbid, queryid, toplevel)
WHERE p.query LIKE 'SELECT count(*)%' OR p.query LIKE 'UPDATE di_t%';

-- pg_stat_statements_info: the store's deallocations and last full reset.
SELECT (SELECT dealloc FROM vitals.pg_stat_statements_info) = (SELECT dealloc FROM vitals.info) AS same_dealloc,
       (SELECT stats_reset FROM vitals.pg_stat_statements_info) = (SELECT stats_reset FROM vitals.info) AS same_reset;

-- showtext => false: the same rows without texts.
SELECT count(*) = (SELECT count(*) FROM vitals.pg_stat_statements) AS same_rows,
       count(query) AS texts
FROM vitals.pg_stat_statements(false);

-- A min/max-only reset (vitals.reset's minmax_only; pg_stat_statements_reset's from 1.11):
-- the entry stays, min and max read 0 until the next execution, minmax_stats_since moves.
SELECT count(*) FROM di_t WHERE id < 3;
SELECT count(*) FROM di_t WHERE id < 3;
SELECT vitals.reset(0, 0, (SELECT queryid FROM vitals.statements WHERE query = 'SELECT count(*) FROM di_t WHERE id < $1'),
                    minmax_only => true) AS minmax_reset_at \gset
SELECT calls, min_exec_time = 0 AND max_exec_time = 0 AS restarted, minmax_stats_since = :'minmax_reset_at' AS since_reset,
       stats_since < minmax_stats_since AS created_before, p50_exec_time > 0 AS percentiles_kept
FROM vitals.statements WHERE query = 'SELECT count(*) FROM di_t WHERE id < $1';
SELECT count(*) FROM di_t WHERE id < 3;
SELECT calls, min_exec_time > 0 AND min_exec_time = max_exec_time AS one_execution_since
FROM vitals.statements WHERE query = 'SELECT count(*) FROM di_t WHERE id < $1';

-- Generic and custom plans, as PostgreSQL 19 counts them: executions of a plan-cache plan
-- through a portal (SQL EXECUTE, cursors in functions); other statements count in neither.
SELECT vitals.reset() IS NOT NULL AS reset;
PREPARE di_g AS SELECT $1::int AS a;
SET plan_cache_mode TO force_generic_plan;
EXECUTE di_g(1);
EXECUTE di_g(2);
SET plan_cache_mode TO force_custom_plan;
EXECUTE di_g(1);
RESET plan_cache_mode;
DEALLOCATE di_g;
CREATE FUNCTION di_loop(k int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r record; n bigint := 0;
BEGIN
  FOR r IN SELECT id FROM di_t WHERE id <= k LOOP n := n + 1; END LOOP;
  RETURN n;
END $$;
SET plan_cache_mode TO force_generic_plan;
SELECT di_loop(3);
SET plan_cache_mode TO force_custom_plan;
SELECT di_loop(3);
RESET plan_cache_mode;
SELECT query, calls, generic_plan_calls, custom_plan_calls, toplevel
FROM vitals.statements
WHERE query IN ('PREPARE di_g AS SELECT $1::int AS a', 'SELECT id FROM di_t WHERE id <= k', 'SELECT di_loop($1)')
ORDER BY query COLLATE "C";

DROP FUNCTION di_f(int);
DROP FUNCTION di_loop(int);
DROP TABLE di_t;
