"""The load test's traffic: simulated staff on an async HTTP client, and a `/login` probe.

Each simulated member of staff has her own `httpx.AsyncClient` (her own connections, like a
browser) and acts in a loop until the phase's deadline: picks a kind of request by weight,
sends it, and waits a think time (none in a burst). Every request has a timeout; a timeout or
a connection error is a failed request. Contested work: claims go for the first few items of
the unit's queue and bookings for the first few free slots, and an item stays on everyone's
list for a moment after it was taken (as on a page loaded a second ago), so several clients
race for the same one: the losers of a booking get 409 (a claim of an item a colleague just
took takes it over, which the worklist allows). The probe runs in a thread of its own and
opens `/login` on a fresh connection once a second.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import random
import threading
import time
import wave
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

from benchmarks._common import percentile
from benchmarks._load_seed import Person, Scenario

KINDS = ("worklist_api", "worklist_html", "claim", "search", "book", "dictation")
WORKLIST_KINDS = ("worklist_api", "worklist_html")
# Weights per role: secretaries read the worklist, claim, search and book; clinicians dictate.
MIX = {
    "secretary": {"worklist_api": 30, "worklist_html": 20, "claim": 20, "search": 15, "book": 15},
    "clinician": {"worklist_api": 25, "worklist_html": 15, "search": 20, "dictation": 40},
}
# Answers that are part of the scenario: a claim or a booking that lost its race gets 409.
EXPECTED = {"claim": {200, 409}, "book": {201, 409}, "dictation": {201}}
CONTESTED_WINDOW = 3  # clients choose among the first few items / slots on their list
STALE_S = 1.0  # a taken item or slot stays on the others' lists this long


class Contested:
    """A shared list in priority order; clients pick among its head, taken ones leave late."""

    def __init__(self, ids: list[int], *, rng: random.Random) -> None:
        self._ids = list(ids)
        self._gone: dict[int, float] = {}
        self._rng = rng

    def pick(self) -> int | None:
        """One of the first few ids still on the list (None when the list ran dry)."""
        now = time.monotonic()
        head = len(self._gone) + CONTESTED_WINDOW
        self._ids[:head] = [i for i in self._ids[:head]
                            if not (i in self._gone and now - self._gone[i] > STALE_S)]
        if not self._ids:
            return None
        return self._rng.choice(self._ids[:CONTESTED_WINDOW])

    def taken(self, item_id: int) -> None:
        """Someone got an answer for this id: it leaves the lists after STALE_S."""
        self._gone.setdefault(item_id, time.monotonic())
        if len(self._gone) > 1000:  # forget ids long gone from the list
            live = set(self._ids[: len(self._gone) + CONTESTED_WINDOW])
            self._gone = {k: v for k, v in self._gone.items() if k in live}


@dataclass
class KindStats:
    """Answers, statuses and failures of one kind of request."""

    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    status: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)


@dataclass
class Traffic:
    """What the clients of one phase share: the scenario, the contested lists, the figures."""

    base: str
    scenario: Scenario
    timeout: float
    rng: random.Random
    claims: Contested
    slots: Contested
    stats: dict[str, KindStats] = field(default_factory=lambda: {k: KindStats() for k in KINDS})
    ran_dry: Counter[str] = field(default_factory=Counter)
    first: float = math.inf
    last: float = 0.0
    _tones: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def wav(self) -> bytes:
        """A one-second tone no other upload has (each dictation its own audio and hash)."""
        freq = 300.0 + next(self._tones) * 0.37
        t = np.arange(16_000) / 16_000
        samples = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16_000)
            out.writeframes(samples.tobytes())
        return buffer.getvalue()


async def _send(t: Traffic, client: httpx.AsyncClient, kind: str, method: str, url: str,
                **kwargs: Any) -> int | None:
    """Send one request and record its latency and status; None when it failed."""
    stats = t.stats[kind]
    t0 = time.perf_counter()
    t.first = min(t.first, t0)
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:  # timeouts, refused or dropped connections, protocol errors
        stats.failures[type(exc).__name__] += 1
        t.last = max(t.last, time.perf_counter())
        return None
    except asyncio.CancelledError:  # still waiting at the phase's ceiling: a failure too
        stats.failures["CancelledAtCeiling"] += 1
        raise
    took = time.perf_counter() - t0
    t.last = max(t.last, t0 + took)
    stats.latencies.append(took)
    stats.status[response.status_code] += 1
    return response.status_code


async def act(t: Traffic, client: httpx.AsyncClient, person: Person, kind: str) -> None:
    """One action of a member of staff."""
    api = {"authorization": f"Bearer {person.token}"}
    if kind == "claim" or kind == "book":
        contested = t.claims if kind == "claim" else t.slots
        target = contested.pick()
        if target is None:  # the list ran dry: read the worklist instead, and say so
            t.ran_dry[kind] += 1
            kind = "worklist_api"
        elif kind == "claim":
            await _send(t, client, kind, "POST", f"/api/v1/work-items/{target}/claim", headers=api)
            contested.taken(target)
            return
        else:
            body = {"slot_id": target, "patient_id": t.rng.choice(t.scenario.patient_ids)}
            await _send(t, client, kind, "POST", "/api/v1/appointments", headers=api, json=body)
            contested.taken(target)
            return
    if kind == "worklist_api":
        await _send(t, client, kind, "GET", "/api/v1/work-items", headers=api)
    elif kind == "worklist_html":
        await _send(t, client, kind, "GET", "/arbetslista",
                    headers={"cookie": f"kulisser_session={person.cookie}"})
    elif kind == "search":
        await _send(t, client, kind, "GET", "/api/v1/patients",
                    params={"q": t.rng.choice(t.scenario.searches)}, headers=api)
    elif kind == "dictation":
        form = {"patient_id": str(t.rng.choice(t.scenario.patient_ids)), "note_type": "visit",
                "priority": t.rng.choice(["normal", "normal", "high"])}
        files = {"file": ("diktat.wav", t.wav(), "audio/wav")}
        await _send(t, client, kind, "POST", "/api/v1/dictations", headers=api, data=form, files=files)
    else:
        raise ValueError(kind)


async def staff_loop(t: Traffic, person: Person, *, deadline: float,
                     think: tuple[float, float] | None, rng: random.Random) -> None:
    """One member of staff acting until the deadline (bounded: each request has a timeout)."""
    mix = MIX[person.role]
    kinds, weights = list(mix), list(mix.values())
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with httpx.AsyncClient(base_url=t.base, timeout=t.timeout, limits=limits) as client:
        if think:  # staff do not all start in the same instant
            await asyncio.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < deadline:
            await act(t, client, person, rng.choices(kinds, weights)[0])
            if think:
                pause = rng.uniform(*think)
                if time.monotonic() + pause >= deadline:
                    break
                await asyncio.sleep(pause)


class Probe(threading.Thread):
    """Opens /login on a fresh connection once a second and keeps the worst latency."""

    def __init__(self, base: str, *, timeout: float) -> None:
        super().__init__(daemon=True, name="login-probe")
        self.base, self.timeout = base, timeout
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.status: Counter[int] = Counter()
        self.failed = 0

    def run(self) -> None:
        """Probe until stopped; a probe slower than a second delays the next one."""
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                response = httpx.get(self.base + "/login", timeout=self.timeout)
                self.status[response.status_code] += 1
            except httpx.HTTPError:
                self.failed += 1
            took = time.perf_counter() - t0
            self.latencies.append(took)
            self.stop.wait(max(0.0, 1.0 - took))

    def summary(self) -> dict[str, Any]:
        """Probes sent, answered, failed, 5xx, and the worst latency (a failure counts in full)."""
        answered = sum(self.status.values())
        return {"sent": answered + self.failed, "answered": answered, "failed": self.failed,
                "status_5xx": sum(n for s, n in self.status.items() if s >= 500),
                "worst_ms": round(max(self.latencies, default=math.nan) * 1000, 1),
                "p50_ms": round(percentile(self.latencies, 50) * 1000, 1)}


async def run_phase(base: str, scenario: Scenario, *, clients: int, seconds: float,
                    think: tuple[float, float] | None, timeout: float, rng_seed: int,
                    claims: Contested, slots: Contested) -> dict[str, Any]:
    """Run `clients` simulated staff for `seconds` with a /login probe; return the figures."""
    rng = random.Random(rng_seed)
    t = Traffic(base=base, scenario=scenario, timeout=timeout, rng=rng, claims=claims, slots=slots)
    people = [scenario.staff[n % len(scenario.staff)] for n in range(clients)]
    probe = Probe(base, timeout=timeout)
    probe.start()
    started, cpu0 = time.monotonic(), time.process_time()
    deadline = started + seconds
    loops = [asyncio.create_task(staff_loop(t, p, deadline=deadline, think=think,
                                            rng=random.Random(rng.random()))) for p in people]
    try:
        # Bounded twice: every request has its timeout, and the phase as a whole a ceiling.
        _done, pending = await asyncio.wait(loops, timeout=seconds + 2 * timeout + 30)
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*loops, return_exceptions=True):
            if isinstance(outcome, Exception):
                raise outcome
    finally:
        probe.stop.set()
        await asyncio.to_thread(probe.join, timeout + 5)
    figures = summarize(t, probe, clients=clients, seconds=seconds, think=think,
                        elapsed=time.monotonic() - started)
    # The load generator shares the machine with the server: its own CPU time, for the record.
    figures["client_cpu_s"] = round(time.process_time() - cpu0, 1)
    return figures


def summarize(t: Traffic, probe: Probe, *, clients: int, seconds: float,
              think: tuple[float, float] | None, elapsed: float) -> dict[str, Any]:
    """Per-phase figures: rate, percentiles per kind, 5xx, failures, unexpected answers."""
    kinds: dict[str, Any] = {}
    for kind, s in t.stats.items():
        answered = len(s.latencies)
        if not answered and not s.failures:
            continue
        expected = EXPECTED.get(kind, {200})
        kinds[kind] = {
            "requests": answered + sum(s.failures.values()),
            "p50_ms": round(percentile(s.latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(s.latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(s.latencies, 99) * 1000, 1),
            "max_ms": round(max(s.latencies, default=math.nan) * 1000, 1),
            "status": {str(k): v for k, v in sorted(s.status.items())},
            "status_5xx": sum(n for code, n in s.status.items() if code >= 500),
            "status_503": s.status.get(503, 0),
            "unexpected_4xx": sum(n for code, n in s.status.items() if 400 <= code < 500
                                  and code not in expected),
            "failed": sum(s.failures.values()),
            "failures": dict(s.failures),
        }
    answered = sum(len(s.latencies) for s in t.stats.values())
    span = max(t.last - t.first, 1e-9) if answered else elapsed
    return {
        "clients": clients, "seconds": seconds, "think_s": list(think) if think else None,
        "elapsed_s": round(elapsed, 1),
        "requests": sum(k["requests"] for k in kinds.values()),
        "rps": round(answered / span, 1),
        "status_5xx": sum(k["status_5xx"] for k in kinds.values()),
        # The server's own "busy, retry after" answer; counted in status_5xx all the same.
        "status_503": sum(k["status_503"] for k in kinds.values()),
        "failed": sum(k["failed"] for k in kinds.values()),
        "unexpected_4xx": sum(k["unexpected_4xx"] for k in kinds.values()),
        "kinds": kinds,
        "bookings": {"won": t.stats["book"].status.get(201, 0),
                     "lost_race": t.stats["book"].status.get(409, 0)},
        "ran_dry": dict(t.ran_dry),
        "probe": probe.summary(),
    }
