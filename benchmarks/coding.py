"""Coding (issue 14): code search p95 through the API, and the monthly patient-register export (--phases).

Phase `search`: starts `kulisser serve` (one uvicorn worker) on a free loopback port against a
fresh database (a throwaway PostgreSQL cluster from scripts/pg.sh, and a SQLite file), which
migration 0026 fills with the WHO ICD-10 tree. One secretary's API token sends a mix of the
searches a secretary types (`GET /api/v1/coding/codes`): word prefixes of titles (one or
two words, 3-7 letters, some typed without Swedish accents), code prefixes (1-5 characters)
and dotted codes, one at a time, and the client measures each answer. Then a synthetic
ICD-10-SE table of 40,000 codes (words with å, ä, ö; synonyms on a third) is imported with
`kulisser.coding.codes_import` and the same mix runs over it. On PostgreSQL each table is
VACUUM ANALYZEd before it is measured (the steady state, not autovacuum's first pass); each
run starts with 100 warm-up searches. Prints p50, p95 and max per database and table; for
comparison the p95 of a blank search sent after each one (`q=" "`: the route's floor, token
login and framework, no search) and of the same searches in-process
(kulisser.coding.codes.search, no HTTP); and the import time. Target: p95 <= 20 ms through
the API.

    .venv/bin/python benchmarks/coding.py                         # both databases
    .venv/bin/python benchmarks/coding.py --database sqlite --queries 300
    .venv/bin/python benchmarks/coding.py --pg-url postgresql+psycopg://u@127.0.0.1:5432/postgres

Phase `export` (issue 14 item 5): a unit's month of 100,000 reportable contacts (doctors'
visits and inpatient stays discharged in the month, 20 clinicians, each contact with a WHO
main diagnosis, some secondary ones and KVÅ procedures; about 3 % uncoded and 1 % with a wrong
code) is written straight into a migrated database, then `register_report.run_export` runs in
one transaction as a secretary would start it from the page: the file, the contacts held back,
the run stored with its sha256. Prints the seconds and the counts. Target: <= 30 s on
PostgreSQL.

    .venv/bin/python benchmarks/coding.py --phases export --database postgresql
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks import coding_export
from benchmarks._common import load_average, machine, now_utc, percentile, table, throwaway_postgres
from benchmarks.load import kulisser_server
from kulisser import migrate, packages
from kulisser.coding import codes, codes_import
from kulisser.db import Database
from kulisser.staff import service as staff

TARGET_P95_MS = 20.0
DAY = date(2026, 3, 1)
TARGET_EXPORT_S = 30.0
EXPORT_CONTACTS = 100_000
SYNTHETIC_CODES = 40_000
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sä", "tö", "vå", "bi", "de", "fa", "gu", "hy", "jo",
              "kö", "lä", "må", "nu", "pe", "ri", "sy", "ta", "ul", "ve", "yr", "ån", "är", "ös")
_ACCENTS = str.maketrans("åäö", "aao")


@dataclass
class Target:
    """One database to measure: its name and an empty database's URL."""

    name: str
    url: str


@dataclass
class Tree:
    """What the queries are drawn from: the table's codes and its title words."""

    name: str
    codes: list[str]
    words: list[str]


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    """Made-up Swedish-looking words of 2-4 syllables."""
    found: set[str] = set()
    while len(found) < size:
        found.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(found)


def synthetic_table(path: Path, rng: random.Random, words: list[str], count: int) -> list[str]:
    """Write an ICD-10-SE-format TSV of `count` codes (3, 4 and 5 characters); return the codes."""
    codes: list[str] = []
    categories = [f"{letter}{n:02d}" for letter in "ABCDEFGHIJKLMNOPRSTUVWXYZ" for n in range(100)]
    for category in categories:
        codes.append(category)
        codes.extend(f"{category}{d}" for d in range(10))
    fourth = [c for c in codes if len(c) == 4]
    rng.shuffle(fourth)
    for parent in fourth:
        if len(codes) >= count:
            break
        codes.extend(f"{parent}{d}" for d in range(min(10, count - len(codes))))
    with path.open("w", encoding="utf-8") as out:
        out.write("kod\ttitel\tgiltig_fran\toverordnad\tsynonymer\n")
        for code in codes:
            title = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6))).capitalize()
            synonyms = (" ".join(rng.choice(words) for _ in range(2))
                        if rng.random() < 0.33 else "")
            parent = code[:-1] if len(code) > 3 else ""
            out.write(f"{code}\t{title}\t2010-01-01\t{parent}\t{synonyms}\n")
    return codes


