-- vitals.reset's filters (query id, user, database) and vitals.info, which describes the
-- store.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
CREATE TABLE rs_t (id int PRIMARY KEY, v text);
INSERT INTO rs_t VALUES (1, 'one'), (2, 'two');
CREATE FUNCTION rs_f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM rs_t';

-- Reset filters: by query id (both top-level and nested), by user, by database.
SELECT vitals.reset() IS NOT NULL AS reset;
SELECT rs_f();
SELECT count(*) AS before FROM vitals.statements WHERE query = 'SELECT count(*) FROM rs_t';
SELECT vitals.reset(0, 0, (SELECT queryid FROM vitals.statements WHERE query = 'SELECT count(*) FROM rs_t')) IS NOT NULL AS reset_one;
SELECT count(*) AS after FROM vitals.statements WHERE query = 'SELECT count(*) FROM rs_t';
SELECT vitals.reset((SELECT oid FROM pg_roles WHERE rolname = current_user)) IS NOT NULL AS reset_user;
SELECT count(*) AS left_for_user FROM vitals.statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND query NOT LIKE '%reset%';

-- vitals.info describes the store.
SELECT entries >= 1 AS has_entries, max, dealloc >= 0 AS dealloc_counted,
       stats_reset IS NOT NULL AS reset_known, shmem_bytes > max * entry_bytes AS shmem_holds_entries,
       entry_bytes <= 1216 AS entry_within_budget, text_bytes_used <= text_bytes_allocated AS texts_fit,
       histogram_bytes_used = entries * (histogram_bytes_allocated / max) AS histogram_per_entry,
       histogram_bytes_allocated / max < entry_bytes AS histogram_inside_entry,
       plan_bytes_used <= plan_bytes_allocated AS plans_fit
FROM vitals.info;

DROP FUNCTION rs_f();
DROP TABLE rs_t;
