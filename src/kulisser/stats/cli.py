"""``kulisser stats rebuild --from YYYY-MM-DD --to YYYY-MM-DD``: recompute the aggregate."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from kulisser.i18n import _


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value}: ange dagen som ÅÅÅÅ-MM-DD", value=repr(value))) from None


def cmd_rebuild(args: argparse.Namespace) -> None:
    """Recompute the daily figures of every unit for a range of days."""
    from tqdm import tqdm

    from kulisser.cli import _database, _packages
    from kulisser.db import utcnow
    from kulisser.i18n import _
    from kulisser.stats import aggregate, chain, person_days

    if args.to < args.from_:
        sys.exit(_("kulisser: --to ligger före --from."))
    db = _database()
    _packages()
    with db.session() as session:
        last = min(args.to, aggregate.local_day(utcnow()))
        units = aggregate.units(session)
        total = len(units) * ((last - args.from_).days + 1)
        with tqdm(total=max(total, 0), unit="dag", disable=args.quiet) as bar:
            written = aggregate.rebuild(session, first=args.from_, last=last, unit_ids=units,
                                        progress=bar.update)
            # The dictation chain's table too (not on the bar: it is the smaller of the two).
            written += chain.rebuild(session, first=args.from_, last=last, unit_ids=units)
            # And the team's per-person days (every unit in one scan of the history per month),
            # counted up to the job's watermark: the pages read the history after it live.
            written += person_days.rebuild(session, first=args.from_, last=last, unit_ids=units,
                                           now=person_days.watermark(session))
    print(_("{n} rader räknade för {u} enheter.", n=written, u=len(units)))


def add_commands(sub: Any) -> None:
    """Add ``stats rebuild`` to the ``kulisser`` command's subparsers."""
    stats = sub.add_parser("stats", help="the aggregate behind the overview").add_subparsers(
        dest="stats_cmd", required=True)
    rb = stats.add_parser("rebuild", help=cmd_rebuild.__doc__)
    rb.add_argument("--from", dest="from_", type=_date, required=True)
    rb.add_argument("--to", type=_date, required=True)
    rb.add_argument("--quiet", action="store_true", help="no progress bar")
    rb.set_defaults(fn=cmd_rebuild)
