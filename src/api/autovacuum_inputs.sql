-- The inputs of vitals.autovacuum_status and vitals.autovacuum_advice, as one JSON document
-- that src/advice/autovacuum.rs reads (field names are its struct fields). It runs as the
-- caller, so what the caller may not see is absent rather than an error: other sessions'
-- xmin without pg_read_all_stats, column statistics of tables it may not read (no bloat
-- estimate then). Timestamps are TimestampTz values (microseconds since 2000-01-01).
-- @RELALLFROZEN@ is pg_class.relallfrozen on PostgreSQL 18, NULL before.
WITH rel AS (
    SELECT c.oid, c.relkind, n.nspname, c.relname, c.reltuples, c.relpages, c.relallvisible,
           @RELALLFROZEN@ AS relallfrozen, c.reloptions, c.relfrozenxid, c.relminmxid,
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
cols AS (
    SELECT attrelid, count(*) AS ncols
    FROM pg_catalog.pg_attribute
    WHERE attnum > 0 AND NOT attisdropped
    GROUP BY attrelid
),
-- pg_stats shows only the columns the caller may read.
colstats AS (
    SELECT schemaname, tablename, count(*) AS stats_cols,
           sum((1 - null_frac) * avg_width) AS data_width, bool_or(null_frac > 0) AS has_nulls
    FROM pg_catalog.pg_stats
    WHERE NOT inherited
    GROUP BY schemaname, tablename
),
progress AS (
    SELECT relid, phase, index_vacuum_count FROM pg_catalog.pg_stat_progress_vacuum
)
SELECT json_build_object(
    'now', ((extract(epoch FROM now()) - 946684800) * 1000000)::int8,
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
    'tables', (
        SELECT coalesce(json_agg(json_build_object(
            'oid', r.oid::int8,
            'kind', r.relkind,
            'schema', r.nspname,
            'name', r.relname,
            'sql_name', quote_ident(r.nspname) || '.' || quote_ident(r.relname),
            'parent_schema', r.parent_nspname,
            'parent_name', r.parent_relname,
            'parent_sql_name', quote_ident(r.parent_nspname) || '.' || quote_ident(r.parent_relname),
            'options', coalesce((SELECT json_object_agg(split_part(o, '=', 1), substr(o, strpos(o, '=') + 1))
                                 FROM unnest(r.reloptions) o), '{}'::json),
            'parent_options', CASE WHEN r.parent_oid IS NOT NULL THEN
                coalesce((SELECT json_object_agg(split_part(o, '=', 1), substr(o, strpos(o, '=') + 1))
                          FROM unnest(r.parent_reloptions) o), '{}'::json) END,
            'reltuples', r.reltuples,
            'relpages', r.relpages,
            'relallvisible', r.relallvisible,
            'relallfrozen', r.relallfrozen,
            -- pg_class's size as of the last vacuum or analyze: pg_relation_size() would
            -- lock every table, more locks than one transaction may hold with 10,000 tables.
            'table_bytes', r.relpages::float8 * current_setting('block_size')::float8,
            'n_live_tup', s.n_live_tup,
            'n_dead_tup', s.n_dead_tup,
            'n_mod_since_analyze', s.n_mod_since_analyze,
            'n_ins_since_vacuum', s.n_ins_since_vacuum,
            'n_tup_ins', s.n_tup_ins,
            'n_tup_upd', s.n_tup_upd,
            'n_tup_del', s.n_tup_del,
            'last_vacuum', ((extract(epoch FROM s.last_vacuum) - 946684800) * 1000000)::int8,
            'last_autovacuum', ((extract(epoch FROM s.last_autovacuum) - 946684800) * 1000000)::int8,
            'last_analyze', ((extract(epoch FROM s.last_analyze) - 946684800) * 1000000)::int8,
            'last_autoanalyze', ((extract(epoch FROM s.last_autoanalyze) - 946684800) * 1000000)::int8,
            'xid_age', CASE WHEN r.relkind <> 'p' THEN age(r.relfrozenxid) END,
            'mxid_age', CASE WHEN r.relkind <> 'p' THEN mxid_age(r.relminmxid) END,
            'vacuum_phase', pr.phase,
            'index_vacuum_count', pr.index_vacuum_count,
            'ncols', cl.ncols,
            'stats_cols', st.stats_cols,
            'data_width', st.data_width,
            'has_nulls', st.has_nulls
        ) ORDER BY r.nspname, r.relname), '[]'::json)
        FROM rel r
        LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = r.oid
        LEFT JOIN cols cl ON cl.attrelid = r.oid
        LEFT JOIN colstats st ON st.schemaname = r.nspname AND st.tablename = r.relname
        LEFT JOIN progress pr ON pr.relid = r.oid
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
