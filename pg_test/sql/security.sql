-- Security, from real logins (\c), not SET ROLE.
--  1. The SQL pg_vitals runs cannot be hijacked through search_path: functions and operators
--     a user plants in public, matching better than PostgreSQL's own, never run when a
--     superuser reads the advice.
--  2. A statement is recorded under the user who ran it, with its normalized text, also
--     when it fails inside a SECURITY DEFINER function or a maintenance command that runs
--     as the table's owner.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
DROP ROLE IF EXISTS regress_mallory;
DROP ROLE IF EXISTS regress_alice;
DROP ROLE IF EXISTS regress_bob;
CREATE ROLE regress_mallory LOGIN;
CREATE ROLE regress_alice LOGIN;
CREATE ROLE regress_bob LOGIN;
GRANT CREATE ON SCHEMA public TO regress_mallory, regress_bob;

-- 1. Mallory plants, in public: quote_ident(name), a better match than
-- pg_catalog.quote_ident(text) for a name column; >= for float8 and int, and for real and
-- int, which PostgreSQL only has after a cast; json_agg(json), a better match than
-- json_agg(anyelement). Each notes who ran it.
\c - regress_mallory
CREATE TABLE public.pwned (who name, via text);
GRANT INSERT ON public.pwned TO PUBLIC;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.pwned VALUES (current_user, 'quote_ident(name)');
  RETURN pg_catalog.quote_ident($1::text);
END $$;
CREATE FUNCTION public.ge(float8, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.pwned VALUES (current_user, '>=(float8, int)');
  RETURN $1 >= $2::float8;
END $$;
CREATE OPERATOR public.>= (LEFTARG = float8, RIGHTARG = int, FUNCTION = public.ge);
CREATE FUNCTION public.ge(real, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.pwned VALUES (current_user, '>=(real, int)');
  RETURN $1 >= $2::real;
END $$;
CREATE OPERATOR public.>= (LEFTARG = real, RIGHTARG = int, FUNCTION = public.ge);
CREATE FUNCTION public.collect(state json, item json) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.pwned VALUES (current_user, 'json_agg(json)');
  RETURN coalesce(state, '[]'::json);
END $$;
CREATE AGGREGATE public.json_agg(json) (SFUNC = public.collect, STYPE = json);
-- They do hijack an ordinary query that calls them unqualified (the control):
SELECT quote_ident(relname) FROM pg_class WHERE relname = 'pwned';
SELECT DISTINCT who, via FROM public.pwned ORDER BY 1, 2;
DELETE FROM public.pwned;

-- The superuser reads every advice view and calls every function that runs SQL.
\c - postgres
SELECT count(*) >= 0 AS read FROM vitals.workload_advice;
SELECT count(*) >= 0 AS read FROM vitals.autovacuum_status;
SELECT count(*) >= 0 AS read FROM vitals.autovacuum_advice;
SELECT count(*) >= 0 AS read FROM vitals.config_advice();
SELECT count(*) >= 0 AS read FROM vitals.statements;
SELECT count(*) >= 0 AS read FROM vitals.plans;
-- Nothing of mallory's ran.
SELECT DISTINCT who, via FROM public.pwned ORDER BY 1, 2;
-- And the caller's search_path is as it was.
SHOW search_path;
-- The statements the advice offers name tables with PostgreSQL's quoting.
CREATE TABLE public."Mixed Case" (a int) WITH (autovacuum_enabled = off);
SELECT sql FROM vitals.autovacuum_advice WHERE relation_name = 'Mixed Case';
DROP TABLE public."Mixed Case";

-- 2. Bob's SECURITY DEFINER function fails when alice calls it with her password.
CREATE FUNCTION public.login(username text, password text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  RAISE EXCEPTION 'login failed for %', username;
END $$;
ALTER FUNCTION public.login(text, text) OWNER TO regress_bob;
-- Maintenance commands run as the table's owner: alice, a member of bob, refreshes,
-- analyzes, vacuums and indexes bob's objects, whose index expression fails.
GRANT regress_bob TO regress_alice;
CREATE FUNCTION public.fragile(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  IF i = 13 AND current_setting('regress.fail', true) = 'on' THEN
    RAISE EXCEPTION 'unlucky %', i;
  END IF;
  RETURN i;
END $$;
CREATE TABLE public.bob_t (i int);
INSERT INTO public.bob_t SELECT generate_series(1, 20);
CREATE INDEX bob_t_fragile ON public.bob_t (fragile(i));
CREATE MATERIALIZED VIEW public.bob_mv AS SELECT fragile(i) FROM public.bob_t;
ALTER TABLE public.bob_t OWNER TO regress_bob;
ALTER MATERIALIZED VIEW public.bob_mv OWNER TO regress_bob;
SELECT vitals.reset() IS NOT NULL AS reset;

\c - regress_alice
-- (Terse errors: the CONTEXT lines differ between PostgreSQL versions.)
\set VERBOSITY terse
SELECT public.login('alice', 'hunter2');
SET regress.fail = on;
REFRESH MATERIALIZED VIEW public.bob_mv;
ANALYZE public.bob_t;
VACUUM FULL public.bob_t;
CREATE INDEX bob_t_fragile_twice ON public.bob_t (fragile(i), i);

\c - postgres
-- Every failure is alice's, under its normalized text.
SELECT r.rolname, s.query, s.calls, s.errors, s.last_sqlstate
FROM vitals.statements s JOIN pg_roles r ON r.oid = s.userid
WHERE s.query ~ 'login|bob_' ORDER BY s.query;
-- The password is nowhere.
SELECT count(*) AS password_recorded FROM vitals.statements WHERE query LIKE '%hunter2%';
SELECT count(*) AS bob_entries FROM vitals.statements WHERE userid = 'regress_bob'::regrole;

DROP MATERIALIZED VIEW public.bob_mv;
DROP TABLE public.bob_t;
DROP FUNCTION public.fragile(int);
DROP FUNCTION public.login(text, text);
DROP AGGREGATE public.json_agg(json);
DROP FUNCTION public.collect(json, json);
DROP OPERATOR public.>= (real, int);
DROP OPERATOR public.>= (float8, int);
DROP FUNCTION public.ge(real, int);
DROP FUNCTION public.ge(float8, int);
DROP FUNCTION public.quote_ident(name);
DROP TABLE public.pwned;
REVOKE CREATE ON SCHEMA public FROM regress_mallory, regress_bob;
DROP ROLE regress_mallory;
DROP ROLE regress_alice;
DROP ROLE regress_bob;
