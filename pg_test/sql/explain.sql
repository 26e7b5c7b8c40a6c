-- EXPLAIN gains a Vitals group: the statement's history, and with ANALYZE where the time
-- went, the worst estimate, buffers and advice. Times vary between runs, so they are
-- masked; everything else is exact. The full-output invariants (each format parses, the
-- group sits inside the Query group, PostgreSQL's own fields unchanged, byte-identical
-- output when off) are checked by pg_test/explain_formats.py.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET pg_vitals.track = 'top';
SELECT vitals.reset() IS NOT NULL AS reset;

CREATE TABLE ex_orders (id int PRIMARY KEY, customer int, note text);
INSERT INTO ex_orders SELECT g, g % 50, 'note ' || g FROM generate_series(1, 5000) g;
-- The inserts reach the shared statistics before ANALYZE, not after it (stale_statistics).
SELECT pg_stat_force_next_flush();
ANALYZE ex_orders;

-- The Vitals lines of an EXPLAIN, times masked.
CREATE FUNCTION vitals_lines(options text, query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  line text;
  inside boolean := false;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (%s) %s', options, query) LOOP
    IF line = 'Vitals:' THEN
      inside := true;
    ELSIF inside AND line !~ '^  ' THEN
      inside := false;
    END IF;
    IF inside THEN
      RETURN NEXT regexp_replace(line, '\d+\.\d+ ms', 'N ms', 'g');
    END IF;
  END LOOP;
END $$;

-- A statement never run has no history; plain EXPLAIN shows only the history.
SELECT * FROM vitals_lines('COSTS OFF', 'SELECT note FROM ex_orders WHERE id = 42');

-- After three runs: three calls, no errors.
SELECT note FROM ex_orders WHERE id = 42;
SELECT note FROM ex_orders WHERE id = 7;
SELECT note FROM ex_orders WHERE id = 9;
SELECT * FROM vitals_lines('COSTS OFF', 'SELECT note FROM ex_orders WHERE id = 1');

-- Failures count in the history.
SELECT 1 / (id - 1) FROM ex_orders WHERE id = 1;
SELECT * FROM vitals_lines('COSTS OFF', 'SELECT 1 / (id - 1) FROM ex_orders WHERE id = 2');

-- ANALYZE: hottest node, worst misestimate, advice (none for a primary-key lookup).
SELECT * FROM vitals_lines('ANALYZE, COSTS OFF, BUFFERS OFF', 'SELECT note FROM ex_orders WHERE id = 42');

-- Reading the tables' statistics for the advice leaves the user's statistics cache alone
-- (stats_fetch_consistency = cache builds it, in this context, at a transaction's first read).
BEGIN;
SELECT count(*) AS vitals_lines FROM vitals_lines('ANALYZE, COSTS OFF, BUFFERS OFF', 'SELECT note FROM ex_orders WHERE id = 42');
SELECT count(*) AS stats_cache_contexts FROM pg_backend_memory_contexts WHERE name = 'PgStat Snapshot';
SELECT n_live_tup > 0 AS user_reads_stats FROM pg_stat_user_tables WHERE relname = 'ex_orders';
SELECT count(*) AS stats_cache_contexts FROM pg_backend_memory_contexts WHERE name = 'PgStat Snapshot';
COMMIT;

-- TIMING OFF: no hottest node (nothing was timed); rows are still compared.
SELECT * FROM vitals_lines('ANALYZE, COSTS OFF, TIMING OFF, BUFFERS OFF',
  'SELECT count(*) FROM ex_orders o JOIN ex_orders p ON p.id = o.customer WHERE o.note LIKE ''note 1%''');

-- BUFFERS: hit ratio and temp blocks (the table is in shared buffers by now).
SELECT * FROM vitals_lines('ANALYZE, COSTS OFF, TIMING OFF, BUFFERS',
  'SELECT count(*) FROM ex_orders');

-- Other output formats carry the same group (times masked).
CREATE FUNCTION explain_doc(options text, query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE doc text;
BEGIN
  EXECUTE format('EXPLAIN (%s) %s', options, query) INTO doc;
  RETURN regexp_replace(doc, '\d+\.\d{3}', '0.0', 'g');
END $$;
SELECT explain_doc('FORMAT JSON, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF',
  'SELECT note FROM ex_orders WHERE id = 42')::json -> 0 -> 'Vitals' AS json;
SELECT substring(explain_doc('FORMAT YAML, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF',
  'SELECT note FROM ex_orders WHERE id = 42') FROM '  Vitals:.*$') AS yaml;
-- XML (as text: EXPLAIN builds the document without libxml, which PostgreSQL 18's build here lacks).
SELECT substring(explain_doc('FORMAT XML, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF',
  'SELECT note FROM ex_orders WHERE id = 42') FROM '    <Vitals>.*</Vitals>') AS xml;

-- An error inside EXPLAIN ANALYZE leaves nothing behind: the next EXPLAIN is whole.
EXPLAIN (ANALYZE, COSTS OFF) SELECT 1 / (id - id) FROM ex_orders WHERE id = 3;
SELECT * FROM vitals_lines('COSTS OFF', 'SELECT note FROM ex_orders WHERE id = 1');

-- EXPLAIN inside a function inside EXPLAIN ANALYZE: each gets its own group.
CREATE FUNCTION inner_explain() RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int := 0; line text;
BEGIN
  FOR line IN EXPLAIN (COSTS OFF) SELECT note FROM ex_orders WHERE id = 5 LOOP
    IF line LIKE 'Vitals:%' OR line LIKE '  History:%' THEN n := n + 1; END IF;
  END LOOP;
  RETURN n;
END $$;
SELECT inner_explain() AS inner_vitals_lines;
SELECT count(*) FILTER (WHERE l = 'Vitals:') AS vitals_groups
FROM vitals_lines('ANALYZE, COSTS OFF, TIMING OFF, BUFFERS OFF', 'SELECT inner_explain()') l;

-- pg_vitals.explain = off: nothing added.
SET pg_vitals.explain = off;
SELECT count(*) AS vitals_lines_when_off
FROM vitals_lines('ANALYZE, COSTS OFF, BUFFERS OFF', 'SELECT note FROM ex_orders WHERE id = 42');
RESET pg_vitals.explain;

DROP FUNCTION inner_explain();
DROP FUNCTION vitals_lines(text, text);
DROP FUNCTION explain_doc(text, text);
DROP TABLE ex_orders;
