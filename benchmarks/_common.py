"""Shared benchmark helpers: percentiles, a throwaway PostgreSQL, a uvicorn server, the machine."""

from __future__ import annotations

import functools
import inspect
import math
import multiprocessing
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
PG_SCRIPT = ROOT / "scripts" / "pg.sh"


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(runs: int, call: Callable[[], object], *, warmup: int = 0) -> list[float]:
    """Milliseconds of each of `runs` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a PostgreSQL cluster in a temp dir on a free port; yield its URL; stop and remove it."""
    workdir = Path(tempfile.mkdtemp(prefix="kulisser-bench-pg."))
    try:
        out = subprocess.run([str(PG_SCRIPT), "start", str(workdir), str(free_port())],
                             check=True, capture_output=True, text=True)
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", str(workdir)], check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def uvicorn_server(env: dict[str, str], *, app: str = "kulisser.app:create_app",
                   ready_path: str = "/login", timeout: float = 60.0) -> Iterator[str]:
    """Run the app factory under uvicorn (one worker) in a subprocess; yield its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode} before it was ready")
            try:
                if httpx.get(base + ready_path, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not answer {ready_path} within {timeout:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def machine() -> str:
    """CPU model, cores and memory of this machine, for the record."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1/5/15-minute load averages (other work on the machine skews the figures)."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def now_utc() -> str:
    """The current time as an ISO string in UTC, to the minute."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with right-aligned columns after the first (Markdown-compatible)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = (str(c).ljust(w) if i == 0 else str(c).rjust(w)
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "| " + " | ".join(padded) + " |"

    sep = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


class Probes:
    """Time named functions (inclusive and self time) and the SQL run inside them, per request.

    For a breakdown of where a request's time goes: wrap the pieces a route calls, run
    requests one at a time between begin() and end(), then report(). Not thread-safe by
    design: requests run sequentially, so one global stack of open probes is enough.
    """

    def __init__(self, engine: Any) -> None:
        self._stack: list[list[float]] = []  # per open probe: [child time, sql before]
        self._top = 0.0  # time inside outermost probes during this request
        self._sql = 0.0
        self._statements = 0
        self._started: list[float] = []
        self._current: dict[str, list[float]] = {}
        self._request: dict[str, list[float]] = {}
        self.samples: list[dict[str, list[float]]] = []
        self.statements: dict[str, list[float]] = {}
        self._patched: list[tuple[Any, str, Any]] = []
        self.missing: list[str] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._engine = engine

    def _before(self, *_a: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        took = time.perf_counter() - self._started.pop()
        self._sql += took
        self._statements += 1
        key = " ".join(statement.split())[:90]
        self.statements.setdefault(key, []).append(took)

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        """Replace owner.name with a timed wrapper (sync or async); skip a name that is gone."""
        original = getattr(owner, name, None)
        if original is None:
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
            return
        label = label or name
        probes = self

        def enter() -> tuple[float, float]:
            probes._stack.append([0.0, probes._sql])
            return time.perf_counter(), probes._sql

        def leave(t0: float) -> None:
            took = time.perf_counter() - t0
            child, sql0 = probes._stack.pop()
            if probes._stack:
                probes._stack[-1][0] += took
            else:
                probes._top += took
            rec = probes._current.setdefault(label, [0.0, 0.0, 0.0, 0.0])
            rec[0] += took
            rec[1] += took - child
            rec[2] += probes._sql - sql0
            rec[3] += 1

        if inspect.iscoroutinefunction(original):
            @functools.wraps(original)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                t0, _ = enter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    leave(t0)
            setattr(owner, name, awrapper)
        else:
            @functools.wraps(original)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                t0, _ = enter()
                try:
                    return original(*args, **kwargs)
                finally:
                    leave(t0)
            setattr(owner, name, wrapper)
        self._patched.append((owner, name, original))

    def begin(self) -> None:
        """Start one request."""
        self._current = {}
        self._top = 0.0
        self._sql = 0.0
        self._statements = 0
        self._t0 = time.perf_counter()

    def end(self) -> None:
        """Finish one request and keep its figures."""
        whole = time.perf_counter() - self._t0
        # Self time of the whole request: what no probe covered (middleware, routing, validation).
        self._current["(whole request)"] = [whole, whole - self._top, self._sql, 1.0]
        self._current["(statements)"] = [float(self._statements)] * 4
        self.samples.append(self._current)

    def report(self) -> str:
        """Median per request of each piece: inclusive ms, self ms, SQL ms inside, calls.

        The whole request's self time is what no probe covered (middleware, routing, the
        framework's validation and serialization, the ASGI transport).
        """
        names: list[str] = []
        for sample in self.samples:
            names += [n for n in sample if n not in names and not n.startswith("(")]
        rows = []
        for n in ["(whole request)", *names]:
            vals = [s.get(n, [0.0, 0.0, 0.0, 0.0]) for s in self.samples]
            rows.append([n, *(f"{percentile([v[i] for v in vals], 50) * 1000:.2f}" for i in range(3)),
                         f"{percentile([v[3] for v in vals], 50):.0f}"])
        stmts = percentile([s["(statements)"][0] for s in self.samples], 50)
        out = table(["piece (median per request)", "incl. ms", "self ms", "SQL ms", "calls"], rows)
        out += f"\nSQL statements per request (median): {stmts:.0f}"
        if self.missing:
            out += "\nNot found, so not timed: " + ", ".join(self.missing)
        return out

    def slowest_statements(self, n: int = 8) -> str:
        """The statements with the most total time, with their count and median."""
        ranked = sorted(self.statements.items(), key=lambda kv: -sum(kv[1]))[:n]
        return table(["statement (first 90 chars)", "count", "median ms", "total ms"],
                     [[k, str(len(v)), f"{percentile(v, 50) * 1000:.2f}", f"{sum(v) * 1000:.0f}"]
                      for k, v in ranked])

    def close(self) -> None:
        """Put the original functions back and stop listening."""
        for owner, name, original in reversed(self._patched):
            setattr(owner, name, original)
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


def fork_and_gather(target: Callable[..., None], arg_sets: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Fork one process per argument set, start them together, gather what each one reports.

    ``target(*args, start, results)`` waits on the barrier ``start`` and puts one
    ``(Counter of outcomes, latencies, errors)`` on ``results``. Returns the summed outcomes,
    latencies, errors and the wall time from the common start to the last report.
    """
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(len(arg_sets) + 1), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, results)) for args in arg_sets]
    for proc in procs:
        proc.start()
    start.wait()
    started = time.perf_counter()
    gathered = [results.get() for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    for counts, lat, errs in gathered:
        outcomes.update(counts)
        latencies += lat
        errors += errs
    return {"outcomes": outcomes, "elapsed": elapsed, "latencies": latencies, "errors": errors}
