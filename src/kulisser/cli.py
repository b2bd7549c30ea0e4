"""Command line: kulisser serve | migrate | demo | user | token (create, list, revoke) | unit | worker |
check | import-dictations | import-results | codes import | stats rebuild."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kulisser.coding import codes_cli
from kulisser.i18n import _
from kulisser.stats import cli as stats_cli

if TYPE_CHECKING:
    from kulisser.config import Settings
    from kulisser.db import Database


def _settings() -> Settings:
    """The settings from the environment, or exit with what is wrong in them (never a traceback)."""
    from pydantic import ValidationError

    from kulisser.config import ConfigError, get_settings
    from kulisser.i18n import _

    try:
        return get_settings()
    except ValidationError as exc:
        # One line per bad setting, named as the operator sets it (KULISSER_<NAME>).
        lines = [_("{name}: {problem}", problem=error["msg"],
                   name="KULISSER_" + "_".join(str(part) for part in error["loc"]).upper())
                 for error in exc.errors()]
        sys.exit("\n  ".join([_("kulisser: felaktig inställning, inget har startats:"), *lines]))
    except (ConfigError, ValueError) as exc:
        sys.exit(f"kulisser: {exc}")


def _packages() -> None:
    """Load the installed packages: every table, kind, job task and subscriber registers."""
    from kulisser.packages import setup

    setup()


def _database() -> Database:
    from kulisser.db import Database
    from kulisser.jobs import runner

    settings = _settings()
    runner.configure(jobs=settings.jobs, database_url=settings.database_url)
    return Database(settings.database_url, **settings.pool_options)


# uvicorn's access log would write query strings (searches hold personnummer); Kulisser logs
# method, path, status and time itself (logger "kulisser.access").
_LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"kulisser": {"handlers": ["out"], "level": "INFO"},
                "uvicorn": {"handlers": ["out"], "level": "INFO"}},
}


def cmd_migrate(_args: argparse.Namespace) -> None:
    """Migrate the database to the newest schema."""
    from kulisser import migrate

    db = _database()
    migrate.upgrade(db.engine)
    print(_("Databasen är migrerad till senaste version."))


def cmd_serve(args: argparse.Namespace) -> None:
    """Serve the web application with uvicorn."""
    import uvicorn

    settings = _settings()
    trusted = trusted_proxies(settings)
    uvicorn.run("kulisser.app:create_app", factory=True, host=args.host or settings.host,
                port=args.port or settings.port, log_level="info", workers=args.workers,
                access_log=False, log_config=_LOG_CONFIG, proxy_headers=bool(trusted),
                forwarded_allow_ips=trusted or None)


def trusted_proxies(settings: Settings) -> list[str]:
    """uvicorn's --forwarded-allow-ips: KULISSER_TRUSTED_PROXIES, so both trust the same hops."""
    # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS)
    # while client_ip() believed nobody; one list decides for both, and none turns
    # uvicorn's proxy headers off.
    return [str(network) for network in settings.trusted_proxies]


def cmd_demo(args: argparse.Namespace) -> None:
    """Migrate, seed demo data, print the logins and serve."""
    os.environ.setdefault("KULISSER_MODE", "demo")
    from kulisser import demo, migrate

    settings = _settings()
    if settings.mode != "demo":
        sys.exit("kulisser demo: KULISSER_MODE must be 'demo' (demo accounts have known passwords).")
    db = _database()
    migrate.upgrade(db.engine)
    with db.session() as session:
        result = demo.seed(session)  # loads the installed packages and runs their demo seeding
    print("\nKulisser demo" + (" (nya demodata skapade)" if result.created else ""))
    print(_("  Öppna http://{host}:{value}/ och logga in som:", host=settings.host,
            value=args.port or settings.port))
    for username, password, role in result.logins:
        print(f"    {username:<14} {password:<16} ({role})")
    print()
    if args.no_serve:
        return
    from kulisser import demo_oidc

    provider = None if args.no_oidc else demo_oidc.for_demo(settings, port=args.port or settings.port)
    try:
        cmd_serve(args)
    finally:
        if provider is not None:
            provider.stop()


def cmd_user_add(args: argparse.Namespace) -> None:
    """Create a user in one or more units (by HSA-id); the password is asked for."""
    from kulisser.staff import service as staff
    from kulisser.staff.models import CareUnit

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass(
        _("Lösenord: "))
    db = _database()
    with db.session() as session:
        unit_ids = []
        for hsa in args.unit:
            unit = session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa))
            if unit is None:
                sys.exit(_("kulisser: okänd vårdenhet {hsa} (skapa den med 'kulisser unit add').", hsa=hsa))
            unit_ids.append(unit.id)
        try:
            user = staff.create_user(session, username=args.username, full_name=args.name,
                                     role=args.role, password=password, unit_ids=unit_ids,
                                     hsa_id=args.hsa_id)
        except staff.StaffError as exc:
            sys.exit(f"kulisser: {exc.message}")
        print(_("Användaren {username} ({role}) är skapad.", username=user.username, role=user.role))


