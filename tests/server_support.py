"""Helpers for the server tests: the real assistant, and ``polbot serve`` as a subprocess."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from polbot.dialogue import Assistant
from polbot.knowledge import KnowledgeBase, load_knowledge
from polbot.paths import PROJECT_ROOT
from polbot.runtime.assembly import Assembly
from polbot.server.config import Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"
POLBOT = Path(sys.executable).with_name("polbot")


@functools.cache
def real_parts() -> tuple[KnowledgeBase, Assistant]:
    """The bundled knowledge base and the real assistant over the real engine (built once)."""
    parts = Assembly(load_knowledge(KNOWLEDGE))
    return parts.kb, parts.assistant


def knowledge_copy(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge base in ``tmp_path``, to edit under a running process."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    return folder


def with_summary(folder: Path, page_id: str, summary: str) -> None:
    """Replace the summary of ``page_id`` in its file, as an editor would."""
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        match = re.search(
            rf"- id: {page_id}\n(?:.*\n)*?    summary: (?:>-?\n(?:      .*\n)+|.*\n)", text
        )
        if match:
            head = match[0][: match[0].index("    summary:")]
            path.write_text(
                text.replace(match[0], f"{head}    summary: {summary}\n"), encoding="utf-8"
            )
            return
    raise AssertionError(f"no page {page_id}")


def without_a_title(folder: Path) -> str:
    """Break the page "definitie": its ``title`` key misspelt, as an editor might; the name
    of the file that now does not load."""
    path = folder / "home.yaml"  # the page lives in the home menu's file
    good = path.read_text(encoding="utf-8")
    broken = good.replace("title: Definitie polarisatie", "titel: Definitie polarisatie", 1)
    assert broken != good
    path.write_text(broken, encoding="utf-8")
    return path.name


def settings(**overrides: object) -> Settings:
    """Default settings on the bundled knowledge base, with ``overrides``."""
    return Settings(knowledge_dir=KNOWLEDGE, **overrides)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any ``POLBOT_`` or platform settings, plus ``extra``."""
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POLBOT_", "TELEGRAM_", "CONNECTIONS__"))
    }
    return {**keep, "NO_PROXY": "127.0.0.1,localhost", **extra}


def post_json(url: str, body: object) -> tuple[int, dict]:
    """POST ``body`` as JSON without any proxy; the status and the decoded answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class Server:
    """A running ``polbot serve``: its base URL, its process and its captured output."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log
        self.started_in = 0.0

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def polbot_serve(tmp_path: Path, **env: str) -> Iterator[Server]:
    """Run ``polbot serve`` on a free loopback port (``--port``, which wins over a
    ``POLBOT_PORT`` in ``env``) until /healthz answers; stop it after.

    Without a ``POLBOT_SHUTDOWN_DRAIN`` in ``env`` there is no drain: the 2 s a balancer
    needs to notice a 503 from /readyz, which no test of this helper waits for."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    environ = {**clean_environ(POLBOT_HOST="127.0.0.1", POLBOT_SHUTDOWN_DRAIN="0"), **env}
    start = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(POLBOT), "serve", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environ,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_healthy(server)
        server.started_in = time.perf_counter() - start
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_healthy(server: Server, timeout: float = 60) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"polbot serve exited early:\n{server.output()}")
        try:
            with opener.open(server.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"polbot serve not healthy within {timeout} s:\n{server.output()}")


async def wait_ready(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    """Until ``url/readyz`` answers 200 (30 s at most); a server that exits or never gets
    ready fails the test with its log."""
    async with aiohttp.ClientSession(trust_env=False) as http:
        for _ in range(300):
            assert process.returncode is None, log.read_text("utf-8")
            try:
                async with http.get(url + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(log.read_text("utf-8"))


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.x response from a raw connection: its status, headers and body."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed without a response")
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return int(status_line.split()[1]), headers, body
