"""Hostile HTTP servers on 127.0.0.1: the ways a real staging endpoint, or what stands in front of it,
goes wrong.

    with hostile("drip", after=3, drip_interval=0.5) as server:
        ...  # point a target at server.url; server.requests counts what arrived

For its first ``after`` requests a server answers exactly as the emulator does (an in-process
``Emulator()``, which checks signatures with the demo key pair); from request ``after + 1`` on it
misbehaves as its behaviour says (``BEHAVIOURS``, each described in its ``_answer_…`` function).
Every request is counted and kept in ``received``, the misbehaving ones too.

Nothing here waits unbounded: a held connection ends when the server closes (or after ``HOLD``
seconds), a handler's reads and writes time out after ``_Handler.timeout``, and closing the server
shuts every open connection down and waits (boundedly) for the handler threads to end. No DNS, no
traffic beyond 127.0.0.1: a redirect names another host but nothing ever contacts it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conformance import codes
from conformance.emulator import Emulator
from conformance.exchange import Request, Response

BEHAVIOURS: tuple[str, ...] = (
    "hang",
    "drip",
    "headers-then-stall",
    "html",
    "html500",
    "redirect",
    "gzip",
    "chunked",
    "huge",
    "truncated",
    "outage",
    "quota",
    "busy",
    "echo",
)

#: The longest a connection is held without an answer when the server is not closed first.
HOLD = 30.0
#: What ``huge`` announces and streams (unless the client goes away first, as it should).
HUGE = 200 * 1024 * 1024
#: The other host a ``redirect`` points to; it is never contacted.
ELSEWHERE = "http://other.example/iaas/"
#: The Content-Length ``headers-then-stall`` announces.
STALLED_LENGTH = 1000
#: A request body larger than this is not read (ours are a few kilobytes).
MAX_REQUEST_BODY = 64 * 1024

NGINX = (
    b"<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n"
    b"<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully "
    b"installed and working. Further configuration is required.</p>\n"
    b"<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n"
)


class HostileServer(ThreadingHTTPServer):
    """A server that answers as the emulator for ``after`` requests, then as ``behaviour`` says."""

    daemon_threads = True

    def __init__(
        self,
        behaviour: str,
        *,
        after: int = 0,
        drip_interval: float = 2.0,
        faults: tuple[str, ...] = (),
    ) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"no hostile behaviour {behaviour!r}: choose one of {BEHAVIOURS}")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ValueError(f"after must be a whole number of requests, 0 or more, not {after!r}")
        if not drip_interval > 0:
            raise ValueError(f"drip_interval must be positive seconds, not {drip_interval!r}")
        self.behaviour = behaviour
        self.after = after
        self.drip_interval = drip_interval
        self.emulator = Emulator(faults=list(faults))
        self.received: list[Request] = []
        #: When each request arrived (``time.monotonic``), in the order of ``received``.
        self.arrived: list[float] = []
        #: The most body bytes one ``huge`` answer got into the socket before its client left.
        self.streamed = 0
        #: Set when the server closes: every held or dripping connection lets go.
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._active = 0
        self._idle = threading.Condition(self._lock)
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would look the host name up; nothing here may use DNS.
        socketserver.TCPServer.server_bind(self)

    @property
    def url(self) -> str:
        """The endpoint: ``http://127.0.0.1:PORT/iaas/``."""
        return f"http://127.0.0.1:{self.server_address[1]}/iaas/"

    @property
    def requests(self) -> int:
        """How many HTTP requests arrived so far, answered or not."""
        with self._lock:
            return len(self.received)

    @property
    def handling(self) -> int:
        """How many connections a handler thread is serving right now."""
        with self._lock:
            return self._active

    def admit(self, request: Request) -> int:
        """Record ``request``; its number, counting from 1."""
        with self._lock:
            self.received.append(request)
            self.arrived.append(time.monotonic())
            return len(self.received)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        # Head and body go out in separate writes; without this each costs a delayed ACK (40 ms).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._open.add(connection)
        return connection, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._active += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._active -= 1
                self._idle.notify_all()

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening, let go of every held connection and wait (up to 5 s) for the handlers."""
        self.closing.set()
        super().server_close()
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._idle.wait_for(lambda: self._active == 0, timeout=5.0)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gives up on a hostile server is the expected case, not news


@contextlib.contextmanager
def hostile(
    behaviour: str, *, after: int = 0, drip_interval: float = 2.0, faults: tuple[str, ...] = ()
) -> Iterator[HostileServer]:
    """A running ``HostileServer`` on 127.0.0.1 port 0, closed (connections and all) on exit;
    ``faults`` are the emulator's, for the answers before the hostile ones."""
    server = HostileServer(behaviour, after=after, drip_interval=drip_interval, faults=faults)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5.0)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"
    sys_version = ""
    timeout = 3  # every read and write on the connection: a handler thread never lingers long
    server: HostileServer

    def do_GET(self) -> None:
        declared = self.headers.get("Content-Length") or "0"
        length = int(declared) if declared.strip().isdigit() else 0
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            return
        body = self.rfile.read(length)
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, body, dict(self.headers.items()))
        number = self.server.admit(request)
        if number <= self.server.after:
            self._send(self._emulated(request))
        else:
            _ANSWERS[self.server.behaviour](self, request)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _emulated(self, request: Request) -> Response:
        kind = request.headers.get("Content-Type")
        seen = Request(
            request.method,
            request.path,
            request.query,
            request.body,
            {"Content-Type": kind} if kind else {},
        )
        return self.server.emulator.handle(seen)

    def _head(self, status: int, headers: Any) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _send(self, response: Response, *extra: tuple[str, str]) -> None:
        length = ("Content-Length", str(len(response.body)))
        self._head(response.status, (*response.headers, *extra, length))
        self.wfile.write(response.body)

    def _hold(self) -> None:
        """Keep the connection open, saying nothing, until the server closes."""
        self.close_connection = True
        self.server.closing.wait(HOLD)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests assert on what the server saw, not on its log


