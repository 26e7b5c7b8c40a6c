-- pg_vitals 0.4.0 -> 0.5.0: the columns pg_stat_statements added after 1.10 in
-- vitals.statements, a min/max-only reset (vitals.reset's minmax_only), the
-- pg_stat_statements drop-in (vitals.pg_stat_statements, vitals.pg_stat_statements_reset,
-- vitals.pg_stat_statements_info, vitals.reshape_pg_stat_statements()), and metrics
-- (vitals.metrics(), vitals.metrics_totals, vitals.metrics_latency, vitals.metrics_errors).
\echo Use "ALTER EXTENSION pg_vitals UPDATE TO '0.5.0'" to load this file. \quit

ALTER EXTENSION pg_vitals DROP VIEW vitals.statements;
ALTER EXTENSION pg_vitals DROP FUNCTION vitals._statements(boolean);
ALTER EXTENSION pg_vitals DROP FUNCTION vitals.reset(oid, oid, bigint);
DROP VIEW vitals.statements;
DROP FUNCTION vitals._statements(boolean);
DROP FUNCTION vitals.reset(oid, oid, bigint);

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
GRANT SELECT ON vitals.statements TO PUBLIC;

-- vitals.reset: 0 matches any user, database or query id; NULL is an error. With
-- minmax_only, the matching entries stay and only their min and max times restart.
CREATE FUNCTION vitals.reset(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0,
                             minmax_only boolean DEFAULT false)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'vitals_reset'
LANGUAGE C VOLATILE PARALLEL SAFE;

REVOKE ALL ON FUNCTION vitals.reset(oid, oid, bigint, boolean) FROM PUBLIC;

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
