-- Each advice rule fires on a scenario built for it, and the statement it recommends makes
-- the finding go away. A well-indexed, well-estimated query gets no advice.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- The findings of EXPLAIN ANALYZE, from its JSON output; memory sizes masked (they depend
-- on the server version's tuple layout).
CREATE FUNCTION advice(query text) RETURNS TABLE (rule text, node text, sql text)
LANGUAGE plpgsql AS $$
DECLARE doc json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) '
    || query INTO doc;
  RETURN QUERY SELECT f ->> 'Rule', f ->> 'Node', regexp_replace(f ->> 'SQL', '''\d+[kMGT]?B''', '''N MB''')
    FROM json_array_elements(doc -> 0 -> 'Vitals' -> 'Advice') f;
END $$;

-- Runs the statement a rule recommends, as is.
CREATE FUNCTION follow(query text, which text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE doc json; stmt text;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) '
    || query INTO doc;
  SELECT f ->> 'SQL' INTO stmt FROM json_array_elements(doc -> 0 -> 'Vitals' -> 'Advice') f
    WHERE f ->> 'Rule' = which;
  IF stmt IS NULL THEN RETURN 'no ' || which || ' finding'; END IF;
  EXECUTE stmt;
  RETURN 'ran ' || which;
END $$;

CREATE TABLE adv_orders (id int PRIMARY KEY, customer int, region int, status int, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO adv_orders
  SELECT g, g % 1000, g % 100, g % 100, repeat('x', 20) || g FROM generate_series(1, 100000) g;
CREATE TABLE adv_lines (order_id int, qty int) WITH (autovacuum_enabled = off);
INSERT INTO adv_lines SELECT g % 200 + 1, g FROM generate_series(1, 20000) g;
-- A backend's committed changes reach the shared statistics at its next flush (at most once
-- a second); flushed after ANALYZE, they would count as changed since it, and
-- stale_statistics would fire on whichever scenario ran then. Flush first.
SELECT pg_stat_force_next_flush();
ANALYZE adv_orders;
ANALYZE adv_lines;

-- Well indexed and well estimated: silent.
SELECT * FROM advice('SELECT note FROM adv_orders WHERE id = 42');

-- seq_scan_filter: 99.9% of the table read for nothing; the index it names fixes it.
SELECT * FROM advice('SELECT count(*) FROM adv_orders WHERE customer = 7');
SELECT follow('SELECT count(*) FROM adv_orders WHERE customer = 7', 'seq_scan_filter');
SELECT * FROM advice('SELECT count(*) FROM adv_orders WHERE customer = 7');

-- nested_loop_seq_scan: the inner table scanned once per outer row; an index on the join key.
CREATE TABLE adv_customers (id int, name text) WITH (autovacuum_enabled = off);
INSERT INTO adv_customers SELECT g, 'c' || g FROM generate_series(1, 50) g;
SELECT pg_stat_force_next_flush();
ANALYZE adv_customers;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
SELECT * FROM advice('SELECT sum(l.qty) FROM adv_customers c JOIN adv_lines l ON l.order_id = c.id');
SELECT follow('SELECT sum(l.qty) FROM adv_customers c JOIN adv_lines l ON l.order_id = c.id', 'nested_loop_seq_scan');
SELECT * FROM advice('SELECT sum(l.qty) FROM adv_customers c JOIN adv_lines l ON l.order_id = c.id');
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- spill (sort): work_mem too small for the sort; the work_mem it names keeps it in memory.
SET work_mem = '64kB';
SELECT * FROM advice('SELECT note FROM adv_orders ORDER BY note OFFSET 99999');
SELECT follow('SELECT note FROM adv_orders ORDER BY note OFFSET 99999', 'spill');
SELECT * FROM advice('SELECT note FROM adv_orders ORDER BY note OFFSET 99999');

-- spill (hash join): the hash table in batches on disk.
SET work_mem = '64kB';
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT * FROM advice('SELECT count(*) FROM adv_orders a JOIN adv_orders b ON b.note = a.note');
SELECT follow('SELECT count(*) FROM adv_orders a JOIN adv_orders b ON b.note = a.note', 'spill');
SELECT * FROM advice('SELECT count(*) FROM adv_orders a JOIN adv_orders b ON b.note = a.note');
RESET enable_mergejoin;
RESET enable_nestloop;
RESET work_mem;

-- misestimate: region and status always agree, so their selectivities multiply to 1/10000
-- where the truth is 1/100; extended statistics on the two columns fix the estimate.
SELECT * FROM advice('SELECT count(*) FROM adv_orders WHERE region = 3 AND status = 3');
SELECT follow('SELECT count(*) FROM adv_orders WHERE region = 3 AND status = 3', 'misestimate');
SELECT * FROM advice('SELECT count(*) FROM adv_orders WHERE region = 3 AND status = 3');

-- stale_statistics: every row changed since the last ANALYZE, past the analyze threshold
-- (autovacuum is off on the table, so it stays that way until we act).
UPDATE adv_lines SET qty = qty + 1;
SELECT pg_stat_force_next_flush();
SELECT * FROM advice('SELECT qty FROM adv_lines WHERE order_id = 5 LIMIT 1');
SELECT follow('SELECT qty FROM adv_lines WHERE order_id = 5 LIMIT 1', 'stale_statistics');
SELECT pg_stat_force_next_flush();
SELECT * FROM advice('SELECT qty FROM adv_lines WHERE order_id = 5 LIMIT 1');

-- Text format: the finding with its numbers, the recommendation and the statement.
CREATE TABLE adv_small (id int, k int) WITH (autovacuum_enabled = off);
INSERT INTO adv_small SELECT g, g % 10 FROM generate_series(1, 20000) g;
SELECT pg_stat_force_next_flush();
ANALYZE adv_small;
CREATE FUNCTION advice_text(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE line text; inside boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) ' || query LOOP
    IF line ~ '^  Advice' THEN inside := true; END IF;
    IF inside THEN RETURN NEXT line; END IF;
  END LOOP;
END $$;
SELECT * FROM advice_text('SELECT count(*) FROM adv_small WHERE k = 3 AND id < 0');

DROP FUNCTION advice(text);
DROP FUNCTION follow(text, text);
DROP FUNCTION advice_text(text);
DROP TABLE adv_orders, adv_lines, adv_small, adv_customers;
