-- Names and query texts that are not ASCII, in a LATIN1 database: the advice functions read
-- them (their inputs come back as LATIN1 text) and every name they print, and those
-- EXPLAIN prints, come back to a UTF-8 client as they were written: no error, no U+FFFD.
SET client_min_messages = warning;
\set home :DBNAME
DROP DATABASE IF EXISTS regress_vitals_latin1;
CREATE DATABASE regress_vitals_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'
  TEMPLATE template0;
\c regress_vitals_latin1
SET client_encoding = 'UTF8';
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE EXTENSION pg_vitals;
SHOW server_encoding;
CREATE TABLE "café" ("numéro" int, "prénom" text) WITH (autovacuum_enabled = off);
INSERT INTO "café" SELECT g, 'Zoé' || g FROM generate_series(1, 50000) g;
SELECT pg_stat_force_next_flush();
ANALYZE "café";

-- EXPLAIN's advice names the table and the column, quoted as SQL needs (the lines of the
-- Vitals group from its advice on: the plan's own lines differ between versions).
CREATE FUNCTION explain_advice(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text; seen boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) ' || query LOOP
    seen := seen OR line ~ '^ *Advice:';
    IF seen THEN RETURN NEXT line; END IF;
  END LOOP;
END $$;
SELECT explain_advice($$SELECT count(*) FROM "café" WHERE "numéro" = 42$$);

-- The query texts, as recorded.
SELECT query, calls FROM vitals.statements
WHERE query LIKE '%café%' AND toplevel AND query !~ '^(EXPLAIN|SELECT explain_advice)' ORDER BY query;

-- The autovacuum views: names and the statement to run.
SELECT schema_name, relation_name, sql FROM vitals.autovacuum_advice
WHERE rule = 'autovacuum_disabled';
SELECT relation_name, autovacuum_enabled FROM vitals.autovacuum_status
WHERE relation_name = 'café';

-- The workload advice: the table read by sequential scans, and the statement reading it.
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé1';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé2';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé3';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé4';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé5';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé6';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé7';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé8';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé9';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé10';
SELECT count(*) FROM "café" WHERE "prénom" = 'Zoé11';
SELECT pg_stat_force_next_flush();
SELECT a.rule, a.relation, s.query
FROM vitals.workload_advice a LEFT JOIN vitals.statements s USING (queryid)
WHERE a.rule = 'seq_scan_table';

\c :home
DROP DATABASE regress_vitals_latin1;