def cmd_unit_add(args: argparse.Namespace) -> None:
    """Create a care unit."""
    from kulisser.staff import service as staff

    db = _database()
    with db.session() as session:
        try:
            unit = staff.create_unit(session, hsa_id=args.hsa_id, name=args.name,
                                     address=args.address.strip(), phone=args.phone.strip())
        except staff.StaffError as exc:
            sys.exit(f"kulisser: {exc.message}")
        print(_("Vårdenheten {name} ({hsa_id}) är skapad.", name=unit.name, hsa_id=unit.hsa_id))


def cmd_token_create(args: argparse.Namespace) -> None:
    """Create an API bearer token for a user and print it once."""
    from kulisser.staff import service as staff
    from kulisser.staff.models import User

    db = _database()
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            sys.exit(_("kulisser: okänd användare."))
        print(staff.create_api_token(session, user=user, label=args.label))


def _when(moment: datetime | None) -> str:
    """A stored UTC time as Swedish wall-clock time for the listing; '-' when never."""
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")


def cmd_token_list(args: argparse.Namespace) -> None:
    """List API tokens (all, or a user's) with their unit, creation, last use and revocation."""
    from kulisser.staff import service as staff

    db = _database()
    with db.session() as session:
        rows = staff.list_api_tokens(session, username=args.username)
    print(f"{'id':>5}  {_('användare'):<16} {'enhet':<20} {'skapad':<16}  {_('senast använd'):<16}  "
          f"{_('återkallad'):<16}  etikett")
    for row in rows:
        print(f"{row.id:>5}  {row.username:<16} {row.unit_hsa_id:<20} {_when(row.created_at):<16}  "
              f"{_when(row.last_used_at):<16}  {_when(row.revoked_at):<16}  {row.label}")
    if not rows:
        print(_("Inga API-nycklar."))


def cmd_token_revoke(args: argparse.Namespace) -> None:
    """Revoke one API token by id, or every token of a user (--user)."""
    from kulisser.staff import service as staff
    from kulisser.staff.models import User

    db = _database()
    with db.session() as session:
        if args.user is not None:
            user = session.scalar(select(User).where(User.username == args.user.strip().lower()))
            if user is None:
                sys.exit(_("kulisser: okänd användare."))
            count = staff.revoke_user_tokens(session, user_id=user.id)
            print(_("{count} API-nycklar för {username} är återkallade.", count=count,
                    username=user.username))
            return
        try:
            staff.revoke_api_token(session, token_id=args.token_id)
        except staff.StaffError as exc:
            sys.exit(f"kulisser: {exc.message}")
        print(_("API-nyckel {token_id} är återkallad.", token_id=args.token_id))


def cmd_worker(args: argparse.Namespace) -> None:
    """Run background jobs from the database until interrupted."""
    from kulisser.jobs import runner

    # Settings first: a bad one stops the worker here, before it takes any job.
    settings = _settings()
    _packages()
    db = _database()
    print(_("Kulisser worker {worker_name} kör jobb (Ctrl-C avslutar).", worker_name=runner.worker_name()))
    if settings.jobs == "procrastinate":
        from kulisser.jobs import pgqueue

        # Procrastinate handles SIGINT/SIGTERM itself: the current job finishes first.
        pgqueue.run_worker(settings, burst=args.burst, name=runner.worker_name())
        return
    try:
        count = runner.work(db, settings=settings, burst=args.burst,
                            lease_seconds=settings.job_lease_seconds)
    except KeyboardInterrupt:
        return
    print(_("{count} jobb körda.", count=count))


def cmd_check(args: argparse.Namespace) -> None:
    """Check every domain: open records without an open item, open items of closed records."""
    from tqdm import tqdm

    from kulisser.worklist import invariants
    from kulisser.worklist.kinds import all_kinds

    db = _database()
    _packages()  # every kind registers with its check
    # One step per kind: the bar shows which domain is being checked on a large database.
    with db.session() as session, tqdm(total=len(all_kinds()), unit="typ",
                                       disable=args.quiet) as bar:
        def step(spec: object) -> None:
            bar.set_postfix_str(getattr(spec, "label", ""))
            bar.update()

        report = invariants.run(session, progress=step)
    print(report.summary())


def cmd_import_dictations(args: argparse.Namespace) -> None:
    """Import recordings from a folder drop (sidecar .json or file name pattern)."""
    from pathlib import Path

    from tqdm import tqdm

    from kulisser.dictation import importer
    from kulisser.dictation.storage import AudioStore

    settings = _settings()
    db = _database()
    _packages()  # every kind and task registers
    try:
        report = importer.import_folder(db, folder=Path(args.folder), username=args.as_user,
                                        unit_hsa=args.unit, store=AudioStore.from_settings(settings),
                                        progress=not args.quiet, echo=tqdm.write)
    except importer.ImportSetupError as exc:
        sys.exit(f"kulisser: {exc.message}")
    print(report.summary())
    if report.failed:
        sys.exit(1)


