"""The hardening probes of issue 17, rerun against a real service: prints numbers, asserts nothing.

    .venv/bin/python bench/limits_probe.py [--connections 2000] [--body-mb 200]

1. Request bodies: the service's RSS before and after an unauthenticated 200 MB body and an authenticated 300 MB
   one (both refused before they are read: 401 and 413), and how long the refusal took.
2. WebSockets: ``--connections`` unauthenticated connections opened at once from this machine; how many were
   accepted and refused (the per-client cap), the RSS while they are held, how long until the service closed
   them (the authentication timeout), and the RSS after they are gone.
3. The malformed frame of the issue (``{"action":"authenticate","data":"x"}``): what the service answered, and
   whether the connection stayed open.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockbroker.harness import ServiceProcess  # noqa: E402

MB = 1024 * 1024


def rss(service: ServiceProcess) -> float:
    return psutil.Process(service.proc.pid).memory_info().rss / MB


def send_body(base_url: str, headers: dict, size: int) -> tuple[str, float]:
    """Stream ``size`` bytes of body; the status line the service answered, and the seconds until it did."""
    host, port = base_url.removeprefix("http://").split(":")
    head = "\r\n".join([f"POST /v2/orders HTTP/1.1", "Host: x", "Content-Type: application/json",
                        f"Content-Length: {size}"] + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n\r\n"
    start = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=60) as s:
        s.sendall(head.encode())
        chunk, sent = b" " * MB, 0
        s.setblocking(False)
        answer = b""
        while sent < size and not answer:
            try:
                sent += s.send(chunk[:min(MB, size - sent)])
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer = s.recv(4096)
            except BlockingIOError:
                pass
        s.setblocking(True)
        if not answer:
            answer = s.recv(4096)
    return answer.split(b"\r\n", 1)[0].decode() + f" (client had sent {sent / MB:.1f} MB)", time.perf_counter() - start


async def hold_websockets(url: str, count: int) -> dict:
    import websockets

    async def one():
        try:
            ws = await websockets.connect(url, open_timeout=30, max_queue=4)
        except Exception:  # noqa: BLE001 - the handshake itself failed
            return "handshake failed", None
        try:
            first = await asyncio.wait_for(ws.recv(), 30)
            text = first if isinstance(first, str) else first.decode(errors="replace")
            return ("refused (406)" if "connection limit exceeded" in text else "accepted, then timed out"), ws
        except Exception:  # noqa: BLE001
            return "closed", ws

    results = await asyncio.gather(*(one() for _ in range(count)))
    counts: dict[str, int] = {}
    for outcome, _ in results:
        counts[outcome] = counts.get(outcome, 0) + 1
    return {"counts": counts, "sockets": [ws for _, ws in results if ws is not None]}


async def wait_closed(sockets: list, limit_s: float) -> float:
    start = time.perf_counter()

    async def drain(ws):
        try:
            while True:
                await ws.recv()
        except Exception:  # noqa: BLE001 - closed by the service
            return

    await asyncio.wait_for(asyncio.gather(*(drain(ws) for ws in sockets)), limit_s)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--body-mb", type=int, default=200)
    args = ap.parse_args()
    with ServiceProcess(config={"symbols": ["ACME"], "accounts": [{"id": "alice"}], "seed": 1}) as service:
        account = requests.get(service.base_url + "/mock/accounts", timeout=10).json()[0]
        keys = {"APCA-API-KEY-ID": account["api_key_id"], "APCA-API-SECRET-KEY": account["api_secret_key"]}
        print(f"service RSS at start: {rss(service):.0f} MB")
        for label, headers, size in (("unauthenticated", {}, args.body_mb * MB),
                                     ("authenticated", keys, int(args.body_mb * 1.5) * MB)):
            answer, seconds = send_body(service.base_url, headers, size)
            print(f"{label} {size / MB:.0f} MB body: {answer} after {seconds * 1000:.0f} ms; "
                  f"service RSS {rss(service):.0f} MB")

        url = service.base_url.replace("http://", "ws://") + "/stream"

        async def websockets_probe(round_: int):
            before, start = rss(service), time.perf_counter()
            held = await hold_websockets(url, args.connections)
            peak = rss(service)
            await wait_closed(held["sockets"], 120)
            print(f"round {round_}: {args.connections} unauthenticated WebSockets: {held['counts']}; all closed by "
                  f"the service {time.perf_counter() - start:.1f} s after opening; service RSS {before:.0f} -> "
                  f"{peak:.0f} MB while held", end="")

        for round_ in (1, 2, 3):
            asyncio.run(websockets_probe(round_))
            time.sleep(1.0)  # let the service finish its clean-up before reading its memory
            print(f" -> {rss(service):.0f} MB after they closed; open connections it reports: "
                  f"{len(requests.get(service.base_url + '/mock/streams', timeout=10).json()['connections'])}")

        import websockets.sync.client as ws_client

        with ws_client.connect(url) as ws:
            ws.send('{"action":"authenticate","data":"x"}')
            print(f"malformed authenticate frame answered: {ws.recv(timeout=10)}")
            ws.send('{"action":"listen","data":{"streams":["trade_updates"]}}')
            print(f"the connection stays open; next answer: {ws.recv(timeout=10)}")


if __name__ == "__main__":
    main()
