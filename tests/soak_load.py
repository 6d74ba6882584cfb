"""The load of the soak test (``test_server_soak.py``), run as a process of its own.

    python tests/soak_load.py '{"url": ..., "service_url": ..., "secret": ..., "duration": 60,
                                "warm_up": 10, "slow_clients": 100, "pid": ...}'

Sends a steady mixed load to ``/api/chat``, ``/telegram/webhook`` and ``/api/messages`` and
keeps ``slow_clients`` connections busy sending a body a byte a second; prints one JSON object:
per endpoint the requests that succeeded and failed after the warm-up and their p99 latency,
and the server's resident memory at the end of the warm-up and at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp

from teams_support import activity

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
QUESTIONS = (
    "Wie moet ik trainen?",
    "Hoi, wat is polarisatie? Groet, Sanne",
    "Hoe laat vertrekt de trein naar Utrecht?",
    "Welke partners kan ik betrekken bij signalering?",
    "dank je wel",
)
# Requests per second per endpoint: Telegram's under its own limit of 30 messages a second
# (which the bot's rate limiter keeps to), spread over 50 chats, each under its one a second.
RATE = {"web": 40.0, "telegram": 25.0, "teams": 25.0}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def slow_client(host: str, port: int, stop: asyncio.Event) -> None:
    """A client that sends a request's headers, then its body a byte a second, and starts
    again whenever the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        try:
            writer.write(
                b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n{"
            )
            await writer.drain()
            while not stop.is_set() and not reader.at_eof():
                try:
                    await asyncio.wait_for(stop.wait(), 1.0)
                except TimeoutError:
                    writer.write(b" ")
                    await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def steady(
    send: Callable[[int], Awaitable[bool]], rate: float, stop: asyncio.Event
) -> list[tuple[float, float | None]]:
    """Requests at ``rate`` a second until ``stop``: (start, latency in ms or None)."""
    results: list[tuple[float, float | None]] = []
    pending: set[asyncio.Task] = set()

    async def one(number: int) -> None:
        start = time.monotonic()
        try:
            ok = await send(number)
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        results.append((start, (time.monotonic() - start) * 1000 if ok else None))

    for number in itertools.count():
        if stop.is_set():
            break
        task = asyncio.create_task(one(number))
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(1.0 / rate)
    await asyncio.gather(*pending)
    return results


async def main(options: dict) -> dict:
    url, service_url, pid = options["url"], options["service_url"], options["pid"]
    address = urlsplit(url)
    stop = asyncio.Event()
    slow = [
        asyncio.create_task(slow_client(address.hostname, address.port, stop))
        for _ in range(options["slow_clients"])
    ]
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(trust_env=False, timeout=timeout) as session:

        async def web(number: int) -> bool:
            body = {"text": QUESTIONS[number % len(QUESTIONS)]}
            async with session.post(url + "/api/chat", json=body) as response:
                return response.status == 200

        async def telegram(number: int) -> bool:
            chat = {"id": 5000 + number % 50, "type": "private"}
            user = {"id": chat["id"], "is_bot": False, "first_name": "Test"}
            message = {"message_id": number, "date": int(time.time()), "chat": chat, "from": user}
            update = {"update_id": number, "message": {**message, "text": "hoi"}}
            headers = {SECRET_HEADER: options["secret"]}
            async with session.post(
                url + "/telegram/webhook", json=update, headers=headers
            ) as response:
                return response.status == 200

        async def teams(number: int) -> bool:
            text = QUESTIONS[number % len(QUESTIONS)]
            body = activity(service_url, text=text, id=f"activity-{number}")
            async with session.post(url + "/api/messages", json=body) as response:
                return response.status in (200, 202)

        started = time.monotonic()
        loads = {
            name: asyncio.create_task(steady(send, RATE[name], stop))
            for name, send in (("web", web), ("telegram", telegram), ("teams", teams))
        }
        await asyncio.sleep(options["warm_up"])
        warm = rss_kib(pid)
        warmed = time.monotonic()
        await asyncio.sleep(max(0.0, options["duration"] - options["warm_up"]))
        end = rss_kib(pid)
        stop.set()
        results = {name: await task for name, task in loads.items()}
        elapsed = time.monotonic() - started
    await asyncio.gather(*slow, return_exceptions=True)

    def row(values: list[tuple[float, float | None]]) -> dict:
        after = [latency for start, latency in values if start >= warmed]
        ok = sorted(latency for latency in after if latency is not None)
        p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))] if ok else 0.0
        return {"ok": len(ok), "failed": len(after) - len(ok), "p99": p99}

    return {
        "elapsed": elapsed,
        "rss_warm": warm,
        "rss_end": end,
        "endpoints": {name: row(values) for name, values in results.items()},
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
