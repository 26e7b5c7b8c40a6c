-- With pg_stat_statements and pg_vitals both preloaded and tracking everything, a varied
-- workload from a real client session gives, for every entry pg_stat_statements has, the
-- same calls, the same rows and the same query text in vitals.statements.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SELECT pg_stat_statements_reset() IS NOT NULL AS pgss_reset, vitals.reset() IS NOT NULL AS vitals_reset;

-- DML with RETURNING, ON CONFLICT, CTEs, window functions, IN lists
CREATE TABLE agr_t (id int PRIMARY KEY, v text, n numeric DEFAULT 0);
INSERT INTO agr_t SELECT g, 'v' || g FROM generate_series(1, 100) g;
INSERT INTO agr_t VALUES (101, 'x') RETURNING id;
INSERT INTO agr_t VALUES (101, 'y') ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING v;
INSERT INTO agr_t VALUES (102, 'z') ON CONFLICT DO NOTHING;
UPDATE agr_t SET n = n + 1 WHERE id <= 10 RETURNING id;
DELETE FROM agr_t WHERE id = 102;
WITH up AS (UPDATE agr_t SET n = n + 1 WHERE id BETWEEN 20 AND 25 RETURNING id) SELECT count(*) FROM up;
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 10) SELECT sum(i) FROM r;
SELECT id, rank() OVER (ORDER BY n DESC, id) FROM agr_t ORDER BY id LIMIT 5;
SELECT count(*) FROM agr_t WHERE id IN (1, 2, 3);
SELECT count(*) FROM agr_t WHERE id IN (4, 5, 6, 7);
SELECT count(*) FROM agr_t WHERE v = ANY(ARRAY['v1', 'v2']);
SELECT -5 AS neg, 'lit' AS s, 1.5e3 AS f, B'101' AS b, $$dollar$$ AS d;

-- prepared statements and cursors
PREPARE agr_p(int) AS SELECT v FROM agr_t WHERE id = $1;
EXECUTE agr_p(1);
EXECUTE agr_p(2);
EXECUTE agr_p(3);
DEALLOCATE agr_p;
BEGIN;
DECLARE agr_c CURSOR FOR SELECT id FROM agr_t ORDER BY id;
FETCH 5 FROM agr_c;
FETCH 3 FROM agr_c;
CLOSE agr_c;
COMMIT;

-- nested PL/pgSQL, DO blocks, procedures with transaction control, exception blocks
CREATE FUNCTION agr_f(k int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
  SELECT count(*) INTO r FROM agr_t WHERE id <= k;
  UPDATE agr_t SET n = n + 1 WHERE id = k;
  RETURN r;
END $$;
SELECT agr_f(5);
SELECT agr_f(6);
SELECT agr_f(g) FROM generate_series(1, 3) g;
DO $$ BEGIN PERFORM agr_f(7); INSERT INTO agr_t VALUES (200, 'do'); END $$;
CREATE PROCEDURE agr_proc() LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO agr_t VALUES (300, 'p');
  COMMIT;
  INSERT INTO agr_t VALUES (301, 'q');
  ROLLBACK;
  INSERT INTO agr_t VALUES (302, 'r');
END $$;
CALL agr_proc();
DO $$
BEGIN
  BEGIN
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN
    PERFORM agr_f(8);
  END;
  PERFORM agr_f(9);
END $$;

-- multi-statement query strings
SELECT 1 AS one \; SELECT 2 AS two \; SELECT 3 AS three;

-- COPY, CREATE TABLE AS, SELECT INTO, materialized views
COPY (SELECT id FROM agr_t WHERE id < 3 ORDER BY id) TO STDOUT;
CREATE TABLE agr_copy (id int, v text);
COPY agr_copy FROM STDIN;
1	a
2	b
3	c
\.
CREATE TABLE agr_ctas AS SELECT * FROM agr_t WHERE id < 50;
SELECT * INTO agr_into FROM agr_t WHERE id < 10;
CREATE MATERIALIZED VIEW agr_mv AS SELECT id FROM agr_t;
REFRESH MATERIALIZED VIEW agr_mv;

-- SET / SHOW / VACUUM / ANALYZE / EXPLAIN
SET work_mem = '8MB';
SHOW work_mem;
RESET work_mem;
VACUUM agr_t;
ANALYZE agr_t;
VACUUM (ANALYZE) agr_ctas;
EXPLAIN (COSTS OFF) SELECT * FROM agr_t WHERE id = 1;

-- role changes and SECURITY DEFINER functions that complete: counted for the same user
CREATE ROLE agr_role;
GRANT SELECT ON agr_t TO agr_role;
SET ROLE agr_role;
SELECT count(*) FROM agr_t WHERE id < 3;
RESET ROLE;
CREATE FUNCTION agr_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS 'SELECT count(*) FROM agr_t WHERE id < 5';
ALTER FUNCTION agr_definer() OWNER TO agr_role;
SELECT agr_definer();

-- statements that fail
SELECT 1 / 0;
INSERT INTO agr_t VALUES (1, 'duplicate');
BEGIN;
SAVEPOINT sp;
SELECT agr_f(1 / 0);
ROLLBACK TO sp;
SELECT 42 AS after_rollback;
COMMIT;

-- The comparison. Every pg_stat_statements entry of this database must be in
-- vitals.statements with the same calls, rows and text.
SELECT count(*) >= 40 AS enough_entries,
       count(*) FILTER (WHERE v.queryid IS NULL) AS missing,
       count(*) FILTER (WHERE v.calls IS DISTINCT FROM p.calls
                           OR v.rows IS DISTINCT FROM p.rows
                           OR v.query IS DISTINCT FROM p.query) AS different
FROM pg_stat_statements p
LEFT JOIN vitals.statements v USING (userid, dbid, queryid, toplevel)
WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database());

-- Any disagreement, listed (expected: none).
SELECT p.toplevel, p.calls, v.calls AS v_calls, p.rows, v.rows AS v_rows, p.query, v.query AS v_query
FROM pg_stat_statements p
LEFT JOIN vitals.statements v USING (userid, dbid, queryid, toplevel)
WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND (v.queryid IS NULL OR v.calls IS DISTINCT FROM p.calls OR v.rows IS DISTINCT FROM p.rows
       OR v.query IS DISTINCT FROM p.query)
ORDER BY p.query;

DROP OWNED BY agr_role;
DROP ROLE agr_role;
