-- Privileges as pg_stat_statements: everyone reads the view, but other users' query
-- texts and ids stay hidden unless the reader has pg_read_all_stats; reset is for
-- superusers unless granted.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
DROP ROLE IF EXISTS regress_vitals_alice;
DROP ROLE IF EXISTS regress_vitals_bob;
CREATE ROLE regress_vitals_alice;
CREATE ROLE regress_vitals_bob;
GRANT CREATE, USAGE ON SCHEMA public TO regress_vitals_alice;
SELECT vitals.reset() IS NOT NULL AS reset;

-- Alice's statement and its captured plan (the superuser turns capture on for the session).
SET pg_vitals.plan_sample_rate = 1;
SET ROLE regress_vitals_alice;
SELECT 'alice secret' AS secret_of_alice;
RESET ROLE;
RESET pg_vitals.plan_sample_rate;

-- Bob sees that alice ran something, but not what.
SET ROLE regress_vitals_bob;
SELECT query, queryid IS NULL AS queryid_hidden, calls
FROM vitals.statements WHERE userid = 'regress_vitals_alice'::regrole;
SELECT count(*) AS bob_sees_literal FROM vitals.statements WHERE query LIKE '%secret%';
-- Nor which plan it used.
SELECT queryid IS NULL AS queryid_hidden, plan FROM vitals.plans
WHERE userid = 'regress_vitals_alice'::regrole;
-- Bob cannot reset.
SELECT vitals.reset();
SELECT vitals.reset_plans();
RESET ROLE;

-- Alice sees her own statement.
SET ROLE regress_vitals_alice;
SELECT query, calls FROM vitals.statements WHERE query LIKE '%secret_of_alice%';
RESET ROLE;

-- With pg_read_all_stats, bob sees every text.
GRANT pg_read_all_stats TO regress_vitals_bob;
SET ROLE regress_vitals_bob;
SELECT query, queryid IS NULL AS queryid_hidden FROM vitals.statements WHERE userid = 'regress_vitals_alice'::regrole;
RESET ROLE;

-- So does pg_monitor, which includes pg_read_all_stats.
REVOKE pg_read_all_stats FROM regress_vitals_bob;
GRANT pg_monitor TO regress_vitals_bob;
SET ROLE regress_vitals_bob;
SELECT count(*) > 0 AS monitor_sees_texts, bool_and(query <> '<insufficient privilege>') AS all_visible
FROM vitals.statements WHERE userid = 'regress_vitals_alice'::regrole;
SELECT queryid IS NOT NULL AS queryid_shown, plan ~ '^Result .*\(actual time=.* rows=1(\.00)? loops=1\)$' AS plan_shown
FROM vitals.plans WHERE userid = 'regress_vitals_alice'::regrole;
RESET ROLE;
REVOKE pg_monitor FROM regress_vitals_bob;

-- Reset can be granted, like pg_stat_statements_reset.
GRANT EXECUTE ON FUNCTION vitals.reset(oid, oid, bigint) TO regress_vitals_bob;
SET ROLE regress_vitals_bob;
SELECT vitals.reset() IS NOT NULL AS bob_reset;
RESET ROLE;

REVOKE ALL ON SCHEMA public FROM regress_vitals_alice;
REVOKE EXECUTE ON FUNCTION vitals.reset(oid, oid, bigint) FROM regress_vitals_bob;
DROP ROLE regress_vitals_alice;
DROP ROLE regress_vitals_bob;
