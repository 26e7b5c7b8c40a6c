-- Metrics: totals per database, user and command that agree with vitals.statements, never
-- go down when the store evicts (10,000 distinct statements through a 1,000-entry store),
-- failures by SQLSTATE class, a cumulative latency histogram, bounded series, privileges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET pg_vitals.track = 'all';
SELECT vitals.reset() IS NOT NULL AS reset;
CREATE TABLE mt_t (id int PRIMARY KEY, v text);
INSERT INTO mt_t SELECT g, 'v' || g FROM generate_series(1, 100) g;
SELECT count(*) FROM mt_t WHERE id < 50;
UPDATE mt_t SET v = 'w' WHERE id <= 10;
DELETE FROM mt_t WHERE id = 100;

-- Nothing evicted yet: each total is the sum of the entries of that command (the oracle is
-- vitals.statements, grouped by hand).
CREATE TEMP TABLE mt_by_command AS
SELECT CASE WHEN query LIKE 'SELECT%' OR query LIKE 'WITH%' THEN 'select'
            WHEN query LIKE 'INSERT%' THEN 'insert' WHEN query LIKE 'UPDATE%' THEN 'update'
            WHEN query LIKE 'DELETE%' THEN 'delete' ELSE 'utility' END AS command,
       sum(calls) AS calls, sum(rows) AS rows, sum(total_exec_time) AS total_exec_time
FROM vitals.statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
GROUP BY 1;
SELECT b.command, m.calls = b.calls AS same_calls, m.rows = b.rows AS same_rows,
       abs(m.total_exec_time - b.total_exec_time) < 1e-6 AS same_time
FROM mt_by_command b JOIN vitals.metrics_totals m
  ON m.command = b.command AND m.datname = current_database() AND m.usename = current_user
WHERE b.command IN ('insert', 'update', 'delete')
ORDER BY 1;

-- The latency histogram: 14 buckets, and every execution (all under 268 s) counted in the
-- finite ones: the entries' latency counters agree with their calls.
SELECT l.command, count(*) AS buckets,
       max(l.calls) FILTER (WHERE l.le = 268.435456) = min(t.calls) AS finite_buckets_hold_every_call
FROM vitals.metrics_latency l
JOIN vitals.metrics_totals t USING (datname, usename, command)
WHERE datname = current_database() AND usename = current_user AND command IN ('insert', 'update', 'delete')
GROUP BY l.command ORDER BY l.command;

-- Failures by SQLSTATE class.
SELECT 1 / 0;
SELECT 1 / 0;
INSERT INTO mt_t VALUES (1, 'duplicate');
SELECT command, sqlstate_class, errors FROM vitals.metrics_errors
WHERE datname = current_database() AND usename = current_user ORDER BY 1, 2;

-- 10,000 distinct statements (a query id changes with the number of output columns and
-- with the table) through a store of 1,000: evicted by the thousand, and the totals keep
-- every execution.
SELECT calls AS select_calls_before FROM vitals.metrics_totals
WHERE datname = current_database() AND usename = current_user AND command = 'select' \gset
DO $$
BEGIN
  FOR t IN 1 .. 100 LOOP
    EXECUTE format('CREATE TABLE mt_t%s (a int)', t);
    FOR i IN 1 .. 100 LOOP
      EXECUTE format('SELECT %s FROM mt_t%s', rtrim(repeat('a, ', i), ', '), t);
    END LOOP;
  END LOOP;
END $$;
SELECT entries <= max AS within_max, entries_evicted >= 9000 AS evicted FROM vitals.info;
SELECT calls - :select_calls_before >= 10000 AS every_execution_counted,
       calls > (SELECT sum(calls) FROM vitals.statements s
                WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND s.query LIKE 'SELECT%') AS more_than_the_entries_hold
FROM vitals.metrics_totals
WHERE datname = current_database() AND usename = current_user AND command = 'select';

-- The exposition: bounded (the 10,000 statements are 20 series of top statements, not
-- 10,000), every family declared, the counters as the views say.
CREATE TEMP TABLE mt_lines AS
SELECT line FROM regexp_split_to_table(vitals.metrics(20), E'\n') AS line WHERE line <> '';
SELECT count(*) FILTER (WHERE line NOT LIKE '#%') < 400 AS series_bounded,
       count(*) FILTER (WHERE line LIKE 'pg_vitals_top_statement_info{%') AS top_statements,
       count(*) FILTER (WHERE line LIKE '# TYPE %') AS families,
       count(*) FILTER (WHERE line LIKE '# HELP %') AS helps
FROM mt_lines;
SELECT count(*) AS insert_calls_line_agrees FROM mt_lines
WHERE line = format('pg_vitals_calls_total{datname="%s",usename="%s",command="insert"} %s',
                    current_database(), current_user,
                    (SELECT calls FROM vitals.metrics_totals WHERE datname = current_database()
                       AND usename = current_user AND command = 'insert'));
-- Texts in labels are escaped: a quoted identifier with a quote and a backslash.
SELECT 1 AS "we""ird\name";
SELECT count(*) AS escaped_text FROM regexp_split_to_table(vitals.metrics(1000), E'\n') AS line
WHERE line LIKE 'pg_vitals_top_statement_info{%' AND strpos(line, 'AS \"we\"\"ird\\name\"') > 0;

-- Bad arguments: a clear error each.
SELECT vitals.metrics(NULL);
SELECT vitals.metrics(-1);
SELECT count(*) AS no_top_statements FROM regexp_split_to_table(vitals.metrics(0), E'\n') AS line
WHERE line LIKE 'pg_vitals_top_statement%' AND line NOT LIKE '#%';

-- Monitoring roles read the metrics; others do not.
CREATE ROLE regress_mt_plain;
CREATE ROLE regress_mt_monitor IN ROLE pg_monitor;
SET ROLE regress_mt_plain;
SELECT vitals.metrics();
SELECT count(*) FROM vitals.metrics_totals;
RESET ROLE;
SET ROLE regress_mt_monitor;
SELECT vitals.metrics() LIKE '%pg_vitals_calls_total%' AS monitor_reads,
       (SELECT count(*) FROM vitals.metrics_totals) > 0 AS monitor_reads_views;
RESET ROLE;

-- A reset, and only a reset, lowers the totals.
SELECT vitals.reset() IS NOT NULL AS reset;
SELECT count(*) AS totals_after_reset FROM vitals.metrics_totals WHERE command <> 'select';
SELECT count(*) AS errors_after_reset FROM vitals.metrics_errors;

DROP ROLE regress_mt_plain;
DROP ROLE regress_mt_monitor;
DO $$ BEGIN FOR t IN 1 .. 100 LOOP EXECUTE format('DROP TABLE mt_t%s', t); END LOOP; END $$;
DROP TABLE mt_t;
