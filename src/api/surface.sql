-- The SQL surface of pg_vitals. Objects are created in schema vitals (see the control file).

-- vitals.statements: one row per (userid, dbid, queryid, toplevel), with every column that
-- pg_stat_statements 1.10 (PostgreSQL 15) has, under the same name and type, then the
-- execution-time percentiles and the executions that failed, then the columns
-- pg_stat_statements added in 1.11 to 1.13 (NULL where this major cannot measure one).
CREATE FUNCTION vitals._statements(
    showtext boolean,
    OUT userid oid,
    OUT dbid oid,
    OUT toplevel bool,
    OUT queryid bigint,
    OUT query text,
    OUT plans int8,
    OUT total_plan_time float8,
    OUT min_plan_time float8,
    OUT max_plan_time float8,
    OUT mean_plan_time float8,
    OUT stddev_plan_time float8,
    OUT calls int8,
    OUT total_exec_time float8,
    OUT min_exec_time float8,
    OUT max_exec_time float8,
    OUT mean_exec_time float8,
    OUT stddev_exec_time float8,
    OUT rows int8,
    OUT shared_blks_hit int8,
    OUT shared_blks_read int8,
    OUT shared_blks_dirtied int8,
    OUT shared_blks_written int8,
    OUT local_blks_hit int8,
    OUT local_blks_read int8,
    OUT local_blks_dirtied int8,
    OUT local_blks_written int8,
    OUT temp_blks_read int8,
    OUT temp_blks_written int8,
    OUT blk_read_time float8,
    OUT blk_write_time float8,
    OUT temp_blk_read_time float8,
    OUT temp_blk_write_time float8,
    OUT wal_records int8,
    OUT wal_fpi int8,
    OUT wal_bytes numeric,
    OUT jit_functions int8,
    OUT jit_generation_time float8,
    OUT jit_inlining_count int8,
    OUT jit_inlining_time float8,
    OUT jit_optimization_count int8,
    OUT jit_optimization_time float8,
    OUT jit_emission_count int8,
    OUT jit_emission_time float8,
    OUT p50_exec_time float8,
    OUT p90_exec_time float8,
    OUT p95_exec_time float8,
    OUT p99_exec_time float8,
    OUT p999_exec_time float8,
    OUT errors int8,
    OUT error_time float8,
    OUT last_sqlstate text,
    OUT last_error_at timestamptz,
    OUT shared_blk_read_time float8,
    OUT shared_blk_write_time float8,
    OUT local_blk_read_time float8,
    OUT local_blk_write_time float8,
    OUT jit_deform_count int8,
    OUT jit_deform_time float8,
    OUT wal_buffers_full int8,
    OUT parallel_workers_to_launch int8,
    OUT parallel_workers_launched int8,
    OUT generic_plan_calls int8,
    OUT custom_plan_calls int8,
    OUT stats_since timestamptz,
    OUT minmax_stats_since timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_statements'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.statements AS SELECT * FROM vitals._statements(true);

-- vitals.histogram: execution-time buckets of a statement (NULL filters match any).
CREATE FUNCTION vitals.histogram(
    queryid bigint,
    userid oid DEFAULT NULL,
    dbid oid DEFAULT NULL,
    toplevel boolean DEFAULT NULL,
    OUT lower_ms float8,
    OUT upper_ms float8,
    OUT calls bigint
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_histogram'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- vitals.info: the store itself.
CREATE FUNCTION vitals._info(
    OUT entries bigint,
    OUT max bigint,
    OUT dealloc bigint,
    OUT stats_reset timestamptz,
    OUT shmem_bytes bigint,
    OUT entry_bytes bigint,
    OUT text_bytes_used bigint,
    OUT text_bytes_allocated bigint,
    OUT entries_evicted bigint,
    OUT texts_dropped bigint,
    OUT last_dealloc timestamptz,
    OUT histogram_bytes_used bigint,
    OUT histogram_bytes_allocated bigint,
    OUT plans bigint,
    OUT plan_bytes_used bigint,
    OUT plan_bytes_allocated bigint,
    OUT plans_dropped bigint
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_info'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.info AS SELECT * FROM vitals._info();

-- vitals.plans: the plan of each statement's slowest captured execution.
CREATE FUNCTION vitals._plans(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT toplevel bool,
    OUT captured_at timestamptz,
    OUT exec_time float8,
    OUT instrumented bool,
    OUT plan text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_plans'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.plans AS SELECT * FROM vitals._plans();

-- vitals.reset: 0 matches any user, database or query id; NULL is an error. With
-- minmax_only, the matching entries stay and only their min and max times restart.
CREATE FUNCTION vitals.reset(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0,
                             minmax_only boolean DEFAULT false)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'vitals_reset'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- vitals.reset_plans: forgets captured plans (statistics stay); 0 matches any.
CREATE FUNCTION vitals.reset_plans(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0)
RETURNS bigint
AS 'MODULE_PATHNAME', 'vitals_reset_plans'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- Privileges as pg_stat_statements: everyone may read (other users' texts are hidden
-- unless pg_read_all_stats), only superusers reset unless granted.
GRANT USAGE ON SCHEMA vitals TO PUBLIC;
GRANT SELECT ON vitals.statements, vitals.info, vitals.plans TO PUBLIC;
REVOKE ALL ON FUNCTION vitals.reset(oid, oid, bigint, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION vitals.reset_plans(oid, oid, bigint) FROM PUBLIC;

-- vitals.autovacuum_status: one row per table (TOAST tables with their parent, partitioned
-- tables too): the settings autovacuum uses for it after reloption fallback, each threshold
-- as PostgreSQL computes it and how far the table is towards it, freeze ages, last
-- (auto)vacuum and (auto)analyze, a vacuum running now, estimated bloat, and the server-wide
-- ceiling of autovacuum's I/O under its cost settings. Needs no preloading.
CREATE FUNCTION vitals._autovacuum_status(
    OUT schema_name text,
    OUT relation_name text,
    OUT kind text,
    OUT parent_schema_name text,
    OUT parent_relation_name text,
    OUT autovacuum_enabled bool,
    OUT settings_source text,
    OUT vacuum_base_threshold float8,
    OUT vacuum_scale_factor float8,
    OUT vacuum_max_threshold float8,
    OUT insert_base_threshold float8,
    OUT insert_scale_factor float8,
    OUT analyze_base_threshold float8,
    OUT analyze_scale_factor float8,
    OUT freeze_max_age int8,
    OUT multixact_freeze_max_age int8,
    OUT dead_tuples int8,
    OUT vacuum_threshold float8,
    OUT vacuum_pct float8,
    OUT inserts_since_vacuum int8,
    OUT insert_threshold float8,
    OUT insert_pct float8,
    OUT mod_since_analyze int8,
    OUT analyze_threshold float8,
    OUT analyze_pct float8,
    OUT xid_age int8,
    OUT freeze_pct float8,
    OUT mxid_age int8,
    OUT multixact_freeze_pct float8,
    OUT vacuum_due bool,
    OUT wraparound_due bool,
    OUT analyze_due bool,
    OUT last_vacuum timestamptz,
    OUT last_autovacuum timestamptz,
    OUT last_analyze timestamptz,
    OUT last_autoanalyze timestamptz,
    OUT vacuum_running bool,
    OUT vacuum_phase text,
    OUT table_bytes int8,
    OUT estimated_bloat_bytes int8,
    OUT estimated_bloat_pct float8,
    OUT autovacuum_read_limit_mb_s float8,
    OUT autovacuum_dirty_limit_mb_s float8
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_autovacuum_status'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.autovacuum_status AS SELECT * FROM vitals._autovacuum_status();

-- vitals.autovacuum_advice: one row per finding, most severe first, each with a statement
-- to run as is.
CREATE FUNCTION vitals._autovacuum_advice(
    OUT rule text,
    OUT severity text,
    OUT schema_name text,
    OUT relation_name text,
    OUT finding text,
    OUT recommendation text,
    OUT sql text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_autovacuum_advice'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.autovacuum_advice AS
SELECT rule, severity, schema_name, relation_name, finding, recommendation, sql
FROM vitals._autovacuum_advice() WITH ORDINALITY AS a(rule, severity, schema_name, relation_name, finding, recommendation, sql, n)
ORDER BY n;

-- Anyone may read them: the gathering runs as the caller, who sees what its privileges allow.
GRANT SELECT ON vitals.autovacuum_status, vitals.autovacuum_advice TO PUBLIC;

-- vitals.config_advice: one row per setting PGTune's formulas cover, for this host (memory
-- and CPUs detected, cgroup limits first, unless given) and workload, each value converted to
-- the setting's unit and bounds; and a whole-server memory check.
CREATE FUNCTION vitals.config_advice(
    workload text DEFAULT 'mixed',
    storage text DEFAULT 'ssd',
    total_memory text DEFAULT NULL,
    cpus integer DEFAULT NULL,
    max_connections integer DEFAULT NULL,
    OUT name text,
    OUT current_value text,
    OUT recommended_value text,
    OUT recommended_setting text,
    OUT unit text,
    OUT severity text,
    OUT reason text,
    OUT requires_restart bool,
    OUT sql text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_config_advice'
LANGUAGE C VOLATILE;

-- It reads the host's memory and CPU limits: for monitoring roles, as pg_stat_statements'
-- privileges go.
REVOKE ALL ON FUNCTION vitals.config_advice(text, text, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vitals.config_advice(text, text, text, integer, integer) TO pg_monitor;

-- vitals.workload_advice: what this database's statement statistics and table and index
-- activity say should change, one row per finding, most severe first; `tentative` when the
-- statistics behind it cover less than a week.
CREATE FUNCTION vitals._workload_advice(
    OUT rule text,
    OUT severity text,
    OUT queryid bigint,
    OUT query text,
    OUT relation text,
    OUT finding text,
    OUT recommendation text,
    OUT sql text,
    OUT tentative bool
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_workload_advice'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.workload_advice AS
SELECT rule, severity, queryid, query, relation, finding, recommendation, sql, tentative
FROM vitals._workload_advice() WITH ORDINALITY
    AS a(rule, severity, queryid, query, relation, finding, recommendation, sql, tentative, n)
ORDER BY n;

-- Anyone may read it: the gathering runs as the caller, who sees what its privileges allow.
GRANT SELECT ON vitals.workload_advice TO PUBLIC;

-- The pg_stat_statements drop-in: vitals.pg_stat_statements (view and showtext function),
-- vitals.pg_stat_statements_reset and vitals.pg_stat_statements_info, with the columns,
-- signatures and semantics pg_stat_statements has on this server's major (1.10 on 15 and
-- 16, 1.11 on 17, 1.12 on 18), over vitals._statements. With vitals before public in
-- search_path, a tool that reads pg_stat_statements by name reads pg_vitals.
CREATE FUNCTION vitals._creating_extension() RETURNS boolean
AS 'MODULE_PATHNAME', 'vitals_creating_extension'
LANGUAGE C STRICT STABLE;

-- Creates the drop-in objects in this major's shape, replacing those of another major (after
-- pg_upgrade, whose dump keeps the old cluster's shape). Returns the pg_stat_statements
-- version whose shape they now have.
CREATE FUNCTION vitals.reshape_pg_stat_statements() RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $reshape$
DECLARE
    major int := current_setting('server_version_num')::int / 10000;
    version text := CASE WHEN major >= 18 THEN '1.12' WHEN major = 17 THEN '1.11' ELSE '1.10' END;
    in_script boolean := vitals._creating_extension();
    head text[] := ARRAY['userid oid', 'dbid oid', 'toplevel bool', 'queryid bigint', 'query text',
        'plans int8', 'total_plan_time float8', 'min_plan_time float8', 'max_plan_time float8',
        'mean_plan_time float8', 'stddev_plan_time float8', 'calls int8', 'total_exec_time float8',
        'min_exec_time float8', 'max_exec_time float8', 'mean_exec_time float8',
        'stddev_exec_time float8', 'rows int8', 'shared_blks_hit int8', 'shared_blks_read int8',
        'shared_blks_dirtied int8', 'shared_blks_written int8', 'local_blks_hit int8',
        'local_blks_read int8', 'local_blks_dirtied int8', 'local_blks_written int8',
        'temp_blks_read int8', 'temp_blks_written int8'];
    jit text[] := ARRAY['jit_functions int8', 'jit_generation_time float8', 'jit_inlining_count int8',
        'jit_inlining_time float8', 'jit_optimization_count int8', 'jit_optimization_time float8',
        'jit_emission_count int8', 'jit_emission_time float8'];
    cols text[];
    obj text;
BEGIN
    IF version = '1.10' THEN
        cols := head || ARRAY['blk_read_time float8', 'blk_write_time float8',
            'temp_blk_read_time float8', 'temp_blk_write_time float8', 'wal_records int8',
            'wal_fpi int8', 'wal_bytes numeric'] || jit;
    ELSE
        cols := head || ARRAY['shared_blk_read_time float8', 'shared_blk_write_time float8',
            'local_blk_read_time float8', 'local_blk_write_time float8',
            'temp_blk_read_time float8', 'temp_blk_write_time float8', 'wal_records int8',
            'wal_fpi int8', 'wal_bytes numeric']
            || CASE WHEN version = '1.12' THEN ARRAY['wal_buffers_full int8'] ELSE '{}' END
            || jit || ARRAY['jit_deform_count int8', 'jit_deform_time float8']
            || CASE WHEN version = '1.12'
                    THEN ARRAY['parallel_workers_to_launch int8', 'parallel_workers_launched int8']
                    ELSE '{}' END
            || ARRAY['stats_since timestamptz', 'minmax_stats_since timestamptz'];
    END IF;

    -- Outside the extension's scripts the old objects leave the extension before they go,
    -- and the new ones join it.
    FOR obj IN
        SELECT format('VIEW %s', c.oid::regclass) FROM pg_class c
        WHERE c.relnamespace = 'vitals'::regnamespace
          AND c.relname IN ('pg_stat_statements', 'pg_stat_statements_info')
        UNION ALL
        SELECT format('FUNCTION %s', p.oid::regprocedure) FROM pg_proc p
        WHERE p.pronamespace = 'vitals'::regnamespace
          AND p.proname IN ('pg_stat_statements', 'pg_stat_statements_info', 'pg_stat_statements_reset')
        ORDER BY 1 DESC
    LOOP
        IF NOT in_script THEN
            EXECUTE format('ALTER EXTENSION pg_vitals DROP %s', obj);
        END IF;
        EXECUTE format('DROP %s', obj);
    END LOOP;

    -- Entries that never completed a planning or an execution are not shown, as
    -- pg_stat_statements hides its "sticky" entries.
    EXECUTE format($sql$
        CREATE FUNCTION vitals.pg_stat_statements(IN showtext boolean, %s)
        RETURNS SETOF record LANGUAGE sql STRICT VOLATILE PARALLEL SAFE
        AS 'SELECT %s FROM vitals._statements(showtext) WHERE plans <> 0 OR calls <> 0'$sql$,
        (SELECT string_agg('OUT ' || c, ', ') FROM unnest(cols) c),
        (SELECT string_agg(split_part(c, ' ', 1), ', ') FROM unnest(cols) c));
    CREATE VIEW vitals.pg_stat_statements AS SELECT * FROM vitals.pg_stat_statements(true);
    GRANT SELECT ON vitals.pg_stat_statements TO PUBLIC;

    -- vitals.reset's code, strict: a NULL argument resets nothing, as in pg_stat_statements.
    IF version = '1.10' THEN
        CREATE FUNCTION vitals.pg_stat_statements_reset(userid oid DEFAULT 0, dbid oid DEFAULT 0,
                                                        queryid bigint DEFAULT 0)
        RETURNS void AS 'MODULE_PATHNAME', 'vitals_reset'
        LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
        REVOKE ALL ON FUNCTION vitals.pg_stat_statements_reset(oid, oid, bigint) FROM PUBLIC;
    ELSE
        CREATE FUNCTION vitals.pg_stat_statements_reset(userid oid DEFAULT 0, dbid oid DEFAULT 0,
                                                        queryid bigint DEFAULT 0,
                                                        minmax_only boolean DEFAULT false)
        RETURNS timestamptz AS 'MODULE_PATHNAME', 'vitals_reset'
        LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
        REVOKE ALL ON FUNCTION vitals.pg_stat_statements_reset(oid, oid, bigint, boolean) FROM PUBLIC;
    END IF;

    CREATE FUNCTION vitals.pg_stat_statements_info(OUT dealloc bigint, OUT stats_reset timestamptz)
    RETURNS record LANGUAGE sql STRICT VOLATILE PARALLEL SAFE
    AS 'SELECT dealloc, stats_reset FROM vitals._info()';
    CREATE VIEW vitals.pg_stat_statements_info AS SELECT * FROM vitals.pg_stat_statements_info();
    GRANT SELECT ON vitals.pg_stat_statements_info TO PUBLIC;

    IF NOT in_script THEN
        FOR obj IN
            SELECT format('VIEW %s', c.oid::regclass) FROM pg_class c
            WHERE c.relnamespace = 'vitals'::regnamespace
              AND c.relname IN ('pg_stat_statements', 'pg_stat_statements_info')
            UNION ALL
            SELECT format('FUNCTION %s', p.oid::regprocedure) FROM pg_proc p
            WHERE p.pronamespace = 'vitals'::regnamespace
              AND p.proname IN ('pg_stat_statements', 'pg_stat_statements_info', 'pg_stat_statements_reset')
        LOOP
            EXECUTE format('ALTER EXTENSION pg_vitals ADD %s', obj);
        END LOOP;
    END IF;
    RETURN version;
END
$reshape$;

REVOKE ALL ON FUNCTION vitals.reshape_pg_stat_statements() FROM PUBLIC;
SELECT vitals.reshape_pg_stat_statements();

-- Metrics: totals per database, user and command that never go down when the store evicts
-- an entry (only a reset lowers them), failures by SQLSTATE class, and vitals.metrics(), the
-- Prometheus text exposition of them with the top statements and the store's health. For
-- monitoring roles (pg_monitor), as pg_stat_statements' privileges go.
CREATE FUNCTION vitals._metric_totals(
    OUT dbid oid,
    OUT userid oid,
    OUT command text,
    OUT calls int8,
    OUT total_exec_time float8,
    OUT rows int8,
    OUT latency int8[]
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_metric_totals'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION vitals._metric_errors(
    OUT dbid oid,
    OUT userid oid,
    OUT command text,
    OUT sqlstate_class text,
    OUT errors int8
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_metric_errors'
LANGUAGE C STRICT VOLATILE;

-- Names for the labels: what the catalogs say, the oid when the object is gone, "(other)"
-- for the totals beyond what the store keeps apart (dbid and userid 0).
CREATE FUNCTION vitals._metric_names(dbid oid, userid oid, OUT datname text, OUT usename text)
RETURNS record LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN dbid = 0::oid THEN '(other)'
            ELSE coalesce((SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = dbid),
                          dbid::text) END,
       CASE WHEN userid = 0::oid THEN '(other)'
            ELSE coalesce((SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = userid),
                          userid::text) END
$$;

CREATE VIEW vitals.metrics_totals AS
SELECT n.datname, n.usename, t.command, t.calls, t.total_exec_time, t.rows
FROM vitals._metric_totals() t, vitals._metric_names(t.dbid, t.userid) n;

-- The latency histogram, cumulative: executions that took at most `le` seconds (the last
-- row of each group, le = Infinity, is every completed execution).
CREATE VIEW vitals.metrics_latency AS
SELECT n.datname, n.usename, t.command, b.le, b.calls
FROM vitals._metric_totals() t, vitals._metric_names(t.dbid, t.userid) n,
LATERAL (
    SELECT pg_catalog.power(4::float8, u.i + 1) / 1e6::float8 AS le,
           (sum(u.n) OVER (ORDER BY u.i))::int8 AS calls
    FROM unnest(t.latency) WITH ORDINALITY AS u(n, i)
    UNION ALL
    SELECT 'Infinity'::float8, t.calls
) b;

CREATE VIEW vitals.metrics_errors AS
SELECT n.datname, n.usename, e.command, e.sqlstate_class, e.errors
FROM vitals._metric_errors() e, vitals._metric_names(e.dbid, e.userid) n;

CREATE FUNCTION vitals.metrics(top_n integer DEFAULT 20) RETURNS text
AS 'MODULE_PATHNAME', 'vitals_metrics'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION vitals._metric_totals(), vitals._metric_errors(), vitals.metrics(integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vitals._metric_totals(), vitals._metric_errors(), vitals.metrics(integer)
    TO pg_monitor;
GRANT SELECT ON vitals.metrics_totals, vitals.metrics_latency, vitals.metrics_errors TO pg_monitor;
