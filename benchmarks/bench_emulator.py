"""How fast the emulator answers, against the fastest a Python HTTP server answers here.

Run: ``python benchmarks/bench_emulator.py [--requests 3000] [--post] [--no-auth] [--pages N]``

Three figures, all in one process so they share the machine's state:

* the **ceiling**: a minimal stdlib ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, Nagle off) that
  returns a fixed body of the same size as the emulator's answer;
* the **emulator** over HTTP, answering signed DescribeClusterJobs requests (a status filter, 20
  jobs a page) with every check on;
* the **in-process** ``Emulator.handle`` rate for the same requests.

Every request is distinct, as an SDK's are (a fresh ``req_id`` each, so a fresh signature), so each
signature is checked afresh. The query itself repeats, as a polling client's does, and the emulator
keeps what repeats: the query read and parsed without its ``req_id`` and ``time_stamp`` (its frame),
and the page body per query and data version. With ``--pages N`` the requests cycle through N
offsets; above 1024 (both memos' size) every request is read and its page joined afresh.

One ``http.client`` connection drives each server; the two servers take turns, round by round, so
a slow moment of a shared machine hurts both. Targets: emulator >= 70% of the ceiling, in-process
>= 20x the emulator's HTTP rate.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from conformance.emulator import Emulator, serve
from conformance.exchange import Request

HTTP_TARGET = 0.70
IN_PROCESS_TARGET = 20.0
PARAMS = {
    "app": "app-tg3lbp0a",
    "zone": "pek3a",
    "status": ["successful", "failed"],
    "limit": 20,
    "version": 1,
}


class _NoDelayServer(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


@contextmanager
def ceiling_server(body: bytes) -> Iterator[int]:
    """The reference: the least a stdlib server can do per request, with the same body size."""

    class Fixed(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _NoDelayServer(("127.0.0.1", 0), Fixed)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class Requests:
    """Distinct signed requests, made before any clock starts (signing is the client's cost)."""

    def __init__(self, emulator: Emulator, method: str, pages: int) -> None:
        self._emulator, self._method, self._made, self._pages = emulator, method, 0, pages

    def take(self, count: int) -> list[Request]:
        start, self._made = self._made, self._made + count
        return [
            self._emulator.request(
                {**PARAMS, "offset": number % self._pages, "req_id": f"{number:032x}"},
                method=self._method,
            )
            for number in range(start, start + count)
        ]


class Client:
    """One keep-alive ``http.client`` connection; ``seconds(requests)`` times a batch over it."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def seconds(self, requests: list[Request]) -> float:
        """Wall time for the batch, each answer read whole and checked to be a success."""
        wires = [
            (request.method, request.path + ("?" + request.query if request.query else ""), request)
            for request in requests
        ]
        connection = self._connection
        started = time.perf_counter()
        for method, target, request in wires:
            connection.request(method, target, request.body or None, dict(request.headers))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or b'"ret_code":0' not in body:
                raise SystemExit(f"unexpected answer: HTTP {response.status} {body[:200]!r}")
        return time.perf_counter() - started

    def close(self) -> None:
        self._connection.close()


def in_process_seconds(handle: Callable[[Request], Any], requests: list[Request]) -> float:
    """Wall time for ``handle`` to answer each request once."""
    started = time.perf_counter()
    for request in requests:
        handle(request)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=3000, help="HTTP requests per server (3000)"
    )
    parser.add_argument("--chunk", type=int, default=100, help="requests per turn (100)")
    parser.add_argument("--post", action="store_true", help="POST a form body instead of GET")
    parser.add_argument("--no-auth", action="store_true", help="emulator without signature checks")
    parser.add_argument(
        "--pages", type=int, default=1, help="distinct offsets the requests cycle through (1)"
    )
    args = parser.parse_args()

    emulator = Emulator(credentials=None) if args.no_auth else Emulator()
    method = "POST" if args.post else "GET"
    requests = Requests(emulator, method, max(1, args.pages))
    answer = emulator.handle(requests.take(1)[0])
    if answer.json().get("ret_code") != 0:
        raise SystemExit(f"the benchmark request is refused: {answer.body[:200]!r}")
    chunk, turns = max(1, args.chunk), max(1, args.requests // max(1, args.chunk))
    local_chunk = 10 * chunk

    # The three take turns in small batches, so that a shared machine's load, which drifts over
    # seconds, falls on all of them alike; each turn yields its own ratios, and the medians are
    # reported (one stalled batch moves a median little).
    ceiling, served, local = [], [], []
    with ceiling_server(answer.body) as ceiling_port, serve(emulator) as url:
        emulator_port = urlsplit(url).port
        assert emulator_port is not None
        to_ceiling, to_emulator = Client(ceiling_port), Client(emulator_port)
        try:
            to_ceiling.seconds(requests.take(50))  # warm-up: connections, memos, caches
            to_emulator.seconds(requests.take(50))
            for _ in range(turns):
                ceiling.append(chunk / to_ceiling.seconds(requests.take(chunk)))
                served.append(chunk / to_emulator.seconds(requests.take(chunk)))
                batch = requests.take(local_chunk)
                local.append(local_chunk / in_process_seconds(emulator.handle, batch))
        finally:
            to_ceiling.close()
            to_emulator.close()
    http_ratio = statistics.median(s / c for s, c in zip(served, ceiling, strict=True))
    local_ratio = statistics.median(n / s for n, s in zip(local, served, strict=True))

    auth = "off" if args.no_auth else "on"
    print(f"requests: {method} {PARAMS} + a fresh req_id each, auth {auth}")
    print(f"pages: {args.pages} distinct offset(s), cycled")
    print(f"body: {len(answer.body)} bytes; {turns} turns of {chunk} HTTP requests per server")
    print(f"ceiling (stdlib server, fixed body): {statistics.median(ceiling):8.0f} req/s")
    print(f"emulator over HTTP:                  {statistics.median(served):8.0f} req/s")
    print(f"emulator in-process handle():        {statistics.median(local):8.0f} calls/s")
    verdict = _verdict(http_ratio >= HTTP_TARGET)
    print(f"emulator / ceiling:  {http_ratio:6.1%}  (target >= {HTTP_TARGET:.0%}) {verdict}")
    verdict = _verdict(local_ratio >= IN_PROCESS_TARGET)
    print(
        f"in-process / HTTP:   {local_ratio:6.1f}x (target >= {IN_PROCESS_TARGET:.0f}x) {verdict}"
    )
    print("(rates and ratios: medians over the turns)")
    return 0 if http_ratio >= HTTP_TARGET and local_ratio >= IN_PROCESS_TARGET else 1


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    raise SystemExit(main())
