"""The review store in ``polbot serve``, as real processes: off, nothing is written; on, two
servers writing to one PostgreSQL give one report; a store that cannot be opened stops the
start with one line and exit status 2."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest

from polbot.paths import PROJECT_ROOT
from postgres_support import PostgresServer
from server_support import POLBOT, clean_environ, polbot_serve, post_json

pytestmark = pytest.mark.slow
pytest.importorskip("deduce", reason="the review extra is not installed")

_databases = itertools.count()
# Asked of both servers: outside the handbook (fallbacks), each with something personal.
UNANSWERED = (
    "Waar vraag ik een parkeervergunning aan? Ik ben Jan de Vries",
    "Hoe verleng ik mijn paspoort, mail jan.devries@gmail.com",
    "Wanneer wordt de groene container geleegd in 3011 AB?",
)
ANSWERED = "Wat is polarisatie?"


def config(folder: Path, enabled: bool, database_url: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "polbot.yaml"
    review = f"review:\n  enabled: {str(enabled).lower()}\n"
    if database_url:
        review += f"  database_url: {database_url}\n"
    path.write_text(f"knowledge_dir: {PROJECT_ROOT / 'knowledge'}\n{review}", encoding="utf-8")
    return path


def session(url: str) -> None:
    chat = url + "/api/chat"
    for question in UNANSWERED:
        assert post_json(chat, {"text": question})[0] == 200
    status, body = post_json(chat, {"text": ANSWERED})
    assert status == 200 and body["replies"][0]["kind"] == "answer"
    assert post_json(chat, {"payload": "fnd:definitie"})[0] == 200
    assert post_json(chat, {"payload": "fyd:definitie"})[0] == 200


def test_with_review_off_a_served_session_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    path = config(folder, enabled=False)
    with polbot_serve(tmp_path, POLBOT_CONFIG=str(path)) as server:
        session(server.url)
        assert server.stop() == 0
    assert sorted(p.name for p in folder.iterdir()) == ["polbot.yaml"], "no review.db"
    assert "polbot.review" not in server.output()


def test_two_servers_on_one_postgresql_give_one_report(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    database_url = postgres.create_database(f"serve_{os.getpid()}_{next(_databases)}")
    path = config(tmp_path / "config", enabled=True, database_url=database_url)
    with (
        polbot_serve(tmp_path, POLBOT_CONFIG=str(path)) as one,
        polbot_serve(tmp_path, POLBOT_CONFIG=str(path)) as two,
    ):
        session(one.url)
        session(two.url)
        # Stopping writes what is queued: the store is closed at shutdown.
        assert one.stop() == 0 and two.stop() == 0
    for server in (one, two):
        assert "Jan" not in server.output() and "gmail" not in server.output()

    result = subprocess.run(
        [str(POLBOT), "review", "--config", str(path), "--format", "json", "--since", "7d"],
        capture_output=True,
        text=True,
        env=clean_environ(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["questions"] == 2 * len(UNANSWERED)
    assert all(group["count"] == 2 for group in report["groups"]), report["groups"]
    assert len(report["groups"]) == len(UNANSWERED)
    (feedback,) = report["feedback"]
    assert (feedback["page"], feedback["helpful"], feedback["unhelpful"]) == ("definitie", 2, 2)
    assert "Jan" not in result.stdout and "gmail" not in result.stdout


def test_a_review_store_that_cannot_be_opened_stops_the_start(tmp_path: Path) -> None:
    path = config(tmp_path, enabled=True, database_url="postgresql://polbot@127.0.0.1:1/none")
    result = subprocess.run(
        [str(POLBOT), "serve"],
        capture_output=True,
        text=True,
        env=clean_environ(POLBOT_CONFIG=str(path), POLBOT_PORT="0"),
        timeout=120,
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("polbot serve: review database"), line
    assert "Traceback" not in result.stdout + result.stderr
