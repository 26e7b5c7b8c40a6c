"""pg_vitals' metrics through a real Prometheus (scripts/test.sh metrics_stack).

Usage: prometheus_check.py PROMETHEUS_URL DASHBOARD_JSON DIVISIONS_BY_ZERO

Checks the Grafana dashboard's JSON (Grafana itself is not installable here), then waits
until Prometheus has scraped the failures the script ran in database postgres, and asks it
every expression the dashboard uses: each must answer with data, a finite value in at least
one series (a command idle in the window has no rate, so its quantile is NaN, as in Grafana).
"""
import json
import math
import sys
import time
import urllib.parse
import urllib.request

KINDS = {"timeseries", "table", "stat", "gauge", "bargauge", "heatmap"}


def query(url, expr):
    q = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{q}", timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise AssertionError(f"{expr}: {body}")
    return body["data"]["result"]


def check_dashboard(d):
    """Structure Grafana needs to import it: what its importer and panels read."""
    problems = []
    inputs = {i["name"] for i in d.get("__inputs", [])}
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    if "DS_PROMETHEUS" not in inputs:
        problems.append("no DS_PROMETHEUS input")
    ids = [p.get("id") for p in d["panels"]]
    if len(set(ids)) != len(ids):
        problems.append("panel ids repeat")
    exprs = []
    for p in d["panels"]:
        g = p.get("gridPos", {})
        if p.get("type") not in KINDS:
            problems.append(f"{p.get('title')}: unknown panel type {p.get('type')}")
        if not (0 <= g.get("x", -1) and g.get("x", 0) + g.get("w", 0) <= 24 and g.get("h", 0) > 0):
            problems.append(f"{p.get('title')}: gridPos {g}")
        refs = [t.get("refId") for t in p.get("targets", [])]
        if not refs or len(set(refs)) != len(refs):
            problems.append(f"{p.get('title')}: targets' refIds {refs}")
        for t in p.get("targets", []):
            if t.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                problems.append(f"{p.get('title')}: datasource {t.get('datasource')}")
            expr = t.get("expr", "")
            for name in variables:
                expr = expr.replace(f"${name}", variables[name].get("allValue", ".+"))
            if "$" in expr:
                problems.append(f"{p.get('title')}: undefined variable in {t['expr']}")
            exprs.append((p["title"], expr))
    return problems, exprs


def main(url, dashboard, divisions):
    with open(dashboard) as f:
        d = json.load(f)
    problems, exprs = check_dashboard(d)
    if problems:
        print("  dashboard JSON: " + "; ".join(problems))
        return 1
    # Wait for a scrape after the failures, and for two samples of everything (rate()).
    errors = f'sum(pg_vitals_errors_total{{datname="postgres",sqlstate_class="22"}})'
    deadline = time.time() + 60
    seen = None
    while time.time() < deadline:
        r = query(url, errors)
        seen = float(r[0]["value"][1]) if r else None
        # rate() needs two samples of a series: the failures' appeared with them.
        samples = query(url, f'min(count_over_time(pg_vitals_errors_total{{datname="postgres"}}[5m]))')
        if seen == divisions and samples and float(samples[0]["value"][1]) >= 2:
            break
        time.sleep(1)
    if seen != divisions:
        print(f"  {errors} = {seen}, expected {divisions} (the divisions by zero run)")
        return 1
    print(f"  {errors} = {int(seen)}")
    failed = 0
    for title, expr in exprs:
        result = query(url, expr)
        values = [float(s["value"][1]) for s in result]
        ok = any(math.isfinite(v) for v in values)
        print(f"  {'ok ' if ok else 'BAD'} {title}: {expr} -> {len(values)} series"
              + (f", e.g. {max(v for v in values if math.isfinite(v)):.6g}" if ok else ""))
        failed += not ok
    # The windowed median of the selects is a time a select can take.
    median = query(url, 'histogram_quantile(0.5, sum by (le) (rate(pg_vitals_exec_duration_seconds_bucket{datname="postgres",command="select"}[5m])))')
    m = float(median[0]["value"][1]) if median else float("nan")
    if not 0 < m < 1:
        print(f"  median select time {m} s, expected between 0 and 1 s")
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
