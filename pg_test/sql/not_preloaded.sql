-- Without shared_preload_libraries: CREATE EXTENSION works, and reading the views says
-- clearly what to do. Never a crash.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_vitals;
CREATE EXTENSION pg_vitals;
SELECT * FROM vitals.statements;
SELECT * FROM vitals.info;
SELECT * FROM vitals.plans;
SELECT vitals.reset();
SELECT vitals.reset_plans();
SHOW pg_vitals.track;
-- The autovacuum views need no preloading.
SELECT count(*) >= 0 AS autovacuum_status_works FROM vitals.autovacuum_status;
SELECT count(*) >= 0 AS autovacuum_advice_works FROM vitals.autovacuum_advice;
-- Workload advice without statement statistics: only the table and index rules.
SELECT count(*) FILTER (WHERE queryid IS NOT NULL) AS statement_findings FROM vitals.workload_advice;
SELECT 1 AS still_working;
