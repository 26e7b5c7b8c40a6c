#!/usr/bin/env python3
"""EXPLAIN output with pg_vitals, checked as a client sees it, in every format.

  check DIR    (pg_vitals preloaded) for each format, query and option set:
               - the output parses (JSON with json, XML with ElementTree);
               - the Vitals group is inside the Query group;
               - without the Vitals group (and PostgreSQL 18's per-node Exclusive Time and
                 Rows Misestimate), the output is exactly the output with
                 pg_vitals.explain = off;
               and saves the "off" outputs in DIR.
  compare DIR  (same server, pg_vitals not loaded) the outputs are byte for byte those
               saved: with pg_vitals.explain = off, EXPLAIN is PostgreSQL's own.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import pgtools  # noqa: E402

DB = "vitals_formats"
SETUP = """
CREATE TABLE IF NOT EXISTS fmt_orders (id int PRIMARY KEY, customer int, note text);
CREATE TABLE IF NOT EXISTS fmt_lines (order_id int, qty int);
TRUNCATE fmt_orders, fmt_lines;
INSERT INTO fmt_orders SELECT g, g % 100, 'n' || g FROM generate_series(1, 20000) g;
INSERT INTO fmt_lines SELECT g % 500 + 1, g FROM generate_series(1, 5000) g;
ANALYZE fmt_orders;
ANALYZE fmt_lines;
"""
QUERIES = [
    "SELECT note FROM fmt_orders WHERE id = 42",
    "SELECT count(*) FROM fmt_orders WHERE customer = 7",
    "SELECT o.customer, sum(l.qty) FROM fmt_orders o JOIN fmt_lines l ON l.order_id = o.id "
    "GROUP BY o.customer ORDER BY 2 DESC LIMIT 5",
    "SELECT id FROM fmt_orders WHERE customer = (SELECT max(customer) FROM fmt_orders) "
    "AND note LIKE 'n1%'",
]
OPTIONS = [
    "COSTS OFF",
    "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF",
    "VERBOSE, ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF",
]
FORMATS = ["TEXT", "JSON", "XML", "YAML"]
PER_NODE = ("Exclusive Time", "Rows Misestimate")
NS = "{http://www.postgresql.org/2009/explain}"


def psql(*commands, db=DB):
    return pgtools.psql(*commands, db=db)


def explain(fmt, options, query, setting):
    pre = [f"SET pg_vitals.explain = {setting}"] if setting else []
    # Query ids on in both runs: pg_vitals turns them on as pg_stat_statements does, and
    # VERBOSE prints them.
    return psql("SET max_parallel_workers_per_gather = 0", "SET jit = off",
                "SET compute_query_id = on", *pre,
                f"EXPLAIN (FORMAT {fmt}, {options}) {query}")


def drop_block(text, header, indent):
    """Lines of `text` without the block that starts at `header` (at `indent` spaces)."""
    out, skipping = [], False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(" "))
        if line.strip() == header and depth == indent:
            skipping = True
            continue
        if skipping and (line == "" or depth <= indent):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def drop_per_node_lines(text):
    return "\n".join(l for l in text.split("\n")
                     if not any(l.strip().startswith(p + ":") for p in PER_NODE))


def strip_json(node):
    if isinstance(node, list):
        return [strip_json(x) for x in node if not (isinstance(x, tuple) and x[0] in PER_NODE)]
    if isinstance(node, tuple):
        return (node[0], strip_json(node[1]))
    return node


def normalize_xml(el):
    """The tree without per-node fields and whitespace-only text, serialized."""
    per_node = {NS + p.replace(" ", "-") for p in PER_NODE}
    for e in list(el.iter()):
        for child in [c for c in e if c.tag in per_node]:
            e.remove(child)
        if e.text is not None and not e.text.strip():
            e.text = None
        if e.tail is not None and not e.tail.strip():
            e.tail = None
    return ET.tostring(el)


def check_one(fmt, on, off):
    if fmt == "JSON":
        doc = json.loads(on, object_pairs_hook=list)
        query = doc[0]
        keys = [k for k, _ in query]
        assert "Vitals" in keys, "no Vitals in the Query object"
        without = [(k, v) for k, v in query if k != "Vitals"]
        assert strip_json(without) == json.loads(off, object_pairs_hook=list)[0], \
            "PostgreSQL's fields changed"
    elif fmt == "XML":
        root = ET.fromstring(on)
        query = root.find(NS + "Query")
        vitals = query.find(NS + "Vitals")
        assert vitals is not None, "no Vitals element in Query"
        query.remove(vitals)
        assert normalize_xml(root) == normalize_xml(ET.fromstring(off)), \
            "PostgreSQL's elements changed"
    elif fmt == "YAML":
        assert "\n  Vitals: \n" in on, "no Vitals in the Query mapping"
        assert drop_per_node_lines(drop_block(on, "Vitals:", 2)) == off, \
            "PostgreSQL's lines changed"
    else:
        assert "\nVitals:\n" in on, "no Vitals group"
        assert drop_per_node_lines(drop_block(on, "Vitals:", 0)) == off, \
            "PostgreSQL's lines changed"


def cases():
    for f in FORMATS:
        for i, o in enumerate(OPTIONS):
            for j, q in enumerate(QUERIES):
                yield f"{f.lower()}_{i}_{j}", f, o, q


def main():
    mode, out_dir = sys.argv[1], sys.argv[2]
    failures = 0
    if mode == "check":
        if psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'", db="postgres").strip() != "1":
            psql(f"CREATE DATABASE {DB}", db="postgres")
        psql(SETUP)
        os.makedirs(out_dir, exist_ok=True)
        n = 0
        for name, f, o, q in cases():
            on, off = explain(f, o, q, "on"), explain(f, o, q, "off")
            with open(os.path.join(out_dir, name), "w") as fh:
                fh.write(off)
            try:
                check_one(f, on, off)
                n += 1
            except (AssertionError, ValueError, ET.ParseError) as e:
                failures += 1
                print(f"FAILED {name}: {e}\n--- on:\n{on}\n--- off:\n{off}")
        print(f"{n} EXPLAIN outputs checked in {len(FORMATS)} formats")
    else:
        n = 0
        for name, f, o, q in cases():
            with open(os.path.join(out_dir, name)) as fh:
                saved = fh.read()
            plain = explain(f, o, q, None)
            if plain != saved:
                failures += 1
                print(f"FAILED {name}: differs from PostgreSQL's own output\n"
                      f"--- without pg_vitals:\n{plain}\n--- pg_vitals.explain = off:\n{saved}")
            else:
                n += 1
        print(f"{n} EXPLAIN outputs byte-identical to PostgreSQL's own")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
