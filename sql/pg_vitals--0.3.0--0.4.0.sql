-- pg_vitals 0.3.0 -> 0.4.0: autovacuum status and advice (vitals.autovacuum_status,
-- vitals.autovacuum_advice), configuration advice (vitals.config_advice()) and workload advice
-- (vitals.workload_advice).
\echo Use "ALTER EXTENSION pg_vitals UPDATE TO '0.4.0'" to load this file. \quit

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
