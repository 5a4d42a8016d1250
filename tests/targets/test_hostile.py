"""The hostile servers themselves: each behaviour does what its docstring says, on the wire."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest

from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS
from conformance.exchange import Request, Response
from conformance.targets.base import Target
from tests.hostile import BEHAVIOURS, ELSEWHERE, HUGE, STALLED_LENGTH, HostileServer, hostile

APP = {"app": "app-tg3lbp0a", "limit": 1}


class _Capture(Target):
    """Keeps the request a Client built and signed, sends nothing."""

    name = "capture"
    credentials = DEMO_CREDENTIALS

    def send(self, request: Request) -> Response:
        self.request = request
        return Response(200, b"{}")


def signed_query() -> str:
    """A query the emulator accepts: signed with the demo key pair, stamped now."""
    capture = _Capture()
    Client(capture).call(APP)
    return capture.request.query


@contextmanager
def connection(server: HostileServer, timeout: float = 2.0) -> Iterator[http.client.HTTPConnection]:
    with closing(http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout)) as c:
        yield c


def get(client: http.client.HTTPConnection, query: str | None = None) -> http.client.HTTPResponse:
    client.request("GET", "/iaas/?" + (signed_query() if query is None else query))
    return client.getresponse()


def test_it_answers_as_the_emulator_for_the_first_requests_then_misbehaves() -> None:
    with hostile("html", after=2) as server, connection(server) as client:
        first = json.loads(get(client).read())
        second = json.loads(get(client).read())
        third = get(client)
        assert (first["ret_code"], second["ret_code"]) == (0, 0)
        assert (third.status, third.getheader("Content-Type")) == (200, "text/html")
        assert b"Welcome to nginx!" in third.read()
        assert server.requests == 3
        assert all(request.path == "/iaas/" for request in server.received)


def test_the_emulated_answers_check_signatures() -> None:
    with hostile("html", after=1) as server, connection(server) as client:
        answer = json.loads(get(client, "action=DescribeClusterJobs&zone=pek3a").read())
    assert answer["ret_code"] != 0


def test_hang_reads_the_request_and_never_answers() -> None:
    with (
        hostile("hang") as server,
        socket.create_connection(("127.0.0.1", server.server_address[1])) as raw,
    ):
        raw.sendall(b"GET /iaas/?" + signed_query().encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.settimeout(0.3)
        with pytest.raises(TimeoutError):
            raw.recv(1)
        assert server.requests == 1


def test_closing_the_server_lets_go_of_a_held_connection_at_once() -> None:
    with socket.socket() as raw:
        with hostile("hang") as server:
            raw.connect(server.server_address)
            raw.sendall(b"GET /iaas/ HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + 2
            while not server.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            started = time.monotonic()
        # A bound, not a speed claim: a server that did not let go would wait out its close
        # timeout (5 s) with the handler still holding (for HOLD, 30 s); letting go takes
        # milliseconds.
        assert time.monotonic() - started < 1.0
        assert server.handling == 0
        raw.settimeout(1)
        assert raw.recv(1) == b""


def test_drip_sends_a_head_then_one_byte_per_interval() -> None:
    with hostile("drip", drip_interval=0.05) as server, connection(server) as client:
        answer = get(client)
        assert answer.status == 200
        assert int(answer.getheader("Content-Length") or 0) > 10
        started = time.monotonic()
        assert len(answer.read(3)) == 3
        # A lower bound (two intervals between three bytes): a busy host only makes it longer.
        assert time.monotonic() - started >= 0.1


def test_headers_then_stall_announces_a_body_and_sends_none() -> None:
    with hostile("headers-then-stall") as server, connection(server, timeout=0.3) as client:
        answer = get(client)
        assert answer.getheader("Content-Length") == str(STALLED_LENGTH)
        with pytest.raises(TimeoutError):
            answer.read(1)


@pytest.mark.parametrize(("behaviour", "status"), [("html", 200), ("html500", 500)])
def test_html_answers_nginx_welcome_page(behaviour: str, status: int) -> None:
    with hostile(behaviour) as server, connection(server) as client:
        answer = get(client)
        assert (answer.status, answer.getheader("Content-Type")) == (status, "text/html")
        assert b"<title>Welcome to nginx!</title>" in answer.read()


def test_redirect_points_elsewhere_with_the_signed_query() -> None:
    query = signed_query()
    with hostile("redirect") as server, connection(server) as client:
        answer = get(client, query)
        assert answer.status == 302
        assert answer.getheader("Location") == f"{ELSEWHERE}?{query}"
        assert "signature=" in query


def test_gzip_compresses_the_emulators_answer_unasked() -> None:
    with hostile("gzip") as server, connection(server) as client:
        answer = get(client)
        assert answer.getheader("Content-Encoding") == "gzip"
        assert json.loads(gzip.decompress(answer.read()))["ret_code"] == 0


def test_chunked_sends_the_emulators_answer_in_several_chunks() -> None:
    with (
        hostile("chunked") as server,
        socket.create_connection(("127.0.0.1", server.server_address[1])) as raw,
    ):
        raw.settimeout(2)
        raw.sendall(b"GET /iaas/?" + signed_query().encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        wire = b""
        for _ in range(100):  # until the last chunk, which the server sends at once
            if wire.endswith(b"\r\n0\r\n\r\n"):
                break
            wire += raw.recv(65536)
    head, _, framed = wire.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    chunks = []
    while framed:
        size, _, rest = framed.partition(b"\r\n")
        chunks.append(rest[: int(size, 16)])
        framed = rest[int(size, 16) + 2 :]
    assert len(chunks) >= 3
    assert json.loads(b"".join(chunks))["ret_code"] == 0


def test_huge_announces_200_mb_and_stops_streaming_when_the_client_leaves() -> None:
    with hostile("huge") as server:
        with connection(server) as client:
            answer = get(client)
            assert answer.getheader("Content-Length") == str(HUGE)
            assert answer.read(100).startswith(b'{"action":"DescribeClusterJobsResponse"')
        deadline = time.monotonic() + 4  # a write fails at once, or after the handler's timeout
        while server.handling and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.handling == 0


def test_truncated_sends_half_the_body_it_announces_then_closes() -> None:
    with hostile("truncated") as server, connection(server) as client:
        answer = get(client)
        length = int(answer.getheader("Content-Length") or 0)
        with pytest.raises(http.client.IncompleteRead) as raised:
            answer.read()
    assert len(raised.value.partial) == length // 2


def test_outage_drops_every_request_from_then_on() -> None:
    with hostile("outage", after=1) as server:
        with connection(server) as client:
            assert json.loads(get(client).read())["ret_code"] == 0
            with pytest.raises(http.client.RemoteDisconnected):
                get(client)
        with connection(server) as client, pytest.raises(http.client.RemoteDisconnected):
            get(client)
        assert server.requests == 3


@pytest.mark.parametrize(("behaviour", "code"), [("quota", 2500), ("busy", 5100)])
def test_quota_and_busy_answer_their_ret_code(behaviour: str, code: int) -> None:
    with hostile(behaviour) as server, connection(server) as client:
        answer = get(client)
        document = json.loads(answer.read())
    assert (answer.status, document["ret_code"]) == (200, code)
    assert isinstance(document["message"], str)


def test_echo_repeats_the_query_in_headers_and_body() -> None:
    query = signed_query()
    with hostile("echo") as server, connection(server) as client:
        answer = get(client, query)
        document = json.loads(answer.read())
    assert answer.getheader("X-Request-Echo") == query
    assert answer.getheader("Location") == f"{server.url}?{query}"
    assert document["request"] == query
    assert document["ret_code"] == 0


def test_every_behaviour_is_known_and_a_wrong_one_names_the_choices() -> None:
    assert len(set(BEHAVIOURS)) == len(BEHAVIOURS) == 14
    with pytest.raises(ValueError, match="choose one of"):
        HostileServer("teapot")
