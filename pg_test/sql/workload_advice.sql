-- vitals.workload_advice from real sessions: a spilling sort, a table read by sequential
-- scans, an unused index. Counts that depend on page layout are not printed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET pg_vitals.track = 'top';

-- A sort that spills with a small work_mem: the finding names the statement and a work_mem
-- for its role; with that work_mem the same sort no longer touches disk.
CREATE TABLE wl_sorted (id int, pad text);
INSERT INTO wl_sorted SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
SET work_mem = '64kB';
SELECT count(*) FROM (SELECT * FROM wl_sorted ORDER BY pad OFFSET 1) s;
SELECT count(*) FROM (SELECT * FROM wl_sorted ORDER BY pad OFFSET 1) s;
RESET work_mem;
SELECT a.rule, a.severity, a.sql ~ '^ALTER ROLE postgres SET work_mem = ''[0-9]+[kMGT]?B''$' AS sql_for_the_role,
       a.finding ~ '^writes [0-9.]+ [kMG]B to temporary files per call \(2 calls, ' AS finding_has_the_numbers,
       a.tentative
FROM vitals.workload_advice a JOIN vitals.statements s USING (queryid)
WHERE a.rule = 'temp_spill' AND s.query LIKE 'SELECT count(*) FROM (SELECT * FROM wl_sorted ORDER BY pad%';
-- Take the recommendation (for this session) and run the sort again from a fresh entry.
SELECT substring(a.sql FROM '''(.*)''') AS recommended_work_mem, a.queryid AS sort_queryid
FROM vitals.workload_advice a JOIN vitals.statements s USING (queryid)
WHERE a.rule = 'temp_spill' AND s.query LIKE 'SELECT count(*) FROM (SELECT * FROM wl_sorted ORDER BY pad%' \gset
SELECT vitals.reset(0, 0, :sort_queryid) IS NOT NULL AS reset;
SET work_mem = :'recommended_work_mem';
SELECT count(*) FROM (SELECT * FROM wl_sorted ORDER BY pad OFFSET 1) s;
RESET work_mem;
SELECT calls, temp_blks_written AS temp_blocks_with_the_recommended_work_mem
FROM vitals.statements WHERE queryid = :sort_queryid;
SELECT count(*) AS spill_findings_after FROM vitals.workload_advice
WHERE rule = 'temp_spill' AND queryid = :sort_queryid;

-- A table of 50,000 rows read 12 times by sequential scans, never by index: the finding names
-- the statement.
CREATE TABLE wl_scanned (id int, customer int);
INSERT INTO wl_scanned SELECT g, g % 1000 FROM generate_series(1, 50000) g;
ANALYZE wl_scanned;
SELECT count(*) FROM wl_scanned WHERE customer = 1;
SELECT count(*) FROM wl_scanned WHERE customer = 2;
SELECT count(*) FROM wl_scanned WHERE customer = 3;
SELECT count(*) FROM wl_scanned WHERE customer = 4;
SELECT count(*) FROM wl_scanned WHERE customer = 5;
SELECT count(*) FROM wl_scanned WHERE customer = 6;
SELECT count(*) FROM wl_scanned WHERE customer = 7;
SELECT count(*) FROM wl_scanned WHERE customer = 8;
SELECT count(*) FROM wl_scanned WHERE customer = 9;
SELECT count(*) FROM wl_scanned WHERE customer = 10;
SELECT count(*) FROM wl_scanned WHERE customer = 11;
SELECT count(*) FROM wl_scanned WHERE customer = 12;
SELECT pg_stat_force_next_flush();
SELECT a.rule, a.severity, a.relation, s.query AS slowest_statement_reading_it,
       a.finding ~ 'was read by [0-9]+ sequential scans' AS finding_has_the_numbers
FROM vitals.workload_advice a LEFT JOIN vitals.statements s USING (queryid)
WHERE a.rule = 'seq_scan_table' AND a.relation = 'public.wl_scanned';

-- An index of more than 10MB never scanned: drop it. Once a query uses it, it is not unused.
CREATE TABLE wl_indexed (id int, v int);
INSERT INTO wl_indexed SELECT g, g FROM generate_series(1, 500000) g;
CREATE INDEX wl_indexed_v ON wl_indexed (v);
ANALYZE wl_indexed;
SELECT pg_stat_force_next_flush();
SELECT rule, severity, relation, sql FROM vitals.workload_advice
WHERE rule = 'unused_index' AND relation = 'public.wl_indexed_v';
SELECT v FROM wl_indexed WHERE v = 4242;
SELECT pg_stat_force_next_flush();
SELECT count(*) AS unused_after_a_scan FROM vitals.workload_advice
WHERE rule = 'unused_index' AND relation = 'public.wl_indexed_v';

-- A fresh cluster's statistics are less than a week old: every finding is tentative.
SELECT bool_and(tentative) AS all_tentative FROM vitals.workload_advice;

DROP TABLE wl_sorted, wl_scanned, wl_indexed;
