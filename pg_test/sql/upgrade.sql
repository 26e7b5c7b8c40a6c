-- ALTER EXTENSION pg_vitals UPDATE from 0.1.0, through 0.2.0, 0.3.0 and 0.4.0 to 0.5.0, gives exactly what a fresh
-- install gives.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_vitals;
CREATE EXTENSION pg_vitals VERSION '0.1.0';
SELECT count(*) AS columns_in_0_1_0 FROM pg_attribute WHERE attrelid = 'vitals.statements'::regclass AND attnum > 0;
-- This library with the 0.1.0 SQL objects: a clear error, never wrong data.
SELECT 1 AS make_sure_there_is_an_entry;
SELECT count(*) FROM vitals.statements;
ALTER EXTENSION pg_vitals UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'pg_vitals';
SELECT count(*) FROM vitals.info;
ALTER EXTENSION pg_vitals UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_vitals';

-- Everything an install of pg_vitals consists of: members, columns, privileges, signatures.
CREATE FUNCTION pg_temp.vitals_objects() RETURNS SETOF text LANGUAGE sql AS $$
SELECT 'member ' || pg_describe_object(classid, objid, objsubid) AS item
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_vitals')
UNION ALL
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'vitals'::regnamespace AND a.attnum > 0
UNION ALL
SELECT 'acl ' || c.relname || ' ' || coalesce(c.relacl::text, '')
FROM pg_class c WHERE c.relnamespace = 'vitals'::regnamespace
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' ' || coalesce(p.proacl::text, '') || ' ' || pg_get_function_arguments(p.oid)
FROM pg_proc p WHERE p.pronamespace = 'vitals'::regnamespace
$$;
CREATE TEMP TABLE upgraded AS SELECT pg_temp.vitals_objects() AS item;

DROP EXTENSION pg_vitals;
CREATE EXTENSION pg_vitals;
CREATE TEMP TABLE fresh AS SELECT pg_temp.vitals_objects() AS item;

-- Differences between the upgraded and the fresh install (expected: none).
(SELECT 'only after upgrade: ' || item FROM upgraded EXCEPT SELECT 'only after upgrade: ' || item FROM fresh)
UNION ALL
(SELECT 'only in fresh install: ' || item FROM fresh EXCEPT SELECT 'only in fresh install: ' || item FROM upgraded)
ORDER BY 1;
SELECT count(*) > 50 AS compared_items FROM fresh;
