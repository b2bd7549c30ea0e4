"""Load test: does the real server hold when a unit's staff work at once?

Starts `kulisser serve` (uvicorn, 2 workers) on a free port on 127.0.0.1 against a
throwaway PostgreSQL cluster from scripts/pg.sh (or, with --database sqlite, the demo's
SQLite in a temp file), seeds the demo clinic plus 64 simulated staff (API tokens and login
sessions), contested slots and queue items (benchmarks/_load_seed.py), and runs two phases
(benchmarks/_load_traffic.py):

- a working day: 64 staff for 60 s, each acting every 0.5-1.5 s: worklist reads (API and
  HTML), claims of queue items, patient searches, bookings of contested slots, dictation
  uploads (a 1-second WAV);
- a burst: 64 clients without think time for 20 s.

Per phase it prints requests per second, p50/p95/p99 per kind of request, 5xx, failed
requests (timeouts, connection errors), answers outside the scenario (e.g. 401, 422),
double bookings (checked in the database: no slot with two live appointments) and the worst
`/login` latency seen by a probe that opens it once a second; then PASS/FAIL against the
targets. Transcription jobs are left queued (KULISSER_JOBS=worker and no worker runs): the
recognizer's CPU would otherwise be measured instead of the web server.

    .venv/bin/python benchmarks/load.py                     # PostgreSQL, both phases
    .venv/bin/python benchmarks/load.py --database sqlite
    .venv/bin/python benchmarks/load.py --day-seconds 0 --burst-seconds 20 --clients 32 --json
    .venv/bin/python benchmarks/load.py --database-url postgresql+psycopg://u@127.0.0.1:5432/emptydb
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks._common import ROOT, free_port, load_average, machine, now_utc, table, throwaway_postgres
from benchmarks._cpu import cluster_cpu, group_cpu, postmaster_pid
from benchmarks._load_seed import Scenario, double_bookings, seed
from benchmarks._load_traffic import WORKLIST_KINDS, Contested, run_phase

TARGET_WORKLIST_P95_MS = 100.0
TARGET_LOGIN_MS = 1000.0
# Set by kulisser_server itself; any other KULISSER_* of the caller's environment passes through.
_OWN_SETTINGS = {"KULISSER_MODE", "KULISSER_SECRET_KEY", "KULISSER_DATABASE_URL", "KULISSER_DATA_DIR",
                 "KULISSER_JOBS", "KULISSER_COOKIE_SECURE"}


@contextmanager
def kulisser_server(database_url: str, workdir: Path, *, workers: int = 2,
                    ready_timeout: float = 90.0, info: dict[str, int] | None = None) -> Iterator[str]:
    """`kulisser serve` with `workers` uvicorn workers on a free loopback port; yield its URL.

    The server runs in its own process group, so that stopping it stops its workers too,
    even when they hang; its output goes to workdir/server.log.
    """
    port = free_port()
    env = {**os.environ, "KULISSER_MODE": "production", "KULISSER_SECRET_KEY": secrets.token_urlsafe(48),
           "KULISSER_DATABASE_URL": database_url, "KULISSER_DATA_DIR": str(workdir / "data"),
           "KULISSER_JOBS": "worker", "KULISSER_COOKIE_SECURE": "false",
           # This checkout's code, whatever package the interpreter has installed.
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "kulisser.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    if info is not None:
        info["pgid"] = proc.pid  # its own session: the group of the server and its workers
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"kulisser serve exited with {proc.returncode}:\n{_tail(workdir)}")
            try:
                if httpx.get(base + "/login", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kulisser serve did not answer within {ready_timeout:.0f} s")
            time.sleep(0.3)
        yield base
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL it if it has not gone in 15 s."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(workdir: Path, lines: int = 30) -> str:
    try:
        return "\n".join((workdir / "server.log").read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def server_errors(workdir: Path) -> int:
    """Tracebacks the server logged (5xx and crashes the clients may not have seen)."""
    try:
        return (workdir / "server.log").read_text(errors="replace").count("Traceback (most recent call last)")
    except OSError:
        return 0


def _cpu_probe(url: str, server: dict[str, int]) -> Callable[[], tuple[float, float | None]]:
    """A function giving the CPU seconds the server and (PostgreSQL) the database have used."""
    port = make_url(url).port if url.startswith("postgresql") else None
    postmaster = postmaster_pid(port) if port else None

    def probe() -> tuple[float, float | None]:
        return (group_cpu(server["pgid"]),
                cluster_cpu(postmaster) if postmaster is not None else None)
    return probe


async def _phases(base: str, scenario: Scenario, *, url: str, clients: int, day_seconds: float,
                  burst_seconds: float, timeout: float, rng_seed: int,
                  cpu: Callable[[], tuple[float, float | None]]) -> dict[str, Any]:
    rng = random.Random(rng_seed)
    claims = Contested(scenario.queue_item_ids, rng=rng)
    slots = Contested(scenario.slot_ids, rng=rng)
    # A short unrecorded warm-up of every kind, so that both workers' first-request costs
    # (imports, templates, connections) are not measured.
    await run_phase(base, scenario, clients=min(clients, 16),
                    seconds=min(3.0, max(day_seconds, burst_seconds)), think=None, timeout=timeout,
                    rng_seed=rng.randrange(2**31), claims=claims, slots=slots)
    phases: dict[str, Any] = {}
    plan = [("working_day", day_seconds, (0.5, 1.5)), ("burst", burst_seconds, None)]
    for name, seconds, think in plan:
        if seconds <= 0:
            continue
        server0, db0 = cpu()
        figures = await run_phase(base, scenario, clients=clients, seconds=seconds, think=think,
                                  timeout=timeout, rng_seed=rng.randrange(2**31), claims=claims, slots=slots)
        server1, db1 = cpu()
        figures["server_cpu_s"] = round(server1 - server0, 1)
        figures["database_cpu_s"] = round(db1 - db0, 1) if db0 is not None and db1 is not None else None
        figures["double_bookings"] = await asyncio.to_thread(double_bookings, url)
        phases[name] = figures
    return phases


def run(*, database: str = "postgresql", database_url: str | None = None, clients: int = 64,
        day_seconds: float = 60.0, burst_seconds: float = 20.0, timeout: float = 30.0,
        secretaries: int = 56, clinicians: int = 8, queue_items: int = 2000, slots: int = 3000,
        workers: int = 2, rng_seed: int = 20261204, server_log: Path | None = None) -> dict[str, Any]:
    """Seed, start the server, run the phases, stop it; return every figure as a dict."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kulisser-load.")))
        if server_log is not None:  # copied out after the server stopped (the temp dir goes)
            stack.callback(lambda: shutil.copyfile(workdir / "server.log", server_log))
        if database_url is None:
            if database == "sqlite":
                database_url = f"sqlite:///{workdir / 'kulisser.db'}"
            else:
                database_url = stack.enter_context(throwaway_postgres())
        scenario = seed(database_url, secretaries=secretaries, clinicians=clinicians,
                        queue_items=queue_items, slots=slots, rng_seed=rng_seed)
        server: dict[str, int] = {}
        base = stack.enter_context(kulisser_server(database_url, workdir, workers=workers,
                                                   info=server))
        phases = asyncio.run(_phases(base, scenario, url=database_url, clients=clients,
                                     day_seconds=day_seconds, burst_seconds=burst_seconds,
                                     timeout=timeout, rng_seed=rng_seed,
                                     cpu=_cpu_probe(database_url, server)))
        return {"database": "sqlite" if database_url.startswith("sqlite") else "postgresql",
                "workers": workers, "timeout_s": timeout, "seeded": scenario.counts,
                "seed_s": round(scenario.seed_seconds, 1), "phases": phases,
                # Settings passed on from the caller's environment (pool, line), for the record.
                "server_settings": {k: v for k, v in sorted(os.environ.items())
                                    if k.startswith("KULISSER_") and k not in _OWN_SETTINGS},
                "server_tracebacks": server_errors(workdir), "checks": checks(phases)}


