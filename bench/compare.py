"""1 year against 5 years, from the JSON each run leaves in bench/results/:

    python -m bench.compare [--backend sqlite]

For the newest load run of each (same backend): every route's throughput ratio at
1 and 5 years and whether the 5-year one is within 20 % of the 1-year one (the
Figures target), the SQL statements of each route at both (a page whose count
does not grow with the years or with the days of its period reads stored
figures, not the log), and the workers' RSS (target ≤ 200 MB at 5 years).
"""
import argparse
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
WITHIN = 0.20
RSS_LIMIT_MB = 200


def newest(backend: str, years: str) -> dict | None:
    for path in sorted(RESULTS.glob(f"*-{backend}-{years}y.json"), reverse=True):
        return json.loads(path.read_text(encoding="utf-8")) | {"file": path.name}
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="sqlite")
    args = parser.parse_args(argv)
    one, five = newest(args.backend, "1.0"), newest(args.backend, "5.0")
    if one is None or five is None:
        print(f"bench.compare: needs a 1-year and a 5-year run on {args.backend} "
              f"(found: {', '.join(r['file'] for r in (one, five) if r) or 'none'})")
        return 0
    print(f"1 year: {one['file']} (commit {one['commit']}); 5 years: {five['file']} (commit {five['commit']})\n")
    print("| route | ratio 1 y | ratio 5 y | 5 y ÷ 1 y | within 20 % | SQL 1 y | SQL 5 y |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    later = {row["key"]: row for row in five["rows"]}
    for row in one["rows"]:
        other = later.get(row["key"])
        if other is None:
            continue
        change = other["ratio"] / row["ratio"]
        within = "yes" if change >= 1 - WITHIN else "NO"
        print(f"| {row['label']} | {row['ratio']:.4g} | {other['ratio']:.4g} | {change:.2f} | {within} | "
              f"{row['sql']} | {other['sql']} |")
    rss = five.get("rss_mb") or []
    print(f"\nworker RSS: 1 year {one.get('rss_mb')} MB, 5 years {rss} MB "
          f"({'within' if rss and max(rss) <= RSS_LIMIT_MB else 'OVER'} the {RSS_LIMIT_MB} MB target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