def queries(rng: random.Random, tree: Tree, n: int) -> list[str]:
    """A secretary's mix: half word prefixes, a third code prefixes, the rest dotted codes."""
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.5:
            picked = [rng.choice(tree.words) for _ in range(rng.choice((1, 1, 2)))]
            typed = " ".join(w[:rng.randint(3, 7)] for w in picked)
            out.append(typed.translate(_ACCENTS) if rng.random() < 0.3 else typed)
        elif roll < 0.83:
            code = rng.choice(tree.codes)
            out.append(code[:rng.randint(1, min(5, len(code)))])
        else:
            code = rng.choice([c for c in rng.sample(tree.codes, 20) if len(c) > 3] or ["J459"])
            out.append(f"{code[:3]}.{code[3:]}")
    return out


def in_process(database: Database, qs: list[str], warmup: int = 100) -> list[float]:
    """The same searches through kulisser.coding.codes.search in this process (no HTTP), in ms."""
    latencies = []
    with database.session() as session:
        for q in qs[:warmup]:
            codes.search(session, system="icd10", query=q, on=DAY)
        for q in qs:
            t0 = time.perf_counter()
            codes.search(session, system="icd10", query=q, on=DAY)
            latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def settle(database: Database) -> None:
    """VACUUM ANALYZE on PostgreSQL: measure the steady state, not autovacuum's first pass."""
    if database.is_postgres:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE code_entry, code_word, code_system_version"))


def measure(base: str, token: str, qs: list[str],
            warmup: int = 100) -> tuple[list[float], list[float], int]:
    """Send each search once (after a warm-up), each followed by a blank one (the route's floor:
    login by token and the framework, no search); both latencies in ms, and the searches with hits."""
    latencies, floor, hits = [], [], 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        for q in qs[:warmup]:
            client.get("/api/v1/coding/codes", params={"q": q, "on": DAY.isoformat()})
        for q in qs:
            t0 = time.perf_counter()
            r = client.get("/api/v1/coding/codes", params={"q": q, "on": DAY.isoformat()})
            latencies.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            hits += len(r.json()) > 0
            t0 = time.perf_counter()
            blank = client.get("/api/v1/coding/codes", params={"q": " ", "on": DAY.isoformat()})
            floor.append((time.perf_counter() - t0) * 1000)
            assert blank.json() == [], blank.text
    return latencies, floor, hits


def who_tree() -> Tree:
    """The WHO tree's codes and title words, as migration 0026 loads them."""
    entries = codes_import.who_entries()
    words = sorted({w for e in entries for w in e["search_text"].split() if len(w) >= 3})
    return Tree("WHO ICD-10", [e["code"] for e in entries], words)


def setup_user(database: Database) -> str:
    """A unit, a secretary and her API token."""
    with database.session() as session:
        unit = staff.create_unit(session, hsa_id="SE2321000016-BENCH", name="Bänkenheten")
        user = staff.create_user(session, username="bench", full_name="Bänk Sekreterare",
                                 role="secretary", password=secrets.token_urlsafe(16),
                                 unit_ids=[unit.id])
        return staff.create_api_token(session, user=user)


def phase_search(target: Target, workdir: Path, args: argparse.Namespace) -> list[list[str]]:
    """Search p50/p95/max over the WHO tree and a synthetic ICD-10-SE table on one database."""
    rng = random.Random(args.seed)
    database = Database(target.url)
    t0 = time.perf_counter()
    migrate.upgrade(database.engine)
    migrated = time.perf_counter() - t0
    token = setup_user(database)
    settle(database)
    rows = []
    with kulisser_server(target.url, workdir, workers=1) as base:
        who = who_tree()
        qs = queries(rng, who, args.queries)
        latencies, floor, hits = measure(base, token, qs)
        rows.append(_row(target, who.name, len(who.codes), latencies, hits, floor,
                         in_process(database, qs), f"migrate {migrated:.1f} s"))
        words = vocabulary(rng)
        path = workdir / "icd10se_2026.tsv"
        synthetic = synthetic_table(path, rng, words, args.synthetic)
        t0 = time.perf_counter()
        with database.session() as session:
            report = codes_import.import_file(session, source="icd10se", path=path)
        imported = time.perf_counter() - t0
        assert not report.errors, report.summary()
        settle(database)
        tree = Tree("synthetic ICD-10-SE", synthetic, words)
        qs = queries(rng, tree, args.queries)
        latencies, floor, hits = measure(base, token, qs)
        rows.append(_row(target, tree.name, len(synthetic), latencies, hits, floor,
                         in_process(database, qs), f"import {imported:.1f} s"))
    database.engine.dispose()
    return rows


