-- pg_vitals 0.2.0 -> 0.3.0: captured plans (vitals.plans, vitals.reset_plans()) and the
-- histogram and plan memory in vitals.info.
\echo Use "ALTER EXTENSION pg_vitals UPDATE TO '0.3.0'" to load this file. \quit

DROP VIEW vitals.info;
DROP FUNCTION vitals._info();

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

CREATE FUNCTION vitals.reset_plans(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0)
RETURNS bigint
AS 'MODULE_PATHNAME', 'vitals_reset_plans'
LANGUAGE C VOLATILE PARALLEL SAFE;

GRANT SELECT ON vitals.info, vitals.plans TO PUBLIC;
REVOKE ALL ON FUNCTION vitals.reset_plans(oid, oid, bigint) FROM PUBLIC;
