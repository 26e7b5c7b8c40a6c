-- vitals.autovacuum_status and vitals.autovacuum_advice from real sessions. Each scenario
-- shows its finding; the statement the finding recommends, run as is (\gexec), makes it go
-- away. Counts that depend on page layout (dead tuples after pruning) are not printed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
\set regress_db :DBNAME

-- An empty database: no findings and no errors.
CREATE DATABASE av_empty;
\c av_empty
SET client_min_messages = warning;
CREATE EXTENSION pg_vitals;
SELECT count(*) AS findings FROM vitals.autovacuum_advice;
SELECT count(*) AS tables FROM vitals.autovacuum_status;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE av_empty;

-- The findings about one table.
CREATE FUNCTION av(rel text) RETURNS TABLE (rule text, severity text, sql text)
LANGUAGE sql AS $$
  SELECT rule, severity, sql FROM vitals.autovacuum_advice WHERE relation_name = rel ORDER BY rule
$$;

-- A table with autovacuum disabled and heavy updates: critical (its dead tuples are past the
-- vacuum threshold), and its statistics are stale. Changes reach the shared statistics at the
-- next flush, forced here before each look.
CREATE TABLE av_busy (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
INSERT INTO av_busy SELECT g, 0 FROM generate_series(1, 10000) g;
SELECT pg_stat_force_next_flush();
ANALYZE av_busy;
UPDATE av_busy SET v = v + 1;
SELECT pg_stat_force_next_flush();
SELECT * FROM av('av_busy');
SELECT finding ~ '^autovacuum is disabled on public\.av_busy: [0-9,]+ dead tuples, [0-9.]+x its vacuum threshold of 2,050; only anti-wraparound vacuums run on it$' AS finding_has_the_numbers
FROM vitals.autovacuum_advice WHERE relation_name = 'av_busy' AND rule = 'autovacuum_disabled';
SELECT autovacuum_enabled, settings_source, vacuum_threshold, analyze_threshold, vacuum_pct > 100 AS past_vacuum_threshold, vacuum_due
FROM vitals.autovacuum_status WHERE relation_name = 'av_busy';
SELECT sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_busy' AND rule = 'autovacuum_disabled' \gexec
SELECT autovacuum_enabled, settings_source FROM vitals.autovacuum_status WHERE relation_name = 'av_busy';
SELECT * FROM av('av_busy');

-- Stale statistics after bulk changes (autovacuum off for the table, so it stays stale).
CREATE TABLE av_stale (id int, v int) WITH (autovacuum_enabled = false);
INSERT INTO av_stale SELECT g, 0 FROM generate_series(1, 10000) g;
SELECT pg_stat_force_next_flush();
ANALYZE av_stale;
UPDATE av_stale SET v = 1 WHERE id <= 5000;
SELECT pg_stat_force_next_flush();
SELECT rule, severity, sql, finding ~ '^5,000 rows of public\.av_stale changed since its last analyze \([0-9]+ s ago\), past its analyze threshold of 1,050; autovacuum will not analyze it$' AS finding_has_the_numbers
FROM vitals.autovacuum_advice WHERE relation_name = 'av_stale' AND rule = 'stale_statistics';
SELECT sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_stale' AND rule = 'stale_statistics' \gexec
SELECT count(*) AS stale_after_analyze FROM vitals.autovacuum_advice WHERE relation_name = 'av_stale' AND rule = 'stale_statistics';

-- A large table on the server's scale factor: vacuumed only after 200,050 dead tuples. Its
-- own scale factor, as recommended, makes the finding go away. (Autovacuum is off for it
-- only so that an insert-triggered vacuum cannot change its numbers during the test.)
CREATE TABLE av_big (id int) WITH (autovacuum_enabled = false);
INSERT INTO av_big SELECT generate_series(1, 1000000);
SELECT pg_stat_force_next_flush();
ANALYZE av_big;
SELECT rule, severity, sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_big' AND rule = 'scale_factor';
SELECT vacuum_base_threshold, vacuum_scale_factor, vacuum_threshold, insert_threshold, analyze_threshold
FROM vitals.autovacuum_status WHERE relation_name = 'av_big';
SELECT sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_big' AND rule = 'scale_factor' \gexec
SELECT count(*) AS scale_factor_findings FROM vitals.autovacuum_advice WHERE relation_name = 'av_big' AND rule = 'scale_factor';
SELECT vacuum_base_threshold, vacuum_scale_factor, vacuum_threshold, settings_source
FROM vitals.autovacuum_status WHERE relation_name = 'av_big';
DROP TABLE av_big;

-- A partitioned table is never analyzed by autovacuum.
CREATE TABLE av_parted (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE av_parted_2026 PARTITION OF av_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
SELECT * FROM av('av_parted');
SELECT kind, vacuum_threshold, analyze_threshold, xid_age FROM vitals.autovacuum_status WHERE relation_name = 'av_parted';
SELECT sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_parted' \gexec
SELECT * FROM av('av_parted');

-- TOAST tables come with their parent and use their own toast.* options, else the parent's.
CREATE TABLE av_docs (id int, body text);
ALTER TABLE av_docs SET (toast.autovacuum_vacuum_scale_factor = 0.05);
SELECT kind, parent_schema_name, parent_relation_name, settings_source, vacuum_scale_factor, analyze_threshold
FROM vitals.autovacuum_status WHERE parent_relation_name = 'av_docs';
ALTER TABLE av_docs RESET (toast.autovacuum_vacuum_scale_factor);
ALTER TABLE av_docs SET (autovacuum_vacuum_scale_factor = 0.07);
SELECT kind, settings_source, vacuum_scale_factor FROM vitals.autovacuum_status WHERE parent_relation_name = 'av_docs';
ALTER TABLE av_docs SET (toast.autovacuum_enabled = false);
SELECT rule, severity, sql FROM vitals.autovacuum_advice
WHERE relation_name = (SELECT relname FROM pg_class WHERE oid = (SELECT reltoastrelid FROM pg_class WHERE relname = 'av_docs'));

-- The estimated bloat of a table whose rows were mostly deleted and vacuumed: its 885 pages
-- stay, but its 40,000 rows would fill 177 (36 bytes a row, 226 a page).
CREATE TABLE av_bloated (id int, pad int) WITH (autovacuum_enabled = false);
INSERT INTO av_bloated SELECT g, g FROM generate_series(1, 200000) g;
DELETE FROM av_bloated WHERE id % 5 <> 0;
VACUUM ANALYZE av_bloated;
SELECT rule, severity, sql FROM vitals.autovacuum_advice WHERE relation_name = 'av_bloated' AND rule = 'bloat';
SELECT round(estimated_bloat_pct) AS estimated_bloat_pct, estimated_bloat_bytes / 8192 AS bloat_pages FROM vitals.autovacuum_status WHERE relation_name = 'av_bloated';

-- The server-wide I/O ceiling of autovacuum under the cost settings (2 ms, 200 credits, 8 kB
-- pages: 390.6 MB/s read at 2 credits a miss, 39.1 MB/s dirtied at 20).
SELECT DISTINCT autovacuum_read_limit_mb_s, autovacuum_dirty_limit_mb_s FROM vitals.autovacuum_status;

-- A member of pg_monitor sees the status and the advice; without SELECT on a table it has no
-- column statistics, so no bloat estimate for it, and no error.
CREATE ROLE av_watcher LOGIN;
GRANT pg_monitor TO av_watcher;
CREATE ROLE av_nobody LOGIN;
SET ROLE av_watcher;
SELECT count(*) FILTER (WHERE relation_name = 'av_bloated') AS bloated_row,
       bool_and(estimated_bloat_bytes IS NULL) FILTER (WHERE relation_name = 'av_bloated') AS no_estimate_without_select
FROM vitals.autovacuum_status;
SELECT count(*) > 0 AS sees_advice FROM vitals.autovacuum_advice;
RESET ROLE;
SET ROLE av_nobody;
SELECT count(*) FILTER (WHERE relation_name = 'av_busy') AS busy_row FROM vitals.autovacuum_status;
SELECT count(*) > 0 AS sees_advice FROM vitals.autovacuum_advice;
RESET ROLE;
DROP ROLE av_watcher;
DROP ROLE av_nobody;

-- Bad values of the setting are refused (SQLSTATE 22023; the message words vary by version).
CREATE FUNCTION try_long_transaction(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('pg_vitals.long_transaction', v, true);
  RETURN 'accepted: ' || current_setting('pg_vitals.long_transaction');
EXCEPTION WHEN OTHERS THEN
  RETURN 'refused: ' || SQLSTATE;
END $$;
SELECT try_long_transaction('-1') AS negative, try_long_transaction('1 fortnight') AS fortnight,
       try_long_transaction('5min') AS five_minutes;
DROP FUNCTION try_long_transaction(text);

DROP FUNCTION av(text);
DROP TABLE av_busy, av_stale, av_parted, av_docs, av_bloated;
