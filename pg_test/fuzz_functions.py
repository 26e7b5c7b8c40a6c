#!/usr/bin/env python3
"""Property test of every SQL function pg_vitals defines: called with edge-case arguments
(NULL, zero, negative, huge, wrong units, text that is not UTF-8), each call gives a correct
answer or a clear ERROR with a proper SQLSTATE; never an internal error (a Rust panic
surfaces as XX000), never a hang (a 20 s statement_timeout), never a crash.

The functions are read from pg_proc, so a function added later is covered without a change
here. Each is called with every edge value of each argument (the others typical), then with
random combinations (seeded: a failure reproduces). The calls run as a superuser and as an
ordinary role, in the test database (UTF-8) and in a SQL_ASCII database, where text
arguments can hold bytes that are not UTF-8.

Usage: fuzz_functions.py  (psql in $PSQL, connection in the PG* environment)
"""
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import pgtools  # noqa: E402

PSQL = os.environ.get("PSQL", "psql")
SEED = 20261203
RANDOM_CALLS = 200
TIMEOUT = "20s"

# SQLSTATEs a clear refusal may have: a data exception (class 22), object not in prerequisite
# state (55, not preloaded), feature not supported (0A), or permission denied (42501). Other
# codes of class 42 (an undefined function, say) would mean the call itself was malformed.
ALLOWED_CLASSES = {"22", "55", "0A"}
ALLOWED_CODES = {"42501"}
NON_UTF8 = "NON_UTF8"  # stands for text with bytes 0xff 0xfe (SQL_ASCII database only)

EDGES = {
    "oid": ["NULL", "0", "1", "10", "4294967295", "-1"],
    "bigint": ["NULL", "0", "1", "-1", "9223372036854775807", "-9223372036854775808"],
    "integer": ["NULL", "0", "1", "-1", "64", "2147483647", "-2147483648"],
    "boolean": ["NULL", "true", "false"],
    "text": [
        "NULL", "''", "' '", "'oltp'", "'web'", "'dw'", "'desktop'", "'mixed'", "'ssd'",
        "'hdd'", "'san'", "'OLTP'", "'16GB'", "'16 gb'", "'512MB'", "'0'", "'-1GB'",
        "'12 parsecs'", "'1e400GB'", "'9999999999999TB'", "'NaN'", "'Infinity kB'",
        "'1.5GB'", "repeat('x', 100000)", "'ünïcødé'", "E'\\t16GB\\n'", NON_UTF8,
    ],
}
TYPICAL = {"oid": "0", "bigint": "0", "integer": "NULL", "boolean": "true", "text": "NULL"}