def cmd_import_results(args: argparse.Namespace) -> None:
    """Import results from a folder drop (.csv, .jsonl/.ndjson, FHIR .json)."""
    from pathlib import Path

    from tqdm import tqdm

    from kulisser.results import importer as results_importer

    db = _database()
    _packages()  # every kind and task registers
    try:
        report = results_importer.import_folder(db, folder=Path(args.folder), username=args.as_user,
                                                unit_hsa=args.unit, progress=not args.quiet,
                                                echo=tqdm.write)
    except results_importer.ImportSetupError as exc:
        sys.exit(f"kulisser: {exc.message}")
    print(report.summary())
    if report.failed or report.total().count("error"):
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="kulisser", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for name, fn in (("serve", cmd_serve), ("demo", cmd_demo)):
        s = sub.add_parser(name, help=fn.__doc__)
        s.add_argument("--host")
        s.add_argument("--port", type=int)
        s.add_argument("--workers", type=int, default=1)
        if name == "demo":
            s.add_argument("--no-serve", action="store_true", help="seed and exit")
            s.add_argument("--no-oidc", action="store_true",
                           help="do not start the demo's OpenID provider")
        s.set_defaults(fn=fn)
    sub.add_parser("migrate", help=cmd_migrate.__doc__).set_defaults(fn=cmd_migrate)
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_cmd", required=True)
    ua = user.add_parser("add", help=cmd_user_add.__doc__)
    ua.add_argument("username")
    ua.add_argument("--name", required=True)
    ua.add_argument("--role", required=True, choices=["secretary", "clinician", "manager", "admin",
                                                     "region_admin"])
    ua.add_argument("--unit", required=True, action="append", help="HSA-id (repeatable)")
    ua.add_argument("--hsa-id")
    ua.add_argument("--password-stdin", action="store_true")
    ua.set_defaults(fn=cmd_user_add)
    unit = sub.add_parser("unit", help="manage care units").add_subparsers(dest="unit_cmd", required=True)
    un = unit.add_parser("add", help=cmd_unit_add.__doc__)
    un.add_argument("hsa_id")
    un.add_argument("name")
    un.add_argument("--address", default="", help="postal address, printed in the letterhead")
    un.add_argument("--phone", default="", help="phone number, printed in letters and reminders")
    un.set_defaults(fn=cmd_unit_add)
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_cmd", required=True)
    tc = token.add_parser("create", help=cmd_token_create.__doc__)
    tc.add_argument("username")
    tc.add_argument("--label", default="")
    tc.set_defaults(fn=cmd_token_create)
    tl = token.add_parser("list", help=cmd_token_list.__doc__)
    tl.add_argument("username", nargs="?")
    tl.set_defaults(fn=cmd_token_list)
    tr = token.add_parser("revoke", help=cmd_token_revoke.__doc__)
    which = tr.add_mutually_exclusive_group(required=True)
    which.add_argument("token_id", type=int, nargs="?", help="the id shown by 'kulisser token list'")
    which.add_argument("--user", metavar="USERNAME", help="revoke all of this user's tokens")
    tr.set_defaults(fn=cmd_token_revoke)
    imp = sub.add_parser("import-dictations", help=cmd_import_dictations.__doc__,
                         description="Each file becomes a dictation in the unit's queue. Metadata: "
                         "<stem>.json with identifier, author (username or HSA-id), note_type, "
                         "priority; or the name <personnummer>_<author>_<notetype>[_<priority>].<ext>. "
                         "Unmatched files are imported for a secretary to match; files already "
                         "imported are skipped; exit status 1 if any file could not be imported.")
    imp.add_argument("folder", metavar="DIR")
    imp.add_argument("--as", dest="as_user", required=True, metavar="USERNAME",
                     help="the secretary or administrator the import acts as (audit log)")
    imp.add_argument("--unit", metavar="HSA-ID", help="the care unit (needed if the user has several)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(fn=cmd_import_dictations)
    ir = sub.add_parser("import-results", help=cmd_import_results.__doc__,
                        description="Results and referral replies from a folder: *.csv (columns in "
                        "the README), *.jsonl/*.ndjson (one result a line: the CSV columns as keys, "
                        "or a FHIR resource), *.json (a FHIR DiagnosticReport, Observation or "
                        "Bundle). Unmatched patients go to the unit's queue; results already "
                        "imported are skipped; exit status 1 if any row or file was not imported.")
    ir.add_argument("folder", metavar="DIR")
    ir.add_argument("--as", dest="as_user", required=True, metavar="USERNAME",
                    help="the user the import acts as (audit log, work items)")
    ir.add_argument("--unit", metavar="HSA-ID", help="the care unit (needed if the user has several)")
    ir.add_argument("--quiet", action="store_true", help="no progress bar")
    ir.set_defaults(fn=cmd_import_results)
    ch = sub.add_parser("check", help=cmd_check.__doc__)
    ch.add_argument("--quiet", action="store_true", help="no progress bar")
    ch.set_defaults(fn=cmd_check)
    w = sub.add_parser("worker", help=cmd_worker.__doc__)
    w.add_argument("--burst", action="store_true", help="exit when no job is due")
    w.set_defaults(fn=cmd_worker)
    codes_cli.add_parser(sub)  # the packages' own command groups: codes, stats
    stats_cli.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `kulisser` command."""
    args = build_parser().parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