def _raw_parameters(request: Request) -> str:
    """The parameters as they came, signature included: the query, or the form body of a POST."""
    raw = request.query or request.body.decode("latin-1")
    return raw.replace("\r", "").replace("\n", "")  # never a header injection of our own making


def _json(status: int, document: dict[str, Any]) -> Response:
    return Response(status, json.dumps(document, separators=(",", ":")).encode())


def _answer_hang(handler: _Handler, request: Request) -> None:
    """Reads the request and never answers; the connection stays open until the server closes."""
    handler._hold()


def _answer_drip(handler: _Handler, request: Request) -> None:
    """A 200 head with the emulator's Content-Length, then its body one byte per ``drip_interval``."""
    response = handler._emulated(request)
    handler.close_connection = True
    handler._head(200, (*response.headers, ("Content-Length", str(len(response.body)))))
    for index in range(len(response.body)):
        if handler.server.closing.wait(handler.server.drip_interval):
            return
        try:
            handler.wfile.write(response.body[index : index + 1])
        except OSError:
            return  # the client gave up, as it should


def _answer_headers_then_stall(handler: _Handler, request: Request) -> None:
    """The status line and headers (``Content-Length: 1000``), then nothing until the server closes."""
    handler._head(
        200, (("Content-Type", "application/json"), ("Content-Length", str(STALLED_LENGTH)))
    )
    handler._hold()


def _answer_html(handler: _Handler, request: Request) -> None:
    """HTTP 200 with nginx's welcome page, as a proxy in front of nothing answers."""
    handler._send(Response(200, NGINX, (("Content-Type", "text/html"),)))


def _answer_html500(handler: _Handler, request: Request) -> None:
    """HTTP 500 with nginx's welcome page."""
    handler._send(Response(500, NGINX, (("Content-Type", "text/html"),)))


def _answer_redirect(handler: _Handler, request: Request) -> None:
    """HTTP 302 to another host, carrying the request's parameters (signature included) along."""
    location = f"{ELSEWHERE}?{_raw_parameters(request)}"
    handler._send(Response(302, b"", (("Location", location),)))


