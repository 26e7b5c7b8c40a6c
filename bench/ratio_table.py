#!/usr/bin/env python3
"""Markdown table of alternating benchmark rounds: median value per configuration and its
median, min and max ratio against one or more baseline configurations, computed round by
round (a round's configurations ran back to back, so their ratio cancels the machine's
drift between rounds).

Input lines: ROUND|CONFIGURATION|WORKLOAD|VALUE.
Usage: ratio_table.py RESULTS --column NAME [--prefix P] [--vs LABEL ...] [--unit TPS]
"""
import argparse
import statistics

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("--column", default="workload", help="name of the first column")
ap.add_argument("--prefix", default="", help="prefix for each workload name")
ap.add_argument("--vs", action="append", help="baseline configuration (repeatable)")
ap.add_argument("--unit", default="TPS")
args = ap.parse_args()
baselines = args.vs or ["none"]

values = {}
for line in open(args.results):
    if not line.strip():
        continue
    rnd, label, workload, value = line.rstrip("\n").split("|")
    values.setdefault((workload, label), {})[int(rnd)] = float(value)
workloads = list(dict.fromkeys(w for w, _ in values))
labels = list(dict.fromkeys(l for _, l in values))

head = f"| {args.column} | configuration | median {args.unit} |"
rule = "|---|---|---:|"
for b in baselines:
    head += f" median ratio vs {b} | min | max |"
    rule += "---:|---:|---:|"
print(head)
print(rule)
for w in workloads:
    for label in labels:
        cur = values.get((w, label))
        if not cur:
            continue
        row = f"| {args.prefix}{w} | {label} | {statistics.median(cur.values()):,.0f} |"
        for b in baselines:
            base = values.get((w, b), {})
            ratios = [cur[r] / base[r] for r in cur if r in base and base[r] > 0]
            if label == b or not ratios:
                row += " | | |" if label != b else " 1.000 | | |"
                continue
            row += (f" {statistics.median(ratios):.3f} | {min(ratios):.3f} |"
                    f" {max(ratios):.3f} |")
        print(row)
