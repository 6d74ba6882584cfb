"""A scripted session of 50 questions full of names, e-mail addresses, phone numbers,
postcodes and IBANs, recorded as the server records them: neither the database nor the
log holds any of it, and ``polbot review --format json`` groups what was asked."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy

from polbot.commands import main
from polbot.knowledge import KnowledgeBase
from polbot.paths import PROJECT_ROOT
from polbot.review import ReviewSettings, open_recorder
from polbot.review.store import ReviewStore
from polbot.search import Engine
from review_support import TOPICS, leaks, record_session, session

pytest.importorskip("deduce", reason="the review extra is not installed")


def stored_text(store: ReviewStore, database_url: str) -> str:
    """Everything the database holds, as text: every row of every table (and for SQLite
    the file's bytes, free pages and journal included)."""
    parts = []
    with store.engine.connect() as connection:
        for table in sqlalchemy.inspect(connection).get_table_names():
            rows = connection.execute(sqlalchemy.text(f"SELECT * FROM {table}")).all()
            parts += [repr(tuple(row)) for row in rows]
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):
            parts.append(file.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def config_file(tmp_path: Path, database_url: str, enabled: bool = True) -> Path:
    path = tmp_path / "polbot.yaml"
    path.write_text(
        f"knowledge_dir: {PROJECT_ROOT / 'knowledge'}\n"
        f"review:\n  enabled: {str(enabled).lower()}\n  database_url: {database_url}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def test_a_session_full_of_personal_data_stores_none_of_it(
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    store = ReviewStore.open(ReviewSettings(enabled=True, database_url=database_url))
    worth = record_session(store, engine, channels=("web", "telegram", "teams"))
    assert store.flush()
    assert worth >= 45  # nearly every one is a fallback: what the store is for
    assert store.count() >= worth - 5  # a few may be dropped as not cleanable, no more
    stored = stored_text(store, database_url)
    store.close()
    secrets = [secret for _, values in session() for secret in values]
    assert [(s, leaks(s, stored)) for s in secrets if leaks(s, stored)] == []
    logged = caplog.text + capsys.readouterr().out
    assert [(s, leaks(s, logged)) for s in secrets if leaks(s, logged)] == []

    # The report over that session: one group per topic, each "not in the handbook".
    config = config_file(tmp_path, database_url)
    assert main(["review", "--config", str(config), "--format", "json", "--since", "7d"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == store.count() or report["questions"] >= worth - 5
    assert len(report["groups"]) == len(TOPICS)
    assert all(group["count"] >= 4 for group in report["groups"])
    for group in report["groups"]:
        assert group["suggestion"]["kind"] in ("add-example", "not-in-handbook")
        assert group["suggestion"]["text"].startswith("Advies:")
        assert group["pages"], "the pages the engine suggested"
    kinds = [group["suggestion"]["kind"] for group in report["groups"]]
    assert kinds.count("not-in-handbook") >= len(TOPICS) - 2

    assert main(["review", "--config", str(config), "--purge"]) == 0
    assert "verwijderd" in capsys.readouterr().out
    store = ReviewStore.open(ReviewSettings(enabled=True, database_url=database_url), writer=False)
    assert store.count() == 0
    store.close()


def test_with_review_off_a_session_writes_nothing(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "review.db"
    database.parent.mkdir()
    recorder = open_recorder(ReviewSettings(enabled=False, database_url=f"sqlite:///{database}"))
    record_session(recorder, engine)
    recorder.close()
    config = config_file(tmp_path, f"sqlite:///{database}", enabled=False)
    assert main(["review", "--config", str(config)]) == 0
    assert "staat uit" in capsys.readouterr().err
    assert list(database.parent.iterdir()) == []