def _row(target: Target, tree: str, size: int, latencies: list[float], hits: int,
         floor: list[float], bare: list[float], note: str) -> list[str]:
    return [target.name, tree, f"{size:,}", str(len(latencies)), f"{hits}",
            f"{percentile(latencies, 50):.1f}", f"{percentile(latencies, 95):.1f}",
            f"{max(latencies):.1f}", f"{percentile(floor, 95):.1f}",
            f"{percentile(bare, 95):.1f}", note]


PHASES: dict[str, Callable[[Target, Path, argparse.Namespace], list[list[str]]]] = {
    "search": phase_search,
    "export": coding_export.phase_export,
}


@contextmanager
def fresh_postgres(admin_url: str | None) -> Iterator[str]:
    """An empty database: on the given server (created and dropped) or a throwaway cluster."""
    with ExitStack() as stack:
        admin = admin_url or stack.enter_context(throwaway_postgres())
        name = f"bench_coding_{secrets.token_hex(4)}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin).set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()


def main() -> int:
    """Run the chosen phases on the chosen databases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phases", default="search",
                        help=f"comma-separated, in order, of: {', '.join(PHASES)} (default: search)")
    parser.add_argument("--database", default="postgresql,sqlite",
                        help="comma-separated: postgresql, sqlite (default: both)")
    parser.add_argument("--pg-url", help="a PostgreSQL server to create a throwaway database on "
                                         "(default: a throwaway cluster)")
    parser.add_argument("--queries", type=int, default=500, help="searches per table")
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC_CODES,
                        help="codes in the synthetic table")
    parser.add_argument("--contacts", type=int, default=EXPORT_CONTACTS,
                        help="contacts in the exported month (phase export)")
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase(s) {unknown}; known: {', '.join(PHASES)}")
    packages.setup()
    print(f"# benchmarks/coding.py {' '.join(sys.argv[1:])}")
    print(f"# {now_utc()}; {machine()}; load {load_average()}")
    rows: list[list[str]] = []
    for kind in [d.strip() for d in args.database.split(",") if d.strip()]:
        with tempfile.TemporaryDirectory(prefix="kulisser-bench-coding.") as tmp, ExitStack() as stack:
            workdir = Path(tmp)
            if kind == "postgresql":
                target = Target("PostgreSQL", stack.enter_context(fresh_postgres(args.pg_url)))
            elif kind == "sqlite":
                target = Target("SQLite", f"sqlite:///{workdir / 'coding.db'}")
            else:
                parser.error(f"unknown database {kind!r}")
            for phase in phases:
                rows += PHASES[phase](target, workdir, args)
    verdicts = []
    if rows:
        print(table(["database", "table", "codes", "queries", "with hits", "p50 ms", "p95 ms",
                     "max ms", "blank p95 ms", "in-process p95 ms", "setup"], rows))
        worst = max(float(r[6]) for r in rows)
        verdicts.append(worst <= TARGET_P95_MS)
        print(f"search p95 worst {worst:.1f} ms, target <= {TARGET_P95_MS:.0f} ms: "
              f"{'PASS' if verdicts[-1] else 'FAIL'}")
    if coding_export.RESULTS:
        print(table(["database", "contacts", "reported", "held back", "file MB", "export s",
                     "setup"], coding_export.RESULTS))
        slowest = max(float(r[5]) for r in coding_export.RESULTS if r[0] == "PostgreSQL") \
            if any(r[0] == "PostgreSQL" for r in coding_export.RESULTS) else 0.0
        verdicts.append(slowest <= TARGET_EXPORT_S)
        print(f"export on PostgreSQL {slowest:.1f} s, target <= {TARGET_EXPORT_S:.0f} s: "
              f"{'PASS' if verdicts[-1] else 'FAIL'}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
