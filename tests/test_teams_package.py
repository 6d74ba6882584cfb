"""``polbot teams-package`` writes the Teams app package: a manifest of a current schema
version with the bot id, the three scopes and the command menu, and the two icons."""

from __future__ import annotations

import datetime
import io
import json
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from polbot.channels.teams.icons import outline_icon
from polbot.channels.teams.package import build_package, manifest
from polbot.commands import main
from polbot.errors import TeamsPackageError
from polbot.vocabulary import TEAMS_APP_ID_ENV, TEAMS_MENU
from teams_support import APP_ID

PUBLIC_URL = "https://polbot.example.nl"
ENV = TEAMS_APP_ID_ENV


def _png_size(data: bytes) -> tuple[int, int, int]:
    """Width, height and colour type from a PNG's header."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def _run(tmp_path: Path, monkeypatch, *args: str) -> zipfile.ZipFile:
    monkeypatch.delenv("POLBOT_CONFIG", raising=False)
    monkeypatch.setenv("POLBOT_PUBLIC_URL", PUBLIC_URL)
    out = tmp_path / "polbot-teams.zip"
    assert main(["teams-package", "--out", str(out), *args]) == 0
    return zipfile.ZipFile(out)


@pytest.mark.parametrize(
    ("args", "env"), [(["--app-id", APP_ID], None), ([], APP_ID)], ids=["argument", "environment"]
)
def test_the_package_holds_a_manifest_with_the_bot_and_its_commands(
    tmp_path, monkeypatch, kb, args, env
) -> None:
    if env:
        monkeypatch.setenv(ENV, env)
    else:
        monkeypatch.delenv(ENV, raising=False)
    package = _run(tmp_path, monkeypatch, *args)
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    data = json.loads(package.read("manifest.json"))
    assert data["manifestVersion"] == "1.22"
    assert data["$schema"].endswith("/teams/v1.22/MicrosoftTeams.schema.json")
    assert data["id"] == APP_ID
    [bot] = data["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    [commands] = bot["commandLists"]
    assert sorted(commands["scopes"]) == ["groupChat", "personal", "team"]
    assert [command["title"] for command in commands["commands"]] == list(TEAMS_MENU)
    for command in commands["commands"]:
        assert command["description"] == kb.message(f"teams-command-{command['title']}")
    assert data["name"]["short"] == kb.message("teams-name-short")
    assert data["description"]["full"] == kb.message("teams-description-full")
    assert data["validDomains"] == ["polbot.example.nl"]
    assert data["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert _png_size(package.read("color.png")) == (192, 192, 6)
    assert _png_size(package.read("outline.png")) == (32, 32, 6)


def test_the_manifest_texts_fit_the_schemas_limits(kb) -> None:
    data = manifest(kb, APP_ID, PUBLIC_URL)
    assert len(data["name"]["short"]) <= 30
    assert len(data["name"]["full"]) <= 100
    assert len(data["description"]["short"]) <= 80
    assert len(data["description"]["full"]) <= 4000
    assert len(data["developer"]["name"]) <= 32
    for command in data["bots"][0]["commandLists"][0]["commands"]:
        assert len(command["title"]) <= 32
        assert len(command["description"]) <= 128
    assert len(data["bots"][0]["commandLists"][0]["commands"]) <= 10


def test_the_outline_icon_is_white_on_transparent() -> None:
    data = outline_icon()
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    pixels = {
        bytes(rows[row * (1 + 32 * 4) + 1 + col * 4 : row * (1 + 32 * 4) + 5 + col * 4])
        for row in range(32)
        for col in range(32)
    }
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_the_package_is_reproducible(kb, monkeypatch) -> None:
    now = build_package(kb, APP_ID, PUBLIC_URL)
    # No trace of when it was built: not in the zip entries' times...
    for entry in zipfile.ZipFile(io.BytesIO(now)).infolist():
        built = datetime.datetime(*entry.date_time)
        assert abs(built - datetime.datetime.now()) > datetime.timedelta(days=2), entry.filename
    # ...nor anywhere else: a build a year and a day later, by the clock that zipfile and
    # the time module read, is the same bytes.
    later = time.time() + 366 * 86400
    real_localtime, real_gmtime = time.localtime, time.gmtime
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "time_ns", lambda: int(later * 1e9))
    monkeypatch.setattr(time, "localtime", lambda secs=None: real_localtime(secs or later))
    monkeypatch.setattr(time, "gmtime", lambda secs=None: real_gmtime(secs or later))
    assert build_package(kb, APP_ID, PUBLIC_URL) == now


@pytest.mark.parametrize(
    ("app_id", "public_url", "problem"),
    [
        ("not-a-guid", PUBLIC_URL, "GUID"),
        (APP_ID, "http://polbot.example.nl", "https"),
        (APP_ID, "polbot.example.nl", "https"),
    ],
)
def test_a_bad_app_id_or_address_is_refused(kb, app_id, public_url, problem) -> None:
    with pytest.raises(TeamsPackageError, match=problem):
        manifest(kb, app_id, public_url)


def test_without_an_app_id_the_command_fails_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv("POLBOT_CONFIG", raising=False)
    out = tmp_path / "p.zip"
    assert main(["teams-package", "--out", str(out), "--public-url", PUBLIC_URL]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "app id" in err
    assert not out.exists()


def test_the_bot_id_and_address_come_from_the_configuration_file(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv("POLBOT_PUBLIC_URL", raising=False)
    config = tmp_path / "polbot.yaml"
    config.write_text(
        f"public_url: https://bot.gemeente.example\nchannels:\n  teams:\n    app_id: {APP_ID}\n",
        encoding="utf-8",
    )
    out = tmp_path / "package.zip"
    assert main(["teams-package", "--config", str(config), "--out", str(out)]) == 0
    data = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert data["bots"][0]["botId"] == APP_ID
    assert data["validDomains"] == ["bot.gemeente.example"]
