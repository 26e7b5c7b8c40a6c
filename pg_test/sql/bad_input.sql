-- Bad input gets a clear error with a proper SQLSTATE, never a crash.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;

-- reset with NULLs
SELECT vitals.reset(NULL);
SELECT vitals.reset(0, NULL);
SELECT vitals.reset(0, 0, NULL);
-- ... with SQLSTATE 22004 (null_value_not_allowed)
SET client_min_messages = notice;
DO $$
BEGIN
  PERFORM vitals.reset(NULL);
EXCEPTION WHEN null_value_not_allowed THEN
  RAISE NOTICE 'caught % (%)', SQLSTATE, SQLERRM;
END $$;
SET client_min_messages = warning;

-- pg_vitals.max: out of range, and only settable at server start
ALTER SYSTEM SET pg_vitals.max = -1;
ALTER SYSTEM SET pg_vitals.max = 0;
ALTER SYSTEM SET pg_vitals.max = 2000000000;
ALTER SYSTEM SET pg_vitals.max = 'many';
SET pg_vitals.max = 100;

-- pg_vitals.track: unknown value
SET pg_vitals.track = 'everything';
SET pg_vitals.track_utility = 'maybe';

-- the prefix is reserved: a misspelled setting is an error, not a silent placeholder
SET pg_vitals.trak = 'all';

-- the settings and their units, as SHOW and pg_settings report them
SELECT name, setting, unit, context, vartype, min_val, max_val, enumvals
FROM pg_settings WHERE name LIKE 'pg_vitals.%' ORDER BY name;

-- The function behind vitals.statements is STRICT: NULL gives no rows, not an error.
SELECT count(*) AS rows_for_null FROM vitals._statements(NULL::boolean);
-- reset_plans: NULL in any position is refused like reset's (22004).
SELECT vitals.reset_plans(NULL);
SELECT vitals.reset_plans(0, NULL);
SELECT vitals.reset_plans(0, 0, NULL);
-- 0 matches any, and a filter nothing matches removes nothing.
SELECT vitals.reset_plans(0, 0, 0) >= 0 AS reset_any;
SELECT vitals.reset_plans(4294967295, 4294967295, -1) AS removed;
-- histogram: the query id is required; the filters are optional, alone or together; values
-- nothing has give no rows.
SELECT * FROM vitals.histogram(NULL);
SELECT * FROM vitals.histogram(NULL, NULL, NULL, NULL);
SELECT count(*) FROM vitals.histogram(-1);
SELECT count(*) FROM vitals.histogram(0);
SELECT count(*) FROM vitals.histogram(9223372036854775807, 0, 0, true);
SELECT count(*) FROM vitals.histogram(-9223372036854775808, NULL, 4294967295, false);
SELECT count(*) FROM vitals.histogram(1, userid => 10);
SELECT count(*) FROM vitals.histogram(1, toplevel => false);
SELECT count(*) FROM vitals.histogram(1, dbid => 5, toplevel => true);
