"""`lcc-apr pdf-timestamps FOLDER`: HR's job keeping signed PDFs provable (PAdES B-LTA).

Every signed PDF under FOLDER whose newest timestamp's TSA certificate expires within
--days days, or that has no trusted time at all (printed while the timestamp authority
was down or before one was set up), gets the CA's current certificates and CRL in its DSS
and an archive document timestamp. The timestamp authority and the CRL are those the
store fetched from the server at its last sync (`--tsa URL` uses another TSA). Files are
replaced whole; a file that fails is left as it was. Run it, say, monthly.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any, open_store: Any) -> None:
    """Register the command (nothing heavy is imported: the window starts from the same
    parser)."""
    p = sub.add_parser(
        "pdf-timestamps",
        help="HR: add archive timestamps (PAdES B-LTA) to the signed PDFs in a folder",
    )
    p.add_argument("folder", type=Path, metavar="FOLDER", help="searched with its subfolders")
    p.add_argument(
        "--days",
        type=int,
        help="refresh when the last timestamp's TSA certificate expires within this many "
        "days (default 90, an HR setting)",
    )
    p.add_argument("--tsa", metavar="URL", help="the timestamp authority (default: the server's)")
    p.add_argument("--list", action="store_true", help="print each file and what was done")
    p.set_defaults(func=lambda args: cmd_pdf_timestamps(args, open_store))


def cmd_pdf_timestamps(args: argparse.Namespace, open_store: Any) -> int:
    from lcc_apr.pdf.timestamps import (
        DEFAULT_REFRESH_DAYS,
        ValidationMaterial,
        refresh_folder,
        timestamper_for,
    )
    from lcc_apr.signing.trust import load_trust

    days = DEFAULT_REFRESH_DAYS if args.days is None else args.days

    if not args.folder.is_dir():
        print("lcc-apr: FOLDER must be an existing folder.", file=sys.stderr)
        return EXIT_USAGE
    if days < 0:
        print("lcc-apr: --days cannot be negative.", file=sys.stderr)
        return EXIT_USAGE
    with open_store(args) as store, store.session() as session:
        trust = load_trust(session)
    url = args.tsa or trust.timestamp_url()
    stamper = timestamper_for(url)
    if stamper is None:
        print(
            "lcc-apr: no timestamp authority: the server names none (ask IT to set "
            "timestamp_authority_url) and no --tsa was given. Nothing was changed.",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    roots = trust.authorities + trust.timestamp_roots
    material = ValidationMaterial(roots, (trust.crl,) if trust.crl else ())
    done = refresh_folder(args.folder, stamper, material, within_days=days)
    if args.list:
        for item in done:
            where = item.path.relative_to(args.folder) if item.path else "?"
            print(f"{where}\t{item.outcome}\t{item.detail}")
    counts = Counter(item.outcome for item in done)
    print(
        f"{len(done):,} PDF(s): {counts['timestamped']:,} timestamped, "
        f"{counts['not due']:,} not due, {counts['unsigned']:,} unsigned, "
        f"{counts['failed']:,} failed."
    )
    return EXIT_PROBLEM if counts["failed"] else EXIT_OK