def checks(phases: dict[str, Any]) -> dict[str, bool]:
    """The issue's targets, per phase (the PostgreSQL targets; on SQLite they are information)."""
    out: dict[str, bool] = {}
    for name, p in phases.items():
        out[f"{name}: no 5xx"] = p["status_5xx"] == 0
        out[f"{name}: no failed request"] = p["failed"] == 0
        out[f"{name}: no double booking"] = p["double_bookings"] == 0
        probe = p["probe"]
        out[f"{name}: every /login probe answered"] = (probe["answered"] > 0 and probe["failed"] == 0
                                                         and probe["status_5xx"] == 0)
        out[f"{name}: /login never slower than 1 s"] = probe["worst_ms"] <= TARGET_LOGIN_MS
        if name == "working_day":
            for kind in WORKLIST_KINDS:
                if kind in p["kinds"]:
                    p95 = p["kinds"][kind]["p95_ms"]
                    out[f"{name}: {kind} p95 <= 100 ms"] = p95 <= TARGET_WORKLIST_P95_MS
    return out


def _cpu_line(p: dict[str, Any]) -> str:
    """CPU per request of the server and the database: what decides capacity on these cores."""
    n = max(1, p["requests"])
    text = f"CPU per request: server {1000 * p['server_cpu_s'] / n:.1f} ms"
    if p.get("database_cpu_s") is not None:
        text += f", database {1000 * p['database_cpu_s'] / n:.1f} ms"
    return text + f", load generator {1000 * p['client_cpu_s'] / n:.1f} ms."


