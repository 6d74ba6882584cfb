"""The review store on SQLite and on a real PostgreSQL server (``postgres_support``): what it
keeps, schema and retention, purge, database trouble, and two writer processes."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy

from polbot.knowledge import KnowledgeBase
from polbot.review import ReviewSettings, ReviewStoreError, open_recorder
from polbot.review.entry import ReviewEntry
from polbot.review.report import build_report
from polbot.review.schema import VERSION
from polbot.review.store import ReviewStore
from polbot.search.result import Candidate, SearchResult

pytest.importorskip("deduce", reason="the review extra is not installed")

DAY = date(2025, 3, 14)
FALLBACK = SearchResult("q", "fallback", None, 0.1, (Candidate("contact", 0.1),))
ALTERNATIVES = SearchResult(
    "q", "answer", "netwerken", 0.6, (Candidate("netwerken", 0.6), Candidate("contact", 0.3))
)
DIRECT = SearchResult("q", "answer", "netwerken", 0.9, (Candidate("netwerken", 0.9),), None, True)


def open_store(url: str, today: date = DAY, **settings: object) -> ReviewStore:
    config = ReviewSettings(enabled=True, database_url=url, **settings)  # type: ignore[arg-type]
    return ReviewStore.open(config, today=lambda: today)


def test_it_keeps_fallbacks_alternatives_and_feedback_de_identified(database_url: str) -> None:
    store = open_store(database_url)
    store.record_question(
        "Mijn naam is Jan de Vries, waar is de parkeervergunning?", FALLBACK, "web"
    )
    store.record_question("Hoe werkt een netwerk? Bel 06-12345678", ALTERNATIVES, "telegram")
    store.record_question("Wie zit in het netwerk?", DIRECT, "web")  # answered: not kept
    store.record_feedback("netwerken", True, "teams")
    store.record_feedback("contact", False, "web", offered=[Candidate("netwerken", 0.4)])
    assert store.flush()
    assert store.entries() == [
        ReviewEntry("fallback", "web", DAY, "Mijn naam is [PERSOON], waar is de parkeervergunning?",
                    (Candidate("contact", 0.1),)),
        ReviewEntry("alternatives", "telegram", DAY, "Hoe werkt een netwerk? Bel [TELEFOONNUMMER]",
                    ALTERNATIVES.candidates),
        ReviewEntry("thumbs-up", "teams", DAY, None, (), "netwerken"),
        ReviewEntry("thumbs-down", "web", DAY, None, (Candidate("netwerken", 0.4),), "contact"),
    ]  # fmt: skip
    store.close()


def test_the_schema_is_created_once_and_kept_on_reopening(database_url: str) -> None:
    first = open_store(database_url)
    first.record(ReviewEntry("thumbs-up", "web", DAY, page_id="contact"))
    first.close()
    second = open_store(database_url)
    assert second.count() == 1
    with second.engine.connect() as connection:
        versions = connection.execute(sqlalchemy.text("SELECT version FROM review_schema"))
        assert versions.scalars().all() == [VERSION]
    second.close()


def test_a_database_of_a_newer_polbot_is_refused(database_url: str) -> None:
    open_store(database_url).close()
    engine = sqlalchemy.create_engine(database_url.replace("postgresql:", "postgresql+psycopg:"))
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE review_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(ReviewStoreError, match="schema version 99, newer"):
        open_store(database_url)


def test_rows_past_retention_are_deleted_on_open_and_when_a_new_day_begins(
    database_url: str,
) -> None:
    store = open_store(database_url, retention_days=10)
    for age in (0, 9, 10, 11, 40):
        store.record(ReviewEntry("fallback", "web", DAY - timedelta(days=age), "Vraag?"))
    store.flush()
    store.close()
    clock = [DAY]
    settings = ReviewSettings(enabled=True, database_url=database_url, retention_days=10)
    reopened = ReviewStore.open(settings, today=lambda: clock[0])
    ages = sorted((DAY - e.day).days for e in reopened.entries())
    assert ages == [0, 9, 10]
    clock[0] = DAY + timedelta(days=5)  # the server runs on into a new day
    reopened.record_feedback("contact", True, "web")
    assert reopened.flush()
    assert sorted((e.day - DAY).days for e in reopened.entries()) == [0, 5]
    reopened.close()


def test_purge_deletes_everything(database_url: str) -> None:
    store = open_store(database_url)
    for _ in range(3):
        store.record(ReviewEntry("thumbs-down", "web", DAY, page_id="contact"))
    store.flush()
    assert store.purge() == 3
    assert store.entries() == []
    store.close()


def test_a_database_problem_is_one_warning_line_and_never_reaches_the_caller(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(database_url)
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP TABLE review_events"))
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        store.record_question("Mijn naam is Jan de Vries, waar parkeer ik?", FALLBACK, "web")
        assert store.flush()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["review events not written"]
    assert warnings[0].exc_info is None
    assert "Vries" not in caplog.text
    store.close()


def test_with_review_off_nothing_is_written(tmp_path: Path) -> None:
    database = tmp_path / "review.db"
    recorder = open_recorder(ReviewSettings(enabled=False, database_url=f"sqlite:///{database}"))
    recorder.record_question("Mijn naam is Jan de Vries", FALLBACK, "web")
    recorder.record_feedback("contact", False, "web")
    recorder.close()
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReviewStoreError, match=r"review database sqlite:///.*unable to open"):
        open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}")
    with pytest.raises(ReviewStoreError, match="mysql is not supported"):
        open_store("mysql://localhost/review")


WRITER = textwrap.dedent(
    """
    import sys
    from polbot.review import ReviewSettings
    from polbot.review.store import ReviewStore
    from polbot.search.result import Candidate, SearchResult

    url, channel = sys.argv[1], sys.argv[2]
    store = ReviewStore.open(ReviewSettings(enabled=True, database_url=url))
    result = SearchResult("q", "fallback", None, 0.1, (Candidate("contact", 0.1),))
    for number in range(20):
        store.record_question("Waar vraag ik een parkeervergunning aan?", result, channel)
        store.record_feedback("contact", number % 2 == 0, channel)
    store.close()
    """
)


@pytest.mark.slow  # two writer processes, each loading the de-identifier
def test_two_writer_processes_give_one_report(database_url: str, kb: KnowledgeBase) -> None:
    # Both start at once: the schema is created by one of them, the other waits for it.
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, database_url, channel])
        for channel in ("web", "telegram")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    store = ReviewStore.open(ReviewSettings(enabled=True, database_url=database_url), writer=False)
    report = build_report(store, date.today() - timedelta(days=1), kb)
    store.close()
    assert report.questions == 40
    assert [group.count for group in report.groups] == [40]
    assert [(f.page_id, f.helpful, f.unhelpful) for f in report.feedback] == [("contact", 20, 20)]
