-- vitals.config_advice: PGTune's formulas for a given host and workload, as values this
-- server accepts. The current values (and so the severities) depend on the server, so the
-- deterministic columns are shown; the checks below hold on any server.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;

-- An OLTP server with 16GB, 8 CPUs and 200 connections on SSDs: PGTune's numbers
-- (work_mem = (16GB - 4GB) / ((200 + 8) x 3) = 20164kB).
SELECT name, recommended_value, recommended_setting, unit, requires_restart
FROM vitals.config_advice('oltp', 'ssd', '16GB', 8, 200);

-- Analytics on spinning disks: bigger maintenance memory and statistics, random reads
-- expensive, no JIT change; 2 CPUs: no parallel settings.
SELECT name, recommended_value FROM vitals.config_advice('dw', 'hdd', '32GB', 2, 40)
WHERE name IN ('maintenance_work_mem', 'default_statistics_target', 'random_page_cost',
               'effective_io_concurrency', 'jit', 'max_worker_processes', 'work_mem')
ORDER BY name;

-- Every recommendation is a value this server accepts: within pg_settings' bounds in the
-- setting's own unit, one of its enum values, and accepted by set_config where a session
-- may set it (rolled back).
SELECT count(*) AS out_of_bounds
FROM vitals.config_advice('web', 'nvme', '512GB', 128, 5000) a JOIN pg_settings s USING (name)
WHERE (s.vartype IN ('integer', 'real')
       AND NOT a.recommended_setting::numeric BETWEEN s.min_val::numeric AND s.max_val::numeric)
   OR (s.vartype = 'enum' AND NOT a.recommended_setting = ANY (s.enumvals));
BEGIN;
WITH settable AS MATERIALIZED (
  SELECT a.name, a.recommended_value
  FROM vitals.config_advice('oltp', 'ssd', '16GB', 8, 200) a JOIN pg_settings s USING (name)
  WHERE s.context IN ('user', 'superuser'))
SELECT count(*) AS accepted_by_set_config
FROM settable WHERE set_config(name, recommended_value, true) IS NOT NULL;
ROLLBACK;
-- A tiny host with many connections: work_mem never under 4MB, nor under the server's minimum.
SELECT name, recommended_value FROM vitals.config_advice('desktop', 'ssd', '256MB', 1, 1000)
WHERE name = 'work_mem';

-- What is already right is reported as fine and has no statement.
SELECT name, severity, sql IS NULL AS no_sql, reason LIKE 'fine: within 5%%' AS says_fine
FROM vitals.config_advice('oltp', 'ssd', '16GB', 8, 200) WHERE name = 'checkpoint_completion_target';

-- The whole-server memory check, with the recommendations: 4GB + 200 x 20164kB x 1.5 + 3 x 1GB.
SELECT recommended_value, sql IS NULL AS no_sql
FROM vitals.config_advice('oltp', 'ssd', '16GB', 8, 200) WHERE name = '(memory check)';

-- Without total_memory and cpus, the host's own (cgroup limits first) are used.
SELECT count(*) > 10 AS rows, bool_or(reason ~ 'memory from (/proc/meminfo|cgroup)') AS detected
FROM vitals.config_advice();

-- Bad input: a clear error naming what is accepted (SQLSTATE 22023; NULL 22004).
SELECT * FROM vitals.config_advice('olap');
SELECT * FROM vitals.config_advice('oltp', 'tape');
SELECT * FROM vitals.config_advice('oltp', 'ssd', '12 parsecs');
SELECT * FROM vitals.config_advice('oltp', 'ssd', '-4GB');
SELECT * FROM vitals.config_advice('oltp', 'ssd', '16GB', 0);
SELECT * FROM vitals.config_advice('oltp', 'ssd', '16GB', 8, -5);
SELECT * FROM vitals.config_advice(NULL);
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
SELECT sqlstate_of($$SELECT * FROM vitals.config_advice('olap')$$) AS unknown_workload,
       sqlstate_of($$SELECT * FROM vitals.config_advice('oltp', 'ssd', '12 parsecs')$$) AS bad_memory,
       sqlstate_of($$SELECT * FROM vitals.config_advice(NULL)$$) AS null_workload;
DROP FUNCTION sqlstate_of(text);

-- For monitoring roles: pg_monitor may call it, others may not.
CREATE ROLE cfg_watcher LOGIN IN ROLE pg_monitor;
CREATE ROLE cfg_nobody LOGIN;
SET ROLE cfg_watcher;
SELECT count(*) > 0 AS pg_monitor_may FROM vitals.config_advice('web', 'ssd', '8GB', 4, 100);
RESET ROLE;
SET ROLE cfg_nobody;
SELECT count(*) FROM vitals.config_advice('web', 'ssd', '8GB', 4, 100);
RESET ROLE;
DROP ROLE cfg_watcher;
DROP ROLE cfg_nobody;