def _answer_gzip(handler: _Handler, request: Request) -> None:
    """The emulator's answer gzip-compressed, with ``Content-Encoding: gzip``, unasked."""
    response = handler._emulated(request)
    packed = Response(response.status, gzip.compress(response.body), response.headers)
    handler._send(packed, ("Content-Encoding", "gzip"))


def _answer_chunked(handler: _Handler, request: Request) -> None:
    """The emulator's answer with ``Transfer-Encoding: chunked``, in four chunks."""
    response = handler._emulated(request)
    handler._head(response.status, (*response.headers, ("Transfer-Encoding", "chunked")))
    body = response.body
    step = max(1, -(-len(body) // 4))
    framed = b"".join(
        b"%x\r\n%s\r\n" % (len(body[start : start + step]), body[start : start + step])
        for start in range(0, len(body), step)
    )
    handler.wfile.write(framed + b"0\r\n\r\n")


def _answer_huge(handler: _Handler, request: Request) -> None:
    """HTTP 200 JSON announcing 200 MB and streaming a JSON-looking body until the client leaves."""
    handler.close_connection = True
    handler._head(200, (("Content-Type", "application/json"), ("Content-Length", str(HUGE))))
    head = b'{"action":"DescribeClusterJobsResponse","ret_code":0,"job_set":['
    job = b'{"job_id":"j-00000000","status":"successful"},'
    block = job * (65536 // len(job))
    sent = 0
    try:
        handler.wfile.write(head)
        sent = len(head)
        while sent < HUGE and not handler.server.closing.is_set():  # at most HUGE / 64 KiB turns
            piece = block[: HUGE - sent]
            handler.wfile.write(piece)
            sent += len(piece)
            handler.server.streamed = max(handler.server.streamed, sent)
    except OSError:
        return  # the client went away (or stopped reading for a handler timeout): stop streaming


def _answer_truncated(handler: _Handler, request: Request) -> None:
    """The emulator's answer with its true Content-Length, but only the first half, then a close."""
    response = handler._emulated(request)
    handler.close_connection = True
    handler._head(response.status, (*response.headers, ("Content-Length", str(len(response.body)))))
    handler.wfile.write(response.body[: len(response.body) // 2])


def _answer_outage(handler: _Handler, request: Request) -> None:
    """Every request from then on is read, counted, and dropped: the connection closes unanswered."""
    handler.close_connection = True


def _answer_quota(handler: _Handler, request: Request) -> None:
    """HTTP 200 with ``ret_code`` 2500: the request quota is used up."""
    detail = "quota exceeded: the quota of 2000 API requests per hour is used up"
    handler._send(_json(200, codes.error_body(codes.QUOTA_EXCEEDED, detail)))


def _answer_busy(handler: _Handler, request: Request) -> None:
    """HTTP 200 with ``ret_code`` 5100, ServerBusy."""
    handler._send(_json(200, codes.error_body(codes.SERVER_BUSY, "try again later")))


def _answer_echo(handler: _Handler, request: Request) -> None:
    """The emulator's answer, echoing the raw parameters in ``X-Request-Echo``, ``Location`` and a
    top-level ``"request"`` field of the JSON body (which stays valid JSON)."""
    response = handler._emulated(request)
    raw = _raw_parameters(request)
    body = response.body
    with contextlib.suppress(ValueError):
        document = json.loads(body)
        if isinstance(document, dict):
            document["request"] = raw
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    echoed = Response(response.status, body, response.headers)
    handler._send(echoed, ("X-Request-Echo", raw), ("Location", f"{handler.server.url}?{raw}"))


_ANSWERS: dict[str, Callable[[_Handler, Request], None]] = {
    "hang": _answer_hang,
    "drip": _answer_drip,
    "headers-then-stall": _answer_headers_then_stall,
    "html": _answer_html,
    "html500": _answer_html500,
    "redirect": _answer_redirect,
    "gzip": _answer_gzip,
    "chunked": _answer_chunked,
    "huge": _answer_huge,
    "truncated": _answer_truncated,
    "outage": _answer_outage,
    "quota": _answer_quota,
    "busy": _answer_busy,
    "echo": _answer_echo,
}
assert tuple(_ANSWERS) == BEHAVIOURS
