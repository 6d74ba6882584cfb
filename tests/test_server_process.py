"""``polbot serve`` as an operator runs it: a subprocess, its stdout, signals."""

from __future__ import annotations

import json
import resource
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

import pytest

import polbot
from server_support import POLBOT, clean_environ, free_port, polbot_serve, post_json, real_parts

pytestmark = pytest.mark.slow

# Distinctive texts a user might type; none may ever reach the log.
SECRET_TEXTS = (
    "Mevrouw Zwanenburg-Oostveen vraagt hoe zij moet trainen",
    "Xylofoonkwartet Hoogvliet signaleert spanningen",
    "06-98765432 belt over een buurtconflict",
    "qwertyzxcv-onbekend",
)


def json_lines(output: str) -> list[dict]:
    lines = [line for line in output.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_a_scripted_session_leaves_no_message_text_in_the_logs(tmp_path: Path) -> None:
    with polbot_serve(tmp_path, POLBOT_LOG_LEVEL="DEBUG", POLBOT_ACCESS_LOG="true") as server:
        chat = server.url + "/api/chat"
        assert post_json(chat, {"command": "start"})[0] == 200
        for text in SECRET_TEXTS:
            assert post_json(chat, {"text": text})[0] == 200
        assert post_json(chat, {"payload": "p:" + SECRET_TEXTS[3]})[0] == 200
        assert post_json(chat, {"payload": "t:signalering"})[0] == 200
        assert post_json(chat, {"text": SECRET_TEXTS[0], "user": SECRET_TEXTS[1]})[0] == 400
        assert post_json(chat, [SECRET_TEXTS[2]])[0] == 400
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(f"{server.url}/healthz?naam={SECRET_TEXTS[3]}", timeout=5).close()
        assert server.stop() == 0
    output = server.output()
    lines = json_lines(output)
    handled = [line for line in lines if line["event"] == "event handled"]
    assert len(handled) == 2 + len(SECRET_TEXTS) + 1
    assert {line["event_type"] for line in handled} == {"command", "text", "button"}
    assert sum(line["event"] == "invalid input" for line in lines) == 2
    assert any(line.get("path") == "/healthz" for line in lines), "access log is on"
    for text in SECRET_TEXTS:
        for fragment in (text, *text.split()[1:3]):
            assert fragment not in output
    assert "127.0.0.1 [" not in output, "no client addresses either"


def test_malformed_http_is_one_warning_line_each_and_no_error(tmp_path: Path) -> None:
    """aiohttp logs a header line too long, or a body that is not the gzip it claims, at ERROR
    (and the broken body twice): bad client input, which is one warning line."""
    with polbot_serve(tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        requests = (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
            b"Content-Type: application/json\r\nContent-Length: 15\r\n\r\n"
            b'{"text": "hoi"}',
        )
        statuses = []
        for raw in requests:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(raw)
                statuses.append(client.recv(65536).split(b" ", 2)[1])
        assert server.stop() == 0
    assert statuses == [b"400", b"400"]
    lines = json_lines(server.output())
    assert [line["level"] for line in lines if line["level"] not in ("info", "debug")] == [
        "warning",
        "warning",
    ]
    assert "Traceback" not in server.output()


# polbot serve itself, plus one route whose handler takes ?s= seconds (default SLOW): the
# real assistant answers in milliseconds, too fast to be caught in flight.
SLOW = 2.0
SLOW_SERVER = f"""
import asyncio, sys
from aiohttp import web
import polbot.server.app
from polbot.commands import main

async def slow(request):
    seconds = float(request.query.get("s", {SLOW}))
    await asyncio.sleep(seconds)
    return web.json_response({{"slept": seconds}})

def create_app(settings, create=polbot.server.app.create_app):
    app = create(settings)
    app.router.add_get("/slow", slow)
    return app

polbot.server.app.create_app = create_app
sys.exit(main(["serve"]))
"""


@contextmanager
def slow_server(tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """``polbot serve`` with ``GET /slow``: the process, its port and its log."""
    port = free_port()
    log = tmp_path / "slow.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_SERVER],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=clean_environ(POLBOT_HOST="127.0.0.1", POLBOT_PORT=str(port), **env),
        )
    try:
        wait_for_port(port, process)
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def get(port: int, path: str) -> int:
    """The status of ``GET path`` on a new connection."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start_slow_request(port: int, seconds: float = SLOW) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=15)
    client.sendall(
        f"GET /slow?s={seconds} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    return client


def answer_of(client: socket.socket) -> bytes:
    answer = b""
    while chunk := client.recv(65536):
        answer += chunk
    client.close()
    return answer


def test_sigterm_turns_readyz_503_first_then_stops_accepting_and_lets_requests_finish(
    tmp_path: Path,
) -> None:
    """/readyz answered 200 until the port closed, so a balancer kept sending until then."""
    drain = 1.0
    with slow_server(tmp_path, POLBOT_SHUTDOWN_DRAIN=str(drain)) as (process, port, log):
        assert get(port, "/readyz") == 200
        client = start_slow_request(port)
        time.sleep(0.5)  # the handler is asleep: the request is in flight
        sent_at = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert get(port, "/readyz") == 503, "not ready at once"
        assert get(port, "/healthz") == 200, "and still serving while the balancer notices"
        time.sleep(drain)
        assert process.poll() is None, "the server waits for the request"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        answer = answer_of(client)
        assert answer.startswith(b"HTTP/1.1 200 OK"), answer
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"slept": SLOW}
        assert process.wait(timeout=15) == 0
        assert time.perf_counter() - sent_at < SLOW + 5, "and then it stops promptly"
    events = [line["event"] for line in json_lines(log.read_text("utf-8"))]
    assert events[-2:] == ["stopping", "stopped"]


def test_requests_in_flight_get_shutdown_timeout_and_no_longer(tmp_path: Path) -> None:
    env = {"POLBOT_SHUTDOWN_DRAIN": "0", "POLBOT_SHUTDOWN_TIMEOUT": "1"}
    with slow_server(tmp_path, **env) as (process, port, log):
        client = start_slow_request(port, seconds=60)
        time.sleep(0.5)
        sent_at = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.perf_counter() - sent_at < 1 + 3
        client.close()
    assert [line for line in json_lines(log.read_text("utf-8")) if line["level"] == "error"] == []


def test_sighup_reloads_and_cuts_no_request(tmp_path: Path) -> None:
    """SIGHUP ended the process at once, cutting every request in flight; now it reloads
    the knowledge base while the request is answered."""
    with slow_server(tmp_path, POLBOT_SHUTDOWN_DRAIN="0") as (process, port, log):
        client = start_slow_request(port)
        time.sleep(0.5)
        process.send_signal(signal.SIGHUP)
        answer = answer_of(client)
        assert answer.startswith(b"HTTP/1.1 200 OK"), answer
        assert process.poll() is None
        assert get(port, "/readyz") == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    lines = json_lines(log.read_text("utf-8"))
    assert [line["event"] for line in lines if line["level"] != "info"] == []
    events = [line["event"] for line in lines]
    assert events.index("reloading") < events.index("knowledge reloaded")


def test_slow_clients_beyond_the_open_file_limit_starve_nobody_and_log_no_error(
    tmp_path: Path,
) -> None:
    """At ``ulimit -n 256``, 300 clients sending a byte now and then took every file descriptor:
    normal requests went unanswered and every failed accept logged an error line."""
    files, slow_clients = 128, 150

    def limit_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    port = free_port()
    log = tmp_path / "ulimit.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(POLBOT), "serve"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=clean_environ(
                POLBOT_HOST="127.0.0.1", POLBOT_PORT=str(port), POLBOT_SHUTDOWN_DRAIN="0"
            ),
            preexec_fn=limit_open_files,
        )
    slow: list[socket.socket] = []
    try:
        wait_for_port(port, process)
        for n in range(slow_clients):
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            if n % 2:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            else:
                client.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{")
            slow.append(client)
        for _ in range(10):
            started = time.perf_counter()
            assert post_json(f"http://127.0.0.1:{port}/api/chat", {"command": "start"})[0] == 200
            assert time.perf_counter() - started < 2
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        # Promptly, not after shutdown_timeout (10 s) for bodies that cannot arrive any more.
        assert time.perf_counter() - stopping < 4
    finally:
        for client in slow:
            client.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = json_lines(log.read_text("utf-8"))
    assert [line for line in lines if line["level"] == "error"] == []
    assert sum(line["level"] == "warning" for line in lines) <= 2 + slow_clients


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited early"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not listen")


def test_start_up_is_logged_and_quick(tmp_path: Path) -> None:
    with polbot_serve(tmp_path) as server:
        status, _ = post_json(server.url + "/api/chat", {"command": "start"})
        assert status == 200
        assert server.stop() == 0
    listening = next(line for line in json_lines(server.output()) if line["event"] == "listening")
    assert listening["port"] == int(server.url.rsplit(":", 1)[1])
    # What an operator checks first: which release, how much of the handbook, which channels.
    assert listening["version"] == polbot.__version__
    assert listening["pages"] == len(real_parts()[0].pages)
    assert listening["channels"] == ["web"]
    # Generous bound for a shared 2-core machine; the report gives the measured figure.
    assert server.started_in < 20


def test_kubernetes_service_links_in_the_environment_do_not_stop_the_server(
    tmp_path: Path,
) -> None:
    """Issue 15's crash loop: a Service named polbot puts these into every pod."""
    links = {
        "POLBOT_PORT": "tcp://10.0.0.1:8080",
        "POLBOT_SERVICE_HOST": "10.0.0.1",
        "POLBOT_SERVICE_PORT": "8080",
        "POLBOT_PORT_8080_TCP": "tcp://10.0.0.1:8080",
        "POLBOT_PORT_8080_TCP_ADDR": "10.0.0.1",
        "POLBOT_UNKNOWN_THING": "1",
    }
    with polbot_serve(tmp_path, **links) as server:
        status, _ = post_json(server.url + "/api/chat", {"command": "start"})
        assert status == 200
        assert server.stop() == 0
    lines = json_lines(server.output())
    ignored = [line for line in lines if line["event"] == "environment variable ignored"]
    assert [(line["level"], line["variable"]) for line in ignored] == [
        ("info", "POLBOT_PORT"),
        ("warning", "POLBOT_UNKNOWN_THING"),
    ]
    assert [line for line in lines if line["level"] == "error"] == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"POLBOT_KNOWLEDGE_DIR": "/nonexistent/knowledge"}, "/nonexistent/knowledge"),
        ({"POLBOT_PORT": "http"}, "environment variable POLBOT_PORT: port:"),
        ({"POLBOT_CHANNELS__TELEGRAM__BOT_TOKEN": "123:abc"}, "TELEGRAM_BOT_TOKEN"),
        (
            {"POLBOT_CHANNELS__TELEGRAM__ENABLED": "true", "TELEGRAM_BOT_TOKEN": "123:abc"},
            "channels.telegram: TELEGRAM_WEBHOOK_SECRET must be set",
        ),
        ({"POLBOT_CHANNELS__TEAMS__ENABLED": "true"}, "channels.teams: no app id"),
    ],
)
def test_a_bad_setup_exits_2_with_a_message_and_no_traceback(
    env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [str(POLBOT), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=clean_environ(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "123:abc" not in result.stderr + result.stdout


def test_a_port_in_use_exits_1_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(POLBOT), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=clean_environ(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"polbot serve: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.count("\n") == 1
    assert "listening" not in result.stdout


def test_polbot_version_prints_the_release() -> None:
    result = subprocess.run(
        [str(POLBOT), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert (result.returncode, result.stdout) == (0, f"polbot {polbot.__version__}\n")


def http_get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_metrics_port_serves_metrics_apart_from_the_public_port(tmp_path: Path) -> None:
    port = free_port()
    with polbot_serve(tmp_path, POLBOT_METRICS__PORT=str(port)) as server:
        assert http_get(server.url + "/metrics")[0] == 404
        status, text = http_get(f"http://127.0.0.1:{port}/metrics")
        assert server.stop() == 0
    assert status == 200
    assert f'polbot_build_info{{version="{polbot.__version__}"}} 1.0' in text
    assert "process_resident_memory_bytes" in text
    listening = next(line for line in json_lines(server.output()) if line["event"] == "listening")
    assert listening["metrics_port"] == port


@pytest.mark.parametrize("clash", ["in use", "same as port"])
def test_a_metrics_port_that_cannot_be_had_exits_2_with_one_line(clash: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1] if clash == "in use" else free_port()
        main_port = free_port() if clash == "in use" else port
        result = subprocess.run(
            [str(POLBOT), "serve", "--host", "127.0.0.1"],
            env=clean_environ(POLBOT_PORT=str(main_port), POLBOT_METRICS__PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.startswith("polbot serve: ")
    assert "metrics.port: " in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout
