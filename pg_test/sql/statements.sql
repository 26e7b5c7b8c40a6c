-- vitals.statements from a real client session: what is tracked, with which text,
-- and how the settings change it.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_vitals;

-- Every column pg_stat_statements 1.10 (PostgreSQL 15) has is there, same name and type.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS pgss_type, format_type(b.atttypid, b.atttypmod) AS vitals_type
FROM pg_attribute a
LEFT JOIN pg_attribute b ON b.attrelid = 'vitals.statements'::regclass AND b.attname = a.attname
WHERE a.attrelid = 'pg_stat_statements'::regclass AND a.attnum > 0
  AND a.attname NOT IN ('shared_blk_read_time', 'shared_blk_write_time', 'local_blk_read_time',
                        'local_blk_write_time', 'jit_deform_count', 'jit_deform_time',
                        'stats_since', 'minmax_stats_since', 'wal_buffers_full',
                        'parallel_workers_to_launch', 'parallel_workers_launched',
                        'generic_plan_calls', 'custom_plan_calls')
  AND (b.attname IS NULL OR a.atttypid <> b.atttypid)
ORDER BY a.attnum;
SELECT count(*) AS columns FROM pg_attribute WHERE attrelid = 'vitals.statements'::regclass AND attnum > 0;

-- Constants become $n; the same statement with other constants shares one entry.
SELECT vitals.reset() IS NOT NULL AS reset;
CREATE TABLE st_t (id int PRIMARY KEY, v text);
INSERT INTO st_t VALUES (1, 'one');
INSERT INTO st_t VALUES (2, 'two');
INSERT INTO st_t VALUES (3, 'three'), (4, 'four');
SELECT v FROM st_t WHERE id = 1;
SELECT v FROM st_t WHERE id = 2;
SELECT v FROM st_t WHERE id = -3;
SELECT v FROM st_t WHERE v = 'two' AND id > 0.5;
SELECT query, calls, rows, toplevel FROM vitals.statements
WHERE query LIKE '%st_t%' ORDER BY query COLLATE "C";

-- Timing columns are consistent.
SELECT bool_and(total_exec_time >= 0 AND min_exec_time <= mean_exec_time
                AND mean_exec_time <= max_exec_time AND stddev_exec_time >= 0
                AND abs(total_exec_time - mean_exec_time * calls) < 0.001 * greatest(total_exec_time, 1))
       AS consistent
FROM vitals.statements;

-- Block counters: a fresh table's rows are read from shared buffers.
SELECT shared_blks_hit + shared_blks_read > 0 AS touched_blocks, wal_records > 0 AS wrote_wal
FROM vitals.statements WHERE query = 'INSERT INTO st_t VALUES ($1, $2)';

-- pg_vitals.track: top keeps nested statements out, none records nothing.
CREATE FUNCTION st_f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM st_t';
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track = 'top';
SELECT st_f();
SET pg_vitals.track = 'all';
SELECT st_f();
SET pg_vitals.track = 'none';
SELECT st_f();
SET pg_vitals.track = 'all';
SELECT query, calls, toplevel FROM vitals.statements
WHERE query LIKE '%st_f%' OR query LIKE '%count(*) FROM st_t%' ORDER BY query COLLATE "C", toplevel;

-- pg_vitals.track_utility off: utility commands are not recorded.
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track_utility = off;
CREATE TABLE st_untracked (a int);
SET pg_vitals.track_utility = on;
CREATE TABLE st_tracked (a int);
SELECT query, calls FROM vitals.statements WHERE query LIKE 'CREATE TABLE st_%' ORDER BY query;

-- pg_vitals.track_planning: plans and plan times appear.
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track_planning = on;
SELECT count(*) FROM st_t WHERE id > 1;
SELECT count(*) FROM st_t WHERE id > 2;
SET pg_vitals.track_planning = off;
SELECT plans, calls, total_plan_time > 0 AS planned, min_plan_time <= max_plan_time AS plan_min_max
FROM vitals.statements WHERE query = 'SELECT count(*) FROM st_t WHERE id > $1';

-- Nesting is restored after errors: the next statements are top level again.
SELECT vitals.reset() IS NOT NULL AS reset;
DO $$ BEGIN PERFORM 1 / 0; END $$;
DO $$ BEGIN BEGIN PERFORM 1 / 0; EXCEPTION WHEN OTHERS THEN NULL; END; END $$;
SELECT 'after errors' AS marker;
SELECT query, toplevel FROM vitals.statements WHERE query LIKE '%after errors%' OR query LIKE 'SELECT $1 AS marker';

-- Statements known only from parse analysis (never executed) are not shown.
SELECT vitals.reset() IS NOT NULL AS reset;
PREPARE st_never AS SELECT v FROM st_t WHERE id = 42;
SELECT count(*) AS never_executed FROM vitals.statements WHERE query LIKE '%id = $1%' OR query LIKE '%42%';
DEALLOCATE st_never;

-- Reset filters: by query id (both top-level and nested), by user, by database.
SELECT vitals.reset() IS NOT NULL AS reset;
SELECT st_f();
SELECT count(*) AS before FROM vitals.statements WHERE query = 'SELECT count(*) FROM st_t';
SELECT vitals.reset(0, 0, (SELECT queryid FROM vitals.statements WHERE query = 'SELECT count(*) FROM st_t')) IS NOT NULL AS reset_one;
SELECT count(*) AS after FROM vitals.statements WHERE query = 'SELECT count(*) FROM st_t';
SELECT vitals.reset((SELECT oid FROM pg_roles WHERE rolname = current_user)) IS NOT NULL AS reset_user;
SELECT count(*) AS left_for_user FROM vitals.statements WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND query NOT LIKE '%reset%';

-- vitals.info describes the store.
SELECT entries >= 1 AS has_entries, max, dealloc >= 0 AS dealloc_counted,
       stats_reset IS NOT NULL AS reset_known, shmem_bytes > max * entry_bytes AS shmem_holds_entries,
       entry_bytes <= 1024 AS entry_within_budget, text_bytes_used <= text_bytes_allocated AS texts_fit,
       histogram_bytes_used = entries * (histogram_bytes_allocated / max) AS histogram_per_entry,
       histogram_bytes_allocated / max < entry_bytes AS histogram_inside_entry,
       plan_bytes_used <= plan_bytes_allocated AS plans_fit
FROM vitals.info;
