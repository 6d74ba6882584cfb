"""``polbot review``: the content owner's report over the review store, or ``--purge``.

Thin: parse, load the configuration and the knowledge base, call the library; its errors
(:class:`polbot.errors.ReviewError`, a setup error) are exit status 2 with one line on
stderr, as for every command. The texts are the knowledge base's.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from polbot.commands import print_error
from polbot.commands.options import add_config_option
from polbot.knowledge import load_knowledge
from polbot.review.render import FORMATS, render
from polbot.review.settings import ReviewSettings
from polbot.server.config import load_settings

_COMMAND = "review"
_PERIOD = re.compile(r"^(\d{1,4})([dw])$")


def since_day(text: str, today: date | None = None) -> date:
    """``30d`` (days), ``8w`` (weeks) before today, or a date ``2025-01-31``."""
    today = today or date.today()
    match = _PERIOD.match(text.strip())
    if match:
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        return today - timedelta(days=days)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a period (30d, 8w) or a date (2025-01-31)"
        ) from None


def review_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot review``."""
    add_config_option(parser)
    parser.add_argument(
        "--since",
        type=since_day,
        default="30d",
        metavar="PERIOD",
        help="from how long ago: 30d, 8w or a date such as 2025-01-31 (default: 30d)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE, not stdout")
    parser.add_argument(
        "--purge", action="store_true", help="delete every stored question and rating"
    )


def review(args: argparse.Namespace) -> int:
    """Print (or write) the report, or purge the store."""
    settings = load_settings(args.config)
    kb = load_knowledge(settings.knowledge_dir)
    if not _has_store(settings.review):
        print(kb.message("review-disabled"), file=sys.stderr)
        return 0
    from polbot.review.report import build_report
    from polbot.review.store import ReviewStore

    store = ReviewStore.open(settings.review, writer=False)
    try:
        if args.purge:
            print(kb.message("review-purged", count=str(store.purge())))
            return 0
        report = build_report(store, args.since, kb)
    finally:
        store.close()
    output = render(report, kb, args.format)
    if args.out is None:
        sys.stdout.write(output)
        return 0
    try:
        args.out.write_text(output, encoding="utf-8")
    except OSError as exc:
        print_error(_COMMAND, f"{args.out}: {exc.strerror}")
        return 2
    print(kb.message("review-written", file=str(args.out)), file=sys.stderr)
    return 0


def _has_store(settings: ReviewSettings) -> bool:
    """Whether there is a store to read: review is on, or an SQLite file from when it was
    (a report never creates one)."""
    if settings.enabled:
        return True
    url = settings.database_url or ""
    prefix = "sqlite:///"
    return url.startswith(prefix) and Path(url[len(prefix) :]).exists()
