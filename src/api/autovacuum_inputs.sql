-- The inputs of vitals.autovacuum_status and vitals.autovacuum_advice, as one JSON document
-- that crates/vitals-core/src/advice/autovacuum/inputs.rs reads (field names are its struct
-- fields). It runs as the caller, so what the caller may not see is absent rather than an
-- error: other sessions' xmin without pg_read_all_stats, column statistics of tables it may not read (no bloat
-- estimate then). Times are seconds since 1970 (date_part('epoch', ...)).
-- The RELALLFROZEN placeholder is pg_class.relallfrozen on PostgreSQL 18, NULL before.
WITH rel AS (
    SELECT c.oid, c.relkind, n.nspname, c.relname, c.reltuples, c.relpages, c.relallvisible,
           @RELALLFROZEN@ AS relallfrozen, c.relnatts, c.reloptions, c.relfrozenxid, c.relminmxid,
           p.oid AS parent_oid, pn.nspname AS parent_nspname, p.relname AS parent_relname,
           p.reloptions AS parent_reloptions
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_class p ON c.relkind = 't' AND p.reltoastrelid = c.oid
    LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
    WHERE c.relkind IN ('r', 't', 'm', 'p')
      -- Temporary tables are never vacuumed by autovacuum; system catalogs are left out,
      -- as pg_stat_user_tables leaves them out.
      AND c.relpersistence <> 't'
      AND coalesce(pn.nspname, n.nspname) NOT IN ('pg_catalog', 'information_schema')
      AND (c.relkind <> 't' OR p.oid IS NOT NULL)
),
-- relnatts counts dropped columns too.
dropped AS (
    SELECT attrelid, count(*) AS ncols
    FROM pg_catalog.pg_attribute
    WHERE attnum > 0 AND attisdropped
    GROUP BY attrelid
),
-- Tables large enough for a bloat estimate (1 MB or more).
big AS (
    SELECT oid, nspname, relname FROM rel
    WHERE relkind IN ('r', 'm')
      AND relpages::float8 * current_setting('block_size')::float8 >= 1048576
),
-- Their column statistics, one row per table (relid): the placeholder below becomes a query
-- of pg_statistic when the caller may read it, else of pg_stats (src/api/autovacuum.rs).
colstats AS (
    @COLSTATS@
),
progress AS (
    SELECT relid, phase, index_vacuum_count FROM pg_catalog.pg_stat_progress_vacuum
),
-- One row per table, sent as one JSON array per column: objects per row would repeat every
-- key name in every row (three times the JSON, half again the time). Reloptions stay
-- "name=value" arrays, times epoch seconds.
-- The statistics functions are those behind pg_stat_all_tables, called directly: the view
-- also sums idx_scan over pg_index for every table.
tables AS (
    SELECT r.oid::int8 AS oid, r.relkind AS kind, r.nspname AS schema, r.relname AS name,
           quote_ident(r.nspname) || '.' || quote_ident(r.relname) AS sql_name,
           r.parent_nspname AS parent_schema, r.parent_relname AS parent_name,
           quote_ident(r.parent_nspname) || '.' || quote_ident(r.parent_relname) AS parent_sql_name,
           r.reloptions AS options,
           CASE WHEN r.parent_oid IS NOT NULL THEN coalesce(r.parent_reloptions, '{}') END AS parent_options,
           r.reltuples, r.relpages, r.relallvisible, r.relallfrozen,
           -- pg_class's size as of the last vacuum or analyze: pg_relation_size() would open
           -- every relation and read its file's size.
           r.relpages::float8 * current_setting('block_size')::float8 AS table_bytes,
           pg_stat_get_live_tuples(r.oid) AS n_live_tup,
           pg_stat_get_dead_tuples(r.oid) AS n_dead_tup,
           pg_stat_get_mod_since_analyze(r.oid) AS n_mod_since_analyze,
           pg_stat_get_ins_since_vacuum(r.oid) AS n_ins_since_vacuum,
           pg_stat_get_tuples_inserted(r.oid) AS n_tup_ins,
           pg_stat_get_tuples_updated(r.oid) AS n_tup_upd,
           pg_stat_get_tuples_deleted(r.oid) AS n_tup_del,
           date_part('epoch', pg_stat_get_last_vacuum_time(r.oid)) AS last_vacuum,
           date_part('epoch', pg_stat_get_last_autovacuum_time(r.oid)) AS last_autovacuum,
           date_part('epoch', pg_stat_get_last_analyze_time(r.oid)) AS last_analyze,
           date_part('epoch', pg_stat_get_last_autoanalyze_time(r.oid)) AS last_autoanalyze,
           CASE WHEN r.relkind <> 'p' THEN age(r.relfrozenxid) END AS xid_age,
           CASE WHEN r.relkind <> 'p' THEN mxid_age(r.relminmxid) END AS mxid_age,
           pr.phase AS vacuum_phase, pr.index_vacuum_count,
           r.relnatts - coalesce(d.ncols, 0) AS ncols,
           st.stats_cols, st.data_width, st.has_nulls
    FROM rel r
    LEFT JOIN progress pr ON pr.relid = r.oid
    LEFT JOIN dropped d ON d.attrelid = r.oid
    LEFT JOIN colstats st ON st.relid = r.oid
)
SELECT json_build_object(
    'now', date_part('epoch', now()),
    'current_database', current_database(),
    'settings', (
        SELECT json_object_agg(name, setting)
        FROM pg_catalog.pg_settings
        WHERE name IN ('server_version_num', 'autovacuum', 'track_counts', 'autovacuum_naptime',
            'autovacuum_max_workers', 'autovacuum_vacuum_threshold',
            'autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_max_threshold',
            'autovacuum_vacuum_insert_threshold', 'autovacuum_vacuum_insert_scale_factor',
            'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor',
            'autovacuum_freeze_max_age', 'autovacuum_multixact_freeze_max_age',
            'vacuum_failsafe_age', 'vacuum_multixact_failsafe_age',
            'autovacuum_vacuum_cost_delay', 'autovacuum_vacuum_cost_limit', 'vacuum_cost_delay',
            'vacuum_cost_limit', 'vacuum_cost_page_miss', 'vacuum_cost_page_dirty',
            'autovacuum_work_mem', 'maintenance_work_mem', 'block_size')
    ),
    -- One array per column, in the same row order (array_agg cannot take the NULL arrays of
    -- reloptions, json_agg can); NULL when there are no tables.
    'tables', (
        SELECT CASE WHEN count(*) > 0 THEN json_build_object(
            'oid', array_agg(oid),
            'kind', array_agg(kind),
            'schema', array_agg(schema),
            'name', array_agg(name),
            'sql_name', array_agg(sql_name),
            'parent_schema', array_agg(parent_schema),
            'parent_name', array_agg(parent_name),
            'parent_sql_name', array_agg(parent_sql_name),
            'options', json_agg(options),
            'parent_options', json_agg(parent_options),
            'reltuples', array_agg(reltuples),
            'relpages', array_agg(relpages),
            'relallvisible', array_agg(relallvisible),
            'relallfrozen', array_agg(relallfrozen),
            'table_bytes', array_agg(table_bytes),
            'n_live_tup', array_agg(n_live_tup),
            'n_dead_tup', array_agg(n_dead_tup),
            'n_mod_since_analyze', array_agg(n_mod_since_analyze),
            'n_ins_since_vacuum', array_agg(n_ins_since_vacuum),
            'n_tup_ins', array_agg(n_tup_ins),
            'n_tup_upd', array_agg(n_tup_upd),
            'n_tup_del', array_agg(n_tup_del),
            'last_vacuum', array_agg(last_vacuum),
            'last_autovacuum', array_agg(last_autovacuum),
            'last_analyze', array_agg(last_analyze),
            'last_autoanalyze', array_agg(last_autoanalyze),
            'xid_age', array_agg(xid_age),
            'mxid_age', array_agg(mxid_age),
            'vacuum_phase', array_agg(vacuum_phase),
            'index_vacuum_count', array_agg(index_vacuum_count),
            'ncols', array_agg(ncols),
            'stats_cols', array_agg(stats_cols),
            'data_width', array_agg(data_width),
            'has_nulls', array_agg(has_nulls)
        ) END
        FROM tables t
    ),
    'databases', (
        SELECT coalesce(json_agg(json_build_object(
            'name', datname, 'xid_age', age(datfrozenxid), 'mxid_age', mxid_age(datminmxid))
            ORDER BY datname), '[]'::json)
        FROM pg_catalog.pg_database
    ),
    'holders', (
        SELECT coalesce(json_agg(h), '[]'::json) FROM (
            SELECT 'session' AS kind, a.pid, a.usename AS "user", a.datname AS database, a.state,
                   extract(epoch FROM now() - a.xact_start)::float8 AS xact_age_s,
                   greatest(age(a.backend_xmin), age(a.backend_xid)) AS xmin_age,
                   NULL::text AS name, NULL::text AS name_sql, NULL::bool AS active
            FROM pg_catalog.pg_stat_activity a
            WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
              AND a.xact_start IS NOT NULL
              AND (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)
            UNION ALL
            SELECT 'prepared', NULL, x.owner, x.database, NULL,
                   extract(epoch FROM now() - x.prepared)::float8, age(x.transaction),
                   x.gid, quote_literal(x.gid), NULL
            FROM pg_catalog.pg_prepared_xacts x
            UNION ALL
            SELECT 'slot', NULL, NULL, l.database, NULL, NULL,
                   greatest(age(l.xmin), age(l.catalog_xmin)),
                   l.slot_name, quote_literal(l.slot_name), l.active
            FROM pg_catalog.pg_replication_slots l
            WHERE l.xmin IS NOT NULL OR l.catalog_xmin IS NOT NULL
        ) h
    ),
    'autovacuum_workers_running', (
        SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'autovacuum worker'
    )
)::text
