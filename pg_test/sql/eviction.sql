-- More distinct statements than pg_vitals.max: the least-used entries are evicted, counted
-- and reported; nothing fails.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET pg_vitals.track = 'all';
SELECT vitals.reset() IS NOT NULL AS reset;
CREATE TABLE ev_t (a int);
-- A statement run often, which must survive eviction.
SELECT count(*) FROM ev_t;
SELECT count(*) FROM ev_t;
SELECT count(*) FROM ev_t;
-- 1.2 x max distinct statements: a query id changes with the number of output columns
-- and with the table, not with constants or aliases.
DO $$
DECLARE m int := current_setting('pg_vitals.max')::int;
BEGIN
  FOR t IN 1 .. (m * 12 / 10) / 100 + 1 LOOP
    EXECUTE format('CREATE TABLE ev_t%s (a int)', t);
    FOR i IN 1 .. 100 LOOP
      EXECUTE format('SELECT %s FROM ev_t%s', rtrim(repeat('a, ', i), ', '), t);
    END LOOP;
  END LOOP;
END $$;
SELECT entries <= max AS within_max, dealloc > 0 AS evicted, entries_evicted >= dealloc * 10 AS batches_of_ten,
       last_dealloc IS NOT NULL AS eviction_time_known
FROM vitals.info;
SELECT calls FROM vitals.statements WHERE query = 'SELECT count(*) FROM ev_t' AND toplevel;
-- Full reset restarts the counters.
SELECT vitals.reset() IS NOT NULL AS reset;
SELECT dealloc, entries_evicted, last_dealloc FROM vitals.info;
