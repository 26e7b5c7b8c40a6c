-- Privileges as pg_stat_statements, from real logins (\c), not SET ROLE: everyone reads the
-- views, but other users' query texts, query ids, plans, histograms, EXPLAIN history and
-- advice evidence stay hidden unless the reader has pg_read_all_stats (or pg_monitor, which
-- includes it); reset is for superusers unless granted.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
DROP ROLE IF EXISTS regress_vitals_alice;
DROP ROLE IF EXISTS regress_vitals_bob;
DROP ROLE IF EXISTS regress_vitals_monitor;
CREATE ROLE regress_vitals_alice LOGIN;
CREATE ROLE regress_vitals_bob LOGIN;
CREATE ROLE regress_vitals_monitor LOGIN IN ROLE pg_read_all_stats;
-- Alice's sessions capture every plan and sort in 64kB, so that her sort spills.
ALTER ROLE regress_vitals_alice SET pg_vitals.plan_sample_rate = 1;
ALTER ROLE regress_vitals_alice SET work_mem = '64kB';
CREATE TABLE priv_sorted (id int, pad text);
INSERT INTO priv_sorted SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
GRANT SELECT ON priv_sorted TO regress_vitals_alice;
-- The History of EXPLAIN's Vitals group: the calls it counts, or "No history".
CREATE FUNCTION explain_history(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || query INTO h;
  h := h -> 0 -> 'Vitals' -> 'History';
  RETURN coalesce((h ->> 'Calls') || ' calls', h #>> '{}');
END $$;
SELECT vitals.reset() IS NOT NULL AS reset;

\c - regress_vitals_alice
SELECT 'alice secret' AS secret_of_alice;
SELECT count(*) FROM (SELECT * FROM priv_sorted ORDER BY pad OFFSET 1) s;
SELECT count(*) FROM (SELECT * FROM priv_sorted ORDER BY pad OFFSET 1) s;
-- Alice sees her own statements, plans and advice.
SELECT query, calls FROM vitals.statements WHERE query LIKE '%secret_of_alice%';
SELECT plan ~ '^Result .*\(actual time=.* rows=1(\.00)? loops=1\)$' AS own_plan_shown
FROM vitals.plans p JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
WHERE s.query LIKE '%secret_of_alice%';
SELECT count(*) AS own_spill_findings FROM vitals.workload_advice
WHERE rule = 'temp_spill' AND query LIKE '%priv_sorted%';

-- The query ids, for the readers below.
\c - postgres
SELECT queryid AS secret_qid FROM vitals.statements
WHERE query LIKE '%secret_of_alice%' \gset
SELECT queryid AS sort_qid FROM vitals.statements
WHERE query LIKE '%priv_sorted ORDER BY pad%' AND userid = 'regress_vitals_alice'::regrole \gset

-- Bob sees that alice ran something, but not what.
\c - regress_vitals_bob
SELECT query, queryid IS NULL AS queryid_hidden, calls
FROM vitals.statements WHERE userid = 'regress_vitals_alice'::regrole ORDER BY calls;
SELECT count(*) AS bob_sees_literal FROM vitals.statements WHERE query LIKE '%secret%';
-- Nor which plan it used.
SELECT queryid IS NULL AS queryid_hidden, plan FROM vitals.plans
WHERE userid = 'regress_vitals_alice'::regrole ORDER BY 1, 2;
-- Nor how long it took, even given its query id.
SELECT count(*) AS histogram_buckets FROM vitals.histogram(:secret_qid);
SELECT count(*) AS histogram_buckets FROM vitals.histogram(:sort_qid, 'regress_vitals_alice'::regrole);
-- Nor its history in EXPLAIN.
SELECT explain_history($$SELECT 'bob guesses' AS secret_of_alice$$);
-- Nor the advice that names it.
SELECT count(*) AS findings_naming_alices_statement FROM vitals.workload_advice
WHERE queryid = :sort_qid OR query LIKE '%priv_sorted%';
-- Bob cannot reset.
SELECT vitals.reset();
SELECT vitals.reset_plans();
SELECT vitals.reset(0, 0, :secret_qid);

-- A member of pg_read_all_stats sees every text, plan, histogram and history, and the advice.
\c - regress_vitals_monitor
SELECT query, queryid = :secret_qid AS queryid_shown FROM vitals.statements
WHERE userid = 'regress_vitals_alice'::regrole AND query LIKE '%secret%';
SELECT queryid IS NOT NULL AS queryid_shown, plan ~ '^Result .*\(actual time=.* rows=1(\.00)? loops=1\)$' AS plan_shown
FROM vitals.plans WHERE queryid = :secret_qid;
SELECT sum(calls) AS histogram_calls FROM vitals.histogram(:secret_qid, 'regress_vitals_alice'::regrole);
SELECT explain_history($$SELECT 'monitor looks' AS secret_of_alice$$);
SELECT count(*) AS findings_naming_alices_statement FROM vitals.workload_advice
WHERE rule = 'temp_spill' AND queryid = :sort_qid;
-- But may not reset either.
SELECT vitals.reset();

-- Reset can be granted, like pg_stat_statements_reset.
\c - postgres
GRANT EXECUTE ON FUNCTION vitals.reset(oid, oid, bigint, boolean) TO regress_vitals_bob;
\c - regress_vitals_bob
SELECT vitals.reset(0, 0, :secret_qid) IS NOT NULL AS bob_reset;
\c - postgres
SELECT count(*) AS left_after_bobs_reset FROM vitals.statements WHERE queryid = :secret_qid;

REVOKE EXECUTE ON FUNCTION vitals.reset(oid, oid, bigint, boolean) FROM regress_vitals_bob;
DROP TABLE priv_sorted;
DROP FUNCTION explain_history(text);
DROP ROLE regress_vitals_alice;
DROP ROLE regress_vitals_bob;
DROP ROLE regress_vitals_monitor;
