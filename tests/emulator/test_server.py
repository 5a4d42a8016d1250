"""The emulator over real HTTP on 127.0.0.1: the same semantics, keep-alive, and no input takes it down."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.emulator import Emulator, make_server, serve
from conformance.emulator.server import MAX_BODY
from conformance.errors import UsageError
from tests.emulator.helpers import BASE, Clock, body_json, raw_exchange, send, signed_query

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _get(url: str, query: str, path: str = "/iaas/") -> Any:
    response = send(url, "GET", f"{path}?{query}")
    assert response.status == 200
    assert response.header("Content-Type") == "application/json"
    return body_json(response)


def _healthy(url: str, clock: Clock) -> None:
    """The server still answers a correct request."""
    assert _get(url, signed_query({**BASE, "limit": 1}, now=clock()))["ret_code"] == 0


def test_serve_yields_the_endpoint_on_a_free_port(url: str) -> None:
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.path) == ("http", "127.0.0.1", "/iaas/")
    assert parts.port


def test_http_answers_exactly_what_handle_answers(url: str, emulator: Emulator) -> None:
    params = {**BASE, "status": ["failed"], "offset": 3, "limit": 7}
    over_http = send(url, "GET", "/iaas/?" + emulator.request(params).query)
    assert over_http.body == emulator.call(params).body


@pytest.mark.parametrize("path", ["/iaas/", "/iaas"])
def test_get_and_post_on_both_paths(url: str, emulator: Emulator, path: str) -> None:
    get = _get(url, signed_query(BASE, path=path, now=emulator.clock()), path)
    form = signed_query(BASE, verb="POST", path=path, now=emulator.clock()).encode()
    post = body_json(send(url, "POST", path, form, **FORM))
    assert get["ret_code"] == post["ret_code"] == 0
    assert get == post


def test_errors_travel_as_http_200_json(url: str, clock: Clock) -> None:
    document = _get(url, signed_query({"zone": "pek3a"}, now=clock()))
    assert (document["ret_code"], document["message"]) == (
        1100,
        "InvailidRequestFormat, app is required",
    )


def test_other_paths_are_404_and_other_methods_405(url: str) -> None:
    assert send(url, "GET", "/iaas/v2?x=1").status == 404
    assert send(url, "GET", "/").status == 404
    response = send(url, "DELETE", "/iaas/")
    assert response.status == 405
    assert response.header("Allow") == "GET, POST"


@pytest.mark.parametrize("method", ["TRACE", "HEAD", "CONNECT"])
def test_a_method_http_server_does_not_know_is_405_not_a_server_error(
    url: str, method: str
) -> None:
    # Schemathesis found this: http.server answers 501 (a 5xx) for a method it has no handler for.
    response = send(url, method, "/iaas/")
    assert response.status == 405
    assert response.header("Allow") == "GET, POST"


def test_a_keep_alive_connection_serves_many_requests(url: str, clock: Clock) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    try:
        for offset in range(5):
            query = signed_query({**BASE, "offset": offset, "limit": 2}, now=clock())
            connection.request("GET", f"/iaas/?{query}")
            response = connection.getresponse()
            assert response.getheader("Content-Length") == str(len(response.read()))
            assert response.status == 200
            assert not response.will_close
        assert connection.sock is not None
    finally:
        connection.close()


def test_nagle_is_off_on_accepted_sockets(emulator: Emulator) -> None:
    server = make_server(emulator, log=lambda line: None)
    try:
        host, port = server.server_address[:2]
        client = socket.create_connection((str(host), int(port)))
        accepted, _ = server.get_request()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            server.shutdown_request(accepted)
            client.close()
    finally:
        server.server_close()


def test_concurrent_clients_each_get_their_answer(url: str, clock: Clock) -> None:
    results: dict[int, list[str]] = {}

    def client(offset: int) -> None:
        document = _get(url, signed_query({**BASE, "offset": offset, "limit": 3}, now=clock()))
        results[offset] = [item["job_id"] for item in document["job_set"]]

    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(0, 80, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    everything = _get(url, signed_query({**BASE, "limit": 100}, now=clock()))["job_set"]
    listing = [item["job_id"] for item in everything]
    assert results == {offset: listing[offset : offset + 3] for offset in range(0, 80, 10)}


def test_it_cannot_listen_on_a_port_in_use(emulator: Emulator) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(emulator, port=port)


def test_serve_stops_and_closes_open_connections(clock: Clock) -> None:
    with serve(Emulator(clock=clock), log=lambda line: None) as url:
        parts = urlsplit(url)
        idle = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=5)
        idle.request("GET", "/iaas/?" + signed_query(BASE, now=clock()))
        assert idle.getresponse().read()
    try:
        assert idle.sock is not None
        # The server ended the idle keep-alive connection: end of stream, or a reset.
        with contextlib.suppress(ConnectionResetError):
            assert idle.sock.recv(1) == b""
    finally:
        idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", parts.port or 0), timeout=1).close()


# --- bad input never takes it down ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/iaas/?%",
        "/iaas/?%%%&&&===",
        "/iaas/?app=%C3%28",
        "/iaas/?a=%zz&b",
        "/iaas/??",
        "/iaas/?;;",
    ],
)
def test_a_malformed_query_gets_an_api_error(url: str, clock: Clock, target: str) -> None:
    response = send(url, "GET", target)
    assert response.status == 200
    assert body_json(response)["ret_code"] in (1100, 1200)
    _healthy(url, clock)


def test_a_1_mb_parameter_in_the_query_is_refused_and_the_server_goes_on(
    url: str, clock: Clock
) -> None:
    answer = raw_exchange(
        url, b"GET /iaas/?app=" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    # Either the 414 arrives, or the kernel resets the connection first (the rest went unread).
    assert answer == b"" or b" 414 " in answer.split(b"\r\n")[0]
    if answer:
        assert json.loads(answer.partition(b"\r\n\r\n")[2])["ret_code"] == 1100
    _healthy(url, clock)


def test_a_1_mb_parameter_in_a_form_body_is_refused_unread(url: str, clock: Clock) -> None:
    body = b"app=" + b"a" * 1_000_000
    head = f"POST /iaas/ HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n".encode()
    answer = raw_exchange(
        url, head + b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + body
    )
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line
    assert b"Connection: close" in rest
    document = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert document["ret_code"] == 1100
    assert str(MAX_BODY) in document["message"]
    _healthy(url, clock)


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\xfd", b"app=%FF", b"&&&=&=", b"a" * 5000, b"app=app-tg3lbp0a&zone=pek3a\x00"],
)
def test_a_broken_form_body_gets_an_api_error(url: str, clock: Clock, body: bytes) -> None:
    response = send(url, "POST", "/iaas/", body, **FORM)
    assert response.status == 200
    assert body_json(response)["ret_code"] in (1100, 1200)
    _healthy(url, clock)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Content-Length: nope\r\n", 400),
        ("Content-Length: -5\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", 411),
    ],
)
def test_an_unreadable_body_length_is_refused_and_the_connection_closed(
    url: str, clock: Clock, headers: str, status: int
) -> None:
    request = (
        f"POST /iaas/ HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode() + b"5\r\nhello\r\n0\r\n\r\n"
    )
    answer = raw_exchange(url, request)
    assert answer.split(b"\r\n")[0].split(b" ")[1] == str(status).encode()
    assert b"Connection: close" in answer
    _healthy(url, clock)


def test_a_client_that_disconnects_mid_body_does_not_hurt_the_server(
    url: str, clock: Clock
) -> None:
    head = b"POST /iaas/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\napp=app-tg3"
    for _ in range(5):
        raw_exchange(url, head, read=False)
    _healthy(url, clock)


def test_a_client_that_disconnects_mid_headers_does_not_hurt_the_server(
    url: str, clock: Clock
) -> None:
    for fragment in (
        b"GET /iaas/?app=x HTTP/1.1\r\nHo",
        b"GE",
        b"\r\n\r\n",
        b"\x16\x03\x01\x02\x00",
    ):
        raw_exchange(url, fragment, read=False)
    _healthy(url, clock)


@pytest.mark.parametrize(
    "line", [b"HELLO THERE\r\n\r\n", b"GET /iaas/ HTTP/9.9\r\n\r\n", b"GET /iaas/ XYZ/1.1\r\n\r\n"]
)
def test_a_garbage_request_line_is_refused_with_a_json_error(
    url: str, clock: Clock, line: bytes
) -> None:
    answer = raw_exchange(url, line)
    body = answer.partition(b"\r\n\r\n")[2] if answer.startswith(b"HTTP/") else answer
    assert json.loads(body)["ret_code"] == 1100
    _healthy(url, clock)


def test_an_exception_inside_the_emulator_is_an_internal_error_not_a_dead_connection(
    clock: Clock,
) -> None:
    class Broken(Emulator):
        def handle(self, request: Any) -> Any:
            raise RuntimeError("bug")

    lines: list[str] = []
    with serve(Broken(clock=clock), log=lines.append) as url:
        response = send(url, "GET", "/iaas/?" + signed_query(BASE, now=clock()))
    assert response.status == 200
    assert body_json(response)["ret_code"] == 5000
    assert any("RuntimeError('bug')" in line for line in lines)


def test_a_logged_request_line_shows_no_key_id_and_no_signature(emulator: Emulator) -> None:
    logged: list[str] = []
    server = make_server(emulator, log=logged.append, log_requests=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        query = signed_query(BASE)
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        connection.request("GET", f"/iaas/?{query}")
        connection.getresponse().read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    signature = dict(pair.split("=", 1) for pair in query.split("&"))["signature"]
    assert len(logged) == 1
    assert "access_key_id=REDACTED" in logged[0]
    assert "signature=REDACTED" in logged[0]
    assert signature not in logged[0]
    assert "QYACCESSKEYIDEXAMPLE" not in logged[0]


# --- --latency: a distant server ------------------------------------------------------------------


def _timed(url: str, clock: Clock) -> float:
    """Seconds one correct request on a fresh connection took, answer included."""
    started = time.monotonic()
    _healthy(url, clock)
    return time.monotonic() - started


def test_a_held_answer_takes_at_least_the_latency(emulator: Emulator, clock: Clock) -> None:
    with serve(emulator, log=lambda line: None, latency_ms=100) as url:
        # A lower bound only: a loaded machine may take longer, and that says nothing about us.
        assert _timed(url, clock) >= 0.1


def test_held_answers_do_not_hold_each_other(emulator: Emulator, clock: Clock) -> None:
    latency = 0.4
    timings: list[float] = []
    together = threading.Barrier(2)

    def client() -> None:
        together.wait(timeout=10)
        timings.append(_timed(url, clock))

    with serve(emulator, log=lambda line: None, latency_ms=latency * 1000) as url:
        threads = [threading.Thread(target=client) for _ in range(2)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        elapsed = time.monotonic() - started
    assert len(timings) == 2
    assert min(timings) >= latency
    # Answers held one after the other would take 2 × latency; held side by side, one latency and
    # the time to answer. The margin is generous for a loaded CI machine, still well short of 2×.
    assert elapsed < 1.5 * latency


def test_closing_the_server_ends_a_held_answer_at_once(emulator: Emulator, clock: Clock) -> None:
    server = make_server(emulator, log=lambda line: None, latency_ms=60_000)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    outcome: list[object] = []

    def client() -> None:
        try:
            outcome.append(_get(server.url, signed_query({**BASE, "limit": 1}, now=clock())))
        except (OSError, http.client.HTTPException) as error:
            outcome.append(error)

    asking = threading.Thread(target=client)
    asking.start()
    time.sleep(0.2)  # the request is in, its answer held
    started = time.monotonic()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    asking.join(timeout=5)
    # Not a minute: the held answer gave up with the server, and its client saw the connection end.
    assert time.monotonic() - started < 5
    assert not asking.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], (OSError, http.client.HTTPException))


@pytest.mark.parametrize("latency", [-1, math.nan, math.inf, "soon"])
def test_a_latency_that_is_no_number_of_milliseconds_is_refused(
    emulator: Emulator, latency: Any
) -> None:
    with pytest.raises(UsageError, match="latency_ms must be a number of milliseconds, 0 or more"):
        make_server(emulator, latency_ms=latency)
