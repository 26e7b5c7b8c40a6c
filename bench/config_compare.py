#!/usr/bin/env python3
"""The three configurations of bench/config_advice.sh side by side: the server's defaults,
what vitals.config_advice applied, and PGTune's formulas (fixtures/pgtune.py) for the same
inputs. Reads DIR/advice.txt (name|current|recommended|severity|sql|reason),
DIR/pg_vitals.conf (postgresql.auto.conf after the advice's ALTER SYSTEM statements) and
DIR/pgtune.conf.

Usage: config_compare.py DIR            Markdown table and the memory check
       config_compare.py DIR --differ   exit 0 when a setting differs by more than 5% between
                                        pg_vitals and PGTune (they are two configurations)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from pgtools import number  # noqa: E402

def conf(path):
    out = {}
    for line in open(path):
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip("'")
    return out


def same(a, b):
    x, y = number(a), number(b)
    if x is None or y is None:
        return a == b
    return abs(x - y) <= 0.05 * max(abs(x), abs(y))


d = sys.argv[1]
advice = {}
for line in open(f"{d}/advice.txt"):
    name, current, recommended, severity, _sql, _reason = line.rstrip("\n").split("|", 5)
    advice[name] = (current, recommended, severity)
vitals, pgtune = conf(f"{d}/pg_vitals.conf"), conf(f"{d}/pgtune.conf")
names = [n for n in dict.fromkeys([*advice, *pgtune]) if not n.startswith("(")]
current = {n: advice[n][0] for n in names if n in advice}

if "--differ" in sys.argv[2:]:
    # The value each configuration runs with: its own, or the server's current one.
    differ = [n for n in names
              if not same(vitals.get(n, current.get(n, "")), pgtune.get(n, current.get(n, "")))]
    for n in differ:
        print(f"{n}: pg_vitals {vitals.get(n, current.get(n))}, PGTune {pgtune.get(n, current.get(n))}")
    sys.exit(0 if differ else 1)

print("| setting | default | pg_vitals | PGTune |")
print("|---|---|---|---|")
for n in names:
    cur = current.get(n, "?")
    mine = vitals.get(n, f"(fine: {cur})" if n in advice else "-")
    print(f"| {n} | {cur} | {mine} | {pgtune.get(n, '-')} |")
for n, (cur, recommended, severity) in advice.items():
    if n.startswith("("):
        print(f"\n{n}: now {cur}; with the advice {recommended}, {severity}")
