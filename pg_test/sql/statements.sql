-- vitals.statements from a real client session: its columns, the normalized text, and the
-- counters of one entry. The settings that change what is tracked are in tracking.sql, the
-- reset functions and vitals.info in reset.sql.
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

-- Statements known only from parse analysis (never executed) are not shown.
SELECT vitals.reset() IS NOT NULL AS reset;
PREPARE st_never AS SELECT v FROM st_t WHERE id = 42;
SELECT count(*) AS never_executed FROM vitals.statements WHERE query LIKE '%id = $1%' OR query LIKE '%42%';
DEALLOCATE st_never;

DROP TABLE st_t;
