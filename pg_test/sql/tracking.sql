-- What is tracked and at which level: pg_vitals.track, track_utility and track_planning,
-- and the nesting level restored after errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
CREATE TABLE tr_t (id int PRIMARY KEY, v text);
INSERT INTO tr_t VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four');

-- pg_vitals.track: top keeps nested statements out, none records nothing.
CREATE FUNCTION tr_f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM tr_t';
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track = 'top';
SELECT tr_f();
SET pg_vitals.track = 'all';
SELECT tr_f();
SET pg_vitals.track = 'none';
SELECT tr_f();
SET pg_vitals.track = 'all';
SELECT query, calls, toplevel FROM vitals.statements
WHERE query LIKE '%tr_f%' OR query LIKE '%count(*) FROM tr_t%' ORDER BY query COLLATE "C", toplevel;

-- pg_vitals.track_utility off: utility commands are not recorded.
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track_utility = off;
CREATE TABLE tr_untracked (a int);
SET pg_vitals.track_utility = on;
CREATE TABLE tr_tracked (a int);
SELECT query, calls FROM vitals.statements WHERE query LIKE 'CREATE TABLE tr_%' ORDER BY query;

-- pg_vitals.track_planning: plans and plan times appear.
SELECT vitals.reset() IS NOT NULL AS reset;
SET pg_vitals.track_planning = on;
SELECT count(*) FROM tr_t WHERE id > 1;
SELECT count(*) FROM tr_t WHERE id > 2;
SET pg_vitals.track_planning = off;
SELECT plans, calls, total_plan_time > 0 AS planned, min_plan_time <= max_plan_time AS plan_min_max
FROM vitals.statements WHERE query = 'SELECT count(*) FROM tr_t WHERE id > $1';

-- Nesting is restored after errors: the next statements are top level again.
SELECT vitals.reset() IS NOT NULL AS reset;
DO $$ BEGIN PERFORM 1 / 0; END $$;
DO $$ BEGIN BEGIN PERFORM 1 / 0; EXCEPTION WHEN OTHERS THEN NULL; END; END $$;
SELECT 'after errors' AS marker;
SELECT query, toplevel FROM vitals.statements WHERE query LIKE '%after errors%' OR query LIKE 'SELECT $1 AS marker';

DROP FUNCTION tr_f();
DROP TABLE tr_t, tr_untracked, tr_tracked;
