"""A load figure for operators: requests per second and latency of ``POST /api/chat``.

    .venv/bin/python scripts/loadtest.py [--url URL] [--duration 10] [--clients 1,16,64]

Without ``--url`` it starts ``polbot serve`` on a free loopback port with the bundled
knowledge base (only the web chat enabled) and stops it at the end; with ``--url`` it drives
a server that is already running (then the server's memory is not reported). Each round
keeps N clients busy, each sending its next question as soon as the last one is answered, a
mix of questions that are answered, sent to the helpdesk and smalltalk. It prints, per
round: requests per second, p50 and p99 latency, failures, and the server's resident memory
(RSS) and CPU seconds used during the round. The README's sizing advice comes from it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "Wie moet ik trainen?",
    "Hoi, wat is polarisatie? Groet, Sanne",
    "Er is veel onrust over windmolens, wat kunnen we preventief doen voordat het misgaat?",
    "Hoe laat vertrekt de trein naar Utrecht?",
    "Welke partners kan ik betrekken bij signalering?",
    "dank je wel",
    "Wat doet een aandachtsfunctionaris?",
    "hoe meet je of de aanpak werkt",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_figures(pid: int) -> tuple[float, float]:
    """The process's resident memory in MiB and the CPU seconds it has used."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss / 1024, (int(fields[11]) + int(fields[12])) / ticks


@contextlib.contextmanager
def server() -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "POLBOT_LOG_LEVEL": "WARNING",
        "POLBOT_CHANNELS__TELEGRAM__ENABLED": "false",
        "POLBOT_CHANNELS__TEAMS__ENABLED": "false",
    }
    polbot = Path(sys.executable).with_name("polbot")
    child = subprocess.Popen(
        [str(polbot), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("polbot serve did not start") from None
                time.sleep(0.1)
        yield url, child.pid
    finally:
        child.terminate()
        child.wait(timeout=30)


async def round_(url: str, clients: int, duration: float) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    stop = time.monotonic() + duration
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(offset: int) -> None:
            nonlocal failures
            n = offset
            while time.monotonic() < stop:
                body = {"text": QUESTIONS[n % len(QUESTIONS)]}
                n += 1
                start = time.perf_counter()
                try:
                    async with session.post(f"{url}/api/chat", json=body) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    failures += 1

        began = time.monotonic()
        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": p99,
        "failed": failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--clients", default="1,16,64", help="concurrent clients per round")
    args = parser.parse_args(argv)
    rounds = [int(n) for n in args.clients.split(",")]

    with contextlib.ExitStack() as stack:
        if args.url:
            url, pid = args.url.rstrip("/"), None
        else:
            url, pid = stack.enter_context(server())
        if pid is not None:
            rss, _ = proc_figures(pid)
            print(f"server started: RSS {rss:.0f} MiB")
        asyncio.run(round_(url, 4, 2.0))  # warm-up: caches, connections
        for clients in rounds:
            before = proc_figures(pid) if pid is not None else None
            row = asyncio.run(round_(url, clients, args.duration))
            line = (
                f"{clients:3d} clients: {row['rps']:7.1f} requests/s, p50 {row['p50']:6.1f} ms,"
                f" p99 {row['p99']:6.1f} ms, {row['failed']:.0f} failed"
            )
            if before is not None and pid is not None:
                rss, cpu = proc_figures(pid)
                line += f", RSS {rss:.0f} MiB, CPU {(cpu - before[1]) / args.duration:.2f} cores"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