def psql(db, sql, user=None, binary_input=None):
    if binary_input is None:
        return pgtools.psql(sql, db=db, user=user)
    cmd = [PSQL, "-X", "-At", "-d", db]
    if user:
        cmd += ["-U", user]
    cmd += ["-v", "ON_ERROR_STOP=0", "-f", "-"]
    # One stream, so that each error follows the marker of the call that raised it.
    out = subprocess.run(cmd, input=binary_input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return out.stdout.decode("utf-8", "replace")


def functions(db):
    rows = psql(db, """
        SELECT p.proname, p.proretset,
               coalesce((SELECT string_agg(format_type(t, NULL), ',' ORDER BY i)
                         FROM unnest(p.proargtypes) WITH ORDINALITY a(t, i)), '')
        FROM pg_proc p WHERE p.pronamespace = 'vitals'::regnamespace ORDER BY 1""")
    out = []
    for line in rows.splitlines():
        name, retset, args = line.split("|")
        out.append((name, retset == "t", [a for a in args.split(",") if a]))
    return out


def literal(value, typ, sql_ascii):
    if value == NON_UTF8:
        return b"E'\\xff\\xfe16GB'" if sql_ascii else None
    if value == "NULL":
        return f"NULL::{typ}".encode()
    if typ != "text":
        # Quoted, so that the type's input function reads the whole value (-1 included).
        value = f"'{value}'"
    return f"({value})::{typ}".encode()


def calls(funcs, sql_ascii, rng):
    for name, retset, args in funcs:
        combos = [[TYPICAL[a] for a in args]]
        for i, a in enumerate(args):
            for v in EDGES[a]:
                combo = [TYPICAL[t] for t in args]
                combo[i] = v
                combos.append(combo)
        if args:
            combos += [[rng.choice(EDGES[a]) for a in args] for _ in range(RANDOM_CALLS)]
        for combo in combos:
            lits = [literal(v, a, sql_ascii) for v, a in zip(combo, args)]
            if None in lits:
                continue
            call = b"vitals." + name.encode() + b"(" + b", ".join(lits) + b")"
            if retset:
                yield b"SELECT count(*) >= 0 FROM " + call
            else:
                yield b"SELECT " + call + b" IS NULL"


def run(db, user, funcs, sql_ascii, rng):
    """Runs every call in one session; returns (number of calls, failures, SQLSTATE counts)."""
    script = [b"\\set VERBOSITY verbose", f"SET statement_timeout = '{TIMEOUT}';".encode()]
    stmts = list(calls(funcs, sql_ascii, rng))
    for i, s in enumerate(stmts):
        script.append(f"\\echo @@CALL {i}".encode())
        script.append(s + b";")
    out = psql(db, None, user=user, binary_input=b"\n".join(script) + b"\n")
    failures, states, current = [], {}, None
    for line in out.splitlines():
        m = re.match(r"@@CALL (\d+)", line)
        if m:
            current = int(m.group(1))
            continue
        m = re.search(r"ERROR:  ([0-9A-Z]{5}): (.*)", line)
        if m and current is not None:
            state, msg = m.groups()
            states[state] = states.get(state, 0) + 1
            if state[:2] not in ALLOWED_CLASSES and state not in ALLOWED_CODES:
                failures.append((stmts[current], state, msg))
        if "server closed the connection" in line or "connection to server was lost" in line:
            failures.append((stmts[current] if current is not None else b"?", "crash", line))
            break
    reached = current is not None and current == len(stmts) - 1
    if not reached and not failures:
        failures.append((b"?", "incomplete", f"stopped after call {current} of {len(stmts)}"))
    return len(stmts), failures, states


def main():
    db = os.environ.get("PGDATABASE", "postgres")
    psql(db, "DROP DATABASE IF EXISTS vitals_fuzz_ascii")
    psql(db, "CREATE DATABASE vitals_fuzz_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' "
             "LC_CTYPE 'C' TEMPLATE template0")
    psql("vitals_fuzz_ascii", "CREATE EXTENSION pg_vitals")
    psql(db, "DROP ROLE IF EXISTS regress_vitals_fuzz; CREATE ROLE regress_vitals_fuzz LOGIN")
    funcs = functions(db)
    rng = random.Random(SEED)
    total, bad = 0, []
    try:
        for database, sql_ascii in ((db, False), ("vitals_fuzz_ascii", True)):
            for user in (None, "regress_vitals_fuzz"):
                n, failures, states = run(database, user, funcs, sql_ascii, rng)
                total += n
                bad += failures
                summary = ", ".join(f"{k} x{v}" for k, v in sorted(states.items()))
                print(f"  {database} as {user or 'superuser'}: {n} calls of {len(funcs)} "
                      f"functions; errors: {summary or 'none'}")
        alive = psql(db, "SELECT 'alive'").strip() == "alive"
    finally:
        psql(db, "DROP DATABASE IF EXISTS vitals_fuzz_ascii")
        psql(db, "DROP ROLE IF EXISTS regress_vitals_fuzz")
    for stmt, state, msg in bad[:20]:
        print(f"  FAIL {state}: {stmt.decode('utf-8', 'replace')[:200]}: {msg}")
    print(f"  {total} calls, {len(bad)} failures, server alive: {alive}")
    return 0 if not bad and alive else 1


if __name__ == "__main__":
    sys.exit(main())
