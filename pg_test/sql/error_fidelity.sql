-- Errors that pass through pg_vitals' hooks reach the client exactly as PostgreSQL raised
-- them: CONTEXT lines, DETAIL, and the schema/table/constraint fields drivers expose.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_vitals;
SET pg_vitals.track = 'all';
\set SHOW_CONTEXT always
CREATE TABLE ef_t (id int PRIMARY KEY, n int CHECK (n >= 0));
INSERT INTO ef_t VALUES (1, 1);
CREATE FUNCTION ef_inner(k int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ef_t VALUES (k, -1);
  RETURN k;
END $$;
CREATE FUNCTION ef_outer(k int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN ef_inner(k);
END $$;

-- A constraint violation two PL/pgSQL levels down: every CONTEXT line is kept.
SELECT ef_outer(2);

-- A unique violation at top level, with its DETAIL.
INSERT INTO ef_t VALUES (1, 1);

-- COPY's CONTEXT names the line and column.
COPY ef_t FROM STDIN;
3	x
\.

-- The error fields are intact when caught inside the server.
SET client_min_messages = notice;
DO $$
DECLARE
  c text; t text; s text; ctx text;
BEGIN
  PERFORM ef_outer(4);
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME, t = TABLE_NAME, s = SCHEMA_NAME, ctx = PG_EXCEPTION_CONTEXT;
  RAISE NOTICE 'constraint=% table=% schema=%', c, t, s;
  RAISE NOTICE 'context=%', ctx;
END $$;
SET client_min_messages = warning;

-- After all that, statements are still recorded at the right level.
SELECT 'still top level' AS marker;
SELECT toplevel, calls FROM vitals.statements WHERE query = 'SELECT $1 AS marker';
