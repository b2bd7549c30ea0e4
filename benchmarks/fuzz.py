"""The API fuzz, bigger than the suite's: figures for docs/benchmarks.md.

Runs tests/web/test_api_fuzz.py (Schemathesis against the API's OpenAPI document and one made
of the HTML pages, every operation, positive and negative input, derandomized) with more
examples per operation, on a temporary SQLite file and on a throwaway PostgreSQL cluster, and
prints a Markdown section: machine, command, date, and per database and document the
operations, requests, answers by class, 5xx and time.

    .venv/bin/python benchmarks/fuzz.py --examples 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT, load_average, machine, now_utc, table, throwaway_postgres

TEST = "tests/web/test_api_fuzz.py"


def run(database: str, examples: int, pg_url: str = "") -> dict[str, Any]:
    """Run the fuzz test once and return its figures (with pytest's outcome)."""
    with tempfile.TemporaryDirectory(prefix="kulisser-fuzz.") as tmp:
        report = Path(tmp) / "figures.json"
        env = {**os.environ, "KULISSER_FUZZ_EXAMPLES": str(examples),
               "KULISSER_FUZZ_REPORT": str(report), "KULISSER_TEST_DATABASE": database,
               "PYTHONPATH": str(ROOT / "src")}
        if pg_url:
            env["KULISSER_TEST_PG_URL"] = pg_url
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "-m", "fuzz", TEST], cwd=ROOT, env=env, capture_output=True, text=True)
        figures: dict[str, Any] = (json.loads(report.read_text()) if report.exists()
                                   else {"database": database})
        figures["pytest"] = "passed" if done.returncode == 0 else f"failed ({done.returncode})"
        figures["run_s"] = round(time.perf_counter() - started, 1)
        if done.returncode:
            print(done.stdout[-4000:], file=sys.stderr)
        return figures


def main() -> None:
    """Run on SQLite and PostgreSQL and print the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100,
                        help="Hypothesis examples per operation and mode (the suite uses 12)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip the PostgreSQL run")
    args = parser.parse_args()
    command = "python benchmarks/fuzz.py " + " ".join(sys.argv[1:])
    started_at, load_before = now_utc(), load_average()
    results = [run("sqlite", args.examples)]
    if not args.sqlite_only:
        with throwaway_postgres() as url:
            results.append(run("postgresql", args.examples, url))
    rows = []
    for r in results:
        for kind in ("api", "pages"):
            f = r.get(kind, {})
            rows.append([f"{r['database']}, {kind}", str(f.get("operations", "-")),
                         str(f.get("requests", "-")),
                         ", ".join(f"{k} {v}" for k, v in f.get("answers", {}).items()),
                         str(sum(f.get("server_errors", {}).values())), f"{f.get('wall_s', 0):.0f} s",
                         f"{f.get('cpu_s', 0):.0f} s", f"{r['run_s']:.0f} s", r["pytest"]])
    print(f"### API fuzz, {args.examples} examples per operation and mode\n")
    print(f"- machine: {machine()}")
    print(f"- command: `{command}`")
    print(f"- date: {started_at}; load average before: {load_before}, after: {load_average()}")
    print()
    print(table(["database, document", "operations", "requests", "answers", "5xx", "requests' time",
                 "CPU", "whole run", "pytest"], rows))
    print()
    for r in results:
        for kind in ("api", "pages"):
            for operation, count in r.get(kind, {}).get("server_errors", {}).items():
                print(f"- 5xx on {r['database']}, {kind}: {operation} ({count})")


if __name__ == "__main__":
    main()
