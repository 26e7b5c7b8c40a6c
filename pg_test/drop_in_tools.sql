-- What tools that read pg_stat_statements by name run, against a server where only pg_vitals
-- is loaded and vitals comes before public in search_path (scripts/test.sh drop_in_alone).
-- Each statement must run; the last ones check that they read pg_vitals' numbers.
\set ON_ERROR_STOP 1
SELECT 1 AS drop_in_marker;
SELECT 1 AS drop_in_marker;
-- postgres_exporter's queries file (the pg_stat_statements query users add to it).
SELECT t2.rolname, t3.datname, queryid, calls, total_exec_time / 1000 AS total_time_seconds,
       min_exec_time / 1000 AS min_time_seconds, max_exec_time / 1000 AS max_time_seconds,
       mean_exec_time / 1000 AS mean_time_seconds, stddev_exec_time / 1000 AS stddev_time_seconds,
       rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
       local_blks_hit, local_blks_read, local_blks_dirtied, local_blks_written, temp_blks_read,
       temp_blks_written
FROM pg_stat_statements t1
JOIN pg_roles t2 ON (t1.userid = t2.oid)
JOIN pg_database t3 ON (t1.dbid = t3.oid)
WHERE t2.rolname != 'rdsadmin' AND queryid IS NOT NULL \g /dev/null
-- PgHero's query stats.
WITH query_stats AS (
  SELECT LEFT(query, 10000) AS query, queryid AS query_hash, rolname AS user,
         (total_plan_time + total_exec_time) AS total_minutes, (total_plan_time + total_exec_time) / calls AS average_time,
         calls
  FROM pg_stat_statements
  INNER JOIN pg_database ON pg_database.oid = pg_stat_statements.dbid
  INNER JOIN pg_roles ON pg_roles.oid = pg_stat_statements.userid
  WHERE calls > 0 AND pg_database.datname = current_database()
)
SELECT query, query_hash, query_stats.user, total_minutes, average_time, calls,
       total_minutes * 100.0 / (SELECT SUM(total_minutes) FROM query_stats) AS total_percent
FROM query_stats ORDER BY total_minutes DESC LIMIT 100 \g /dev/null
-- pgwatch's stat_statements metric.
SELECT (extract(epoch FROM now()) * 1e9)::int8 AS epoch_ns, queryid::text AS tag_queryid,
       max(ltrim(regexp_replace(query, E'[ \\t\\n\\r]+', ' ', 'g'))) AS tag_query,
       sum(s.calls)::int8 AS calls, round(sum(s.total_exec_time)::numeric, 3)::double precision AS total_time,
       sum(shared_blks_hit)::int8 AS shared_blks_hit, sum(shared_blks_read)::int8 AS shared_blks_read,
       sum(temp_blks_written)::int8 AS temp_blks_written
FROM pg_stat_statements s
WHERE calls > 5 AND total_exec_time > 0 AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
GROUP BY queryid \g /dev/null
-- pganalyze's collector and pg_profile call the function, without texts.
SELECT userid, dbid, queryid, calls, total_exec_time FROM pg_stat_statements(false) \g /dev/null
SELECT dealloc, stats_reset FROM pg_stat_statements_info \g /dev/null
-- What they read is pg_vitals'.
SELECT (SELECT calls FROM pg_stat_statements WHERE query = 'SELECT $1 AS drop_in_marker') AS marker_calls,
       (SELECT count(*) FROM pg_stat_statements) = (SELECT count(*) FROM vitals.statements WHERE calls > 0 OR plans > 0) AS same_entries,
       pg_stat_statements_reset() IS NULL AS reset_returns_void_or_time;
SELECT count(*) AS after_reset FROM pg_stat_statements WHERE query = 'SELECT $1 AS drop_in_marker';
