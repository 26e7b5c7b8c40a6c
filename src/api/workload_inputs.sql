-- The inputs of vitals.workload_advice, as one JSON document read by
-- crates/vitals-core/src/advice/workload/mod.rs (field names are its struct fields). Runs as the caller: other users' statements are left
-- out unless it has pg_read_all_stats (vitals.statements hides their texts), and pg_stats
-- shows only the columns it may read. The STATEMENTS placeholder is the statements query
-- below when pg_vitals is preloaded, else an empty list.
SELECT json_build_object(
    'block_size', current_setting('block_size')::float8,
    'work_mem_kb', (SELECT setting::float8 FROM pg_catalog.pg_settings WHERE name = 'work_mem'),
    'statements_age_s', @STATEMENTS_AGE@,
    'database_age_s', (
        SELECT date_part('epoch', now() - coalesce(stats_reset, pg_postmaster_start_time()))
        FROM pg_catalog.pg_stat_database WHERE datname = current_database()),
    'database', (
        SELECT json_build_object('name', datname, 'blks_hit', blks_hit, 'blks_read', blks_read,
                                 'temp_files', temp_files, 'temp_bytes', temp_bytes)
        FROM pg_catalog.pg_stat_database WHERE datname = current_database()),
    'statements', @STATEMENTS@,
    'tables', (
        SELECT coalesce(json_agg(json_build_object(
            'schema', schemaname, 'name', relname,
            'sql_name', quote_ident(schemaname) || '.' || quote_ident(relname),
            'seq_scan', seq_scan, 'seq_tup_read', seq_tup_read, 'idx_scan', idx_scan,
            'n_live_tup', n_live_tup)), '[]'::json)
        FROM pg_catalog.pg_stat_user_tables),
    'indexes', (
        SELECT coalesce(json_agg(json_build_object(
            'schema', s.schemaname, 'table', s.relname, 'name', s.indexrelname,
            'sql_name', quote_ident(s.schemaname) || '.' || quote_ident(s.indexrelname),
            'idx_scan', s.idx_scan,
            -- pg_class's size: pg_relation_size() would open every index.
            'bytes', ic.relpages::float8 * current_setting('block_size')::float8,
            'enforces', i.indisunique OR i.indisprimary OR i.indisexclusion
                        OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid))), '[]'::json)
        FROM pg_catalog.pg_stat_user_indexes s
        JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = s.indexrelid),
    'containers', (
        SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname, 'table', c.relname,
            'table_sql', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
            'column', a.attname, 'column_sql', quote_ident(a.attname),
            'kind', CASE WHEN t.typname = 'jsonb' THEN 'jsonb'
                         WHEN t.typname = 'tsvector' THEN 'tsvector' ELSE 'array' END,
            'indexed', EXISTS (
                SELECT 1 FROM pg_catalog.pg_index i
                JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_catalog.pg_am am ON am.oid = ic.relam
                WHERE i.indrelid = c.oid AND a.attnum = ANY (i.indkey)
                  AND am.amname IN ('gin', 'gist')))), '[]'::json)
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped
          AND (t.typname IN ('jsonb', 'tsvector') OR t.typcategory = 'A')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')),
    -- Single-column B-tree indexes of tables of a million rows or more, with their column's
    -- correlation; pg_stats through a leakproof name filter it applies before its privilege
    -- check (see autovacuum.rs).
    'correlated', (
        SELECT coalesce(json_agg(json_build_object(
            'schema', n.nspname, 'table', c.relname,
            'table_sql', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
            'column', a.attname, 'column_sql', quote_ident(a.attname),
            'correlation', ps.correlation, 'reltuples', c.reltuples,
            'n_tup_ins', st.n_tup_ins, 'n_tup_upd', st.n_tup_upd, 'n_tup_del', st.n_tup_del,
            'btree_index', ic.relname,
            'btree_bytes', ic.relpages::float8 * current_setting('block_size')::float8)), '[]'::json)
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
        JOIN pg_catalog.pg_stat_user_tables st ON st.relid = c.oid
        JOIN pg_catalog.pg_stats ps ON ps.schemaname = n.nspname AND ps.tablename = c.relname
                                   AND ps.attname = a.attname AND NOT ps.inherited
        WHERE i.indnatts = 1 AND i.indkey[0] > 0 AND NOT i.indisunique
          AND c.reltuples >= 1000000 AND ps.correlation IS NOT NULL
          AND ps.tablename = ANY (ARRAY(
              SELECT relname FROM pg_catalog.pg_class
              WHERE relkind IN ('r', 'm') AND reltuples >= 1000000)))
)::text