def report(result: dict[str, Any], command: str) -> str:
    """The Markdown section for docs/benchmarks.md."""
    lines = [f"### Load test on {result['database']}, {now_utc()}", "",
             f"- Machine: {machine()}; load average before the run "
             f"{result.get('load_before', 'n/a')}, after {result.get('load_after', 'n/a')}",
             f"- Command: `{command}`",
             f"- Server: `kulisser serve --workers {result['workers']}` (KULISSER_JOBS=worker, no worker "
             f"running); client timeout {result['timeout_s']:.0f} s; seeded in {result['seed_s']} s: "
             + ", ".join(f"{k} {v}" for k, v in result["seeded"].items())
             + "".join(f"; {k}={v}" for k, v in result["server_settings"].items()),
             f"- Server tracebacks logged: {result['server_tracebacks']}", ""]
    for name, p in result["phases"].items():
        think = f"think time {p['think_s'][0]}-{p['think_s'][1]} s" if p["think_s"] else "no think time"
        probe = p["probe"]
        lines += [f"**{name.replace('_', ' ')}**: {p['clients']} clients, {p['seconds']:.0f} s, {think}; "
                  f"ran {p['elapsed_s']} s (client CPU {p['client_cpu_s']} s). {p['requests']} requests, "
                  f"**{p['rps']} req/s**, "
                  f"**5xx: {p['status_5xx']}** (503: {p['status_503']}), **failed: {p['failed']}**, "
                  f"unexpected 4xx: "
                  f"{p['unexpected_4xx']}, **double bookings: {p['double_bookings']}**. Bookings won "
                  f"{p['bookings']['won']}, lost the race for their slot (409) {p['bookings']['lost_race']}"
                  + (f"; lists ran dry: {p['ran_dry']}" if p["ran_dry"] else "") + ". "
                  f"`/login` probe: {probe['sent']} sent, {probe['failed']} failed, "
                  f"p50 {probe['p50_ms']} ms, "
                  f"**worst {probe['worst_ms']} ms**. " + _cpu_line(p), ""]
        rows = [[kind, str(k["requests"]), str(k["p50_ms"]), str(k["p95_ms"]), str(k["p99_ms"]),
                 str(k["max_ms"]), " ".join(f"{c}:{n}" for c, n in k["status"].items()),
                 str(k["failed"]) + (" " + ",".join(f"{e}:{n}" for e, n in k["failures"].items())
                                     if k["failures"] else "")]
                for kind, k in p["kinds"].items()]
        lines += [table(["kind", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "statuses", "failed"],
                        rows), ""]
    lines += ["Targets (PostgreSQL):", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in result["checks"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print the report (or JSON); exit 1 when a target is missed."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql",
                    help="a throwaway PostgreSQL cluster (scripts/pg.sh) or a temp SQLite file")
    ap.add_argument("--database-url", help="an existing, empty database instead (it is migrated and seeded)")
    ap.add_argument("--clients", type=int, default=64, help="simulated staff in each phase")
    ap.add_argument("--day-seconds", type=float, default=60.0, help="the working day (0: skip)")
    ap.add_argument("--burst-seconds", type=float, default=20.0, help="the burst (0: skip)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per request; slower is a failed request")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    ap.add_argument("--queue-items", type=int, default=2000, help="extra tasks in the queue to claim")
    ap.add_argument("--slots", type=int, default=3000, help="free slots to book (at least)")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    ap.add_argument("--server-log", type=Path, help="keep the server's log (access lines, errors) here")
    args = ap.parse_args(argv)
    clinicians = max(1, args.clients // 8)
    load_before = load_average()
    result = run(database=args.database, database_url=args.database_url, clients=args.clients,
                 day_seconds=args.day_seconds, burst_seconds=args.burst_seconds, timeout=args.timeout,
                 secretaries=max(1, args.clients - clinicians), clinicians=clinicians,
                 queue_items=args.queue_items, slots=args.slots, workers=args.workers, rng_seed=args.seed,
                 server_log=args.server_log)
    result["load_before"] = load_before
    result["load_after"] = load_average()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        command = "python benchmarks/load.py " + shlex.join(argv if argv is not None else sys.argv[1:])
        print(report(result, command.strip()))
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
