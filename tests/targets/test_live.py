"""The live target, against real HTTP servers on 127.0.0.1: the emulator and scripted misbehaviour."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import pytest

from conformance import signing
from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS
from conformance.errors import TargetError, UsageError
from conformance.exchange import Request
from conformance.signing import Credentials
from conformance.targets import LiveTarget, Target
from conformance.targets import live as live_module
from tests.hostile import HUGE, hostile
from tests.targets.servers import BOMB, BROTLI, HTML, OK, CountingServer, ScriptedServer

Scripted = Callable[[list[str]], ScriptedServer]
APP = {"app": "app-tg3lbp0a"}
SECRET = "S3CR3T-never-shown"
KEY_ID = "QYKEYID-never-shown"
FAST: dict[str, Any] = {"backoff": 0.0, "rate": None}  # the tests count attempts, not seconds


def live(url: str, **options: Any) -> LiveTarget:
    return LiveTarget(url, credentials=DEMO_CREDENTIALS, **{**FAST, **options})


def ret_code(target: Target) -> int:
    code: int = Client(target).call({**APP, "limit": 1}).response.json()["ret_code"]
    return code


def assert_one_line(error: BaseException) -> None:
    text = str(error)
    assert "\n" not in text
    assert "Traceback" not in text
    # No chained exception for a caller to print: raised outside any handler, or "from None".
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# --- a correct endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_it_answers_signed_requests_over_http(emulator_server: CountingServer, verb: str) -> None:
    with live(emulator_server.url) as target:
        exchange = Client(target).call({**APP, "limit": 2}, verb=verb)
    assert exchange.response.status == 200
    assert exchange.response.header("content-type") == "application/json"
    assert len(exchange.response.json()["job_set"]) == 2


@pytest.mark.parametrize(
    ("path", "signed"), [("/iaas/", "/iaas/"), ("/iaas", "/iaas"), ("", "/iaas/")]
)
def test_it_signs_with_the_urls_path_exactly(
    emulator_server: CountingServer, path: str, signed: str
) -> None:
    base = emulator_server.url.removesuffix("/iaas/")
    with live(base + path) as target:
        assert target.path == signed
        assert target.url == f"{base}{signed}"
        assert ret_code(target) == 0


def test_a_wrong_secret_is_an_auth_failure_response_not_an_exception(
    emulator_server: CountingServer,
) -> None:
    wrong = Credentials(DEMO_CREDENTIALS.access_key_id, "not-the-secret")
    with LiveTarget(emulator_server.url, credentials=wrong, **FAST) as target:
        assert ret_code(target) == 1200


def test_it_keeps_one_connection_alive_per_thread(emulator_server: CountingServer) -> None:
    with live(emulator_server.url) as target:
        for _ in range(5):
            assert ret_code(target) == 0
        assert emulator_server.connections == 1
        other = threading.Thread(target=lambda: [ret_code(target) for _ in range(5)])
        other.start()
        other.join(timeout=10)
        assert emulator_server.connections == 2


def test_close_ends_the_connections_and_a_later_request_opens_a_new_one(
    emulator_server: CountingServer,
) -> None:
    with live(emulator_server.url) as target:
        ret_code(target)
        target.close()
        assert ret_code(target) == 0
    assert emulator_server.connections == 2


def test_it_caps_the_request_rate(emulator_server: CountingServer) -> None:
    with live(emulator_server.url, rate=100.0) as target:
        started = time.monotonic()
        for _ in range(20):
            ret_code(target)
        elapsed = time.monotonic() - started
    # 20 starts at least 10 ms apart take 190 ms; only the lower bound is reliable on a busy host.
    assert elapsed >= 0.17


def test_the_rate_cap_holds_across_threads(emulator_server: CountingServer) -> None:
    with live(emulator_server.url, rate=100.0) as target:
        started = time.monotonic()
        workers = [
            threading.Thread(target=lambda: [ret_code(target) for _ in range(5)]) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=10)
        elapsed = time.monotonic() - started
    # A lower bound, as above: a busy host only makes the run longer.
    assert elapsed >= 0.17


# --- retries --------------------------------------------------------------------------------------


def test_it_retries_server_busy_and_internal_error_then_returns_the_success(
    scripted: Scripted,
) -> None:
    server = scripted(["busy", "internal", "ok"])
    with live(server.url, retries=3) as target:
        assert ret_code(target) == 0
    assert server.attempts == 3
    assert len(set(server.requests)) == 1, "a retry resends the request exactly as signed"


def test_it_gives_up_after_retries_and_returns_the_last_response(scripted: Scripted) -> None:
    server = scripted(["busy"])
    with live(server.url, retries=3) as target:
        assert ret_code(target) == 5100
    assert server.attempts == 3


def test_it_backs_off_exponentially_between_retries(scripted: Scripted) -> None:
    server = scripted(["busy", "busy", "ok"])
    with live(server.url, retries=3, backoff=0.05) as target:
        started = time.monotonic()
        assert ret_code(target) == 0
        # A lower bound (the two back-offs): a busy host only makes it longer.
        assert time.monotonic() - started >= 0.05 + 0.1 - 0.01


def test_one_attempt_means_no_retry(scripted: Scripted) -> None:
    server = scripted(["busy", "ok"])
    with live(server.url, retries=1) as target:
        assert ret_code(target) == 5100
    assert server.attempts == 1


@pytest.mark.parametrize(("step", "status"), [("html", 200), ("html500", 500)])
def test_an_html_answer_is_returned_as_a_response_without_retry(
    scripted: Scripted, step: str, status: int
) -> None:
    server = scripted([step, "ok"])
    with live(server.url, retries=3) as target:
        response = Client(target).call(APP).response
    assert (response.status, response.body, response.header("Content-Type")) == (
        status,
        HTML,
        "text/html",
    )
    assert server.attempts == 1


def test_a_dropped_connection_is_retried(scripted: Scripted) -> None:
    server = scripted(["drop", "ok"])
    with live(server.url, retries=3) as target:
        assert ret_code(target) == 0
    assert server.attempts == 2


def test_a_persistently_dropped_connection_is_a_one_line_target_error(scripted: Scripted) -> None:
    server = scripted(["drop"])
    with live(server.url, retries=3) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value) == (
        f"cannot reach {server.url}: the connection was closed before an answer came (3 attempts)"
    )
    assert_one_line(raised.value)
    assert server.attempts == 3


def test_a_keep_alive_connection_gone_stale_is_reopened_at_once(scripted: Scripted) -> None:
    server = scripted(["ok-then-hang-up", "ok"])
    with live(server.url, retries=3, backoff=5.0) as target:
        assert ret_code(target) == 0
        started = time.monotonic()
        assert ret_code(target) == 0
        # A bound, not a speed claim: one back-off would take 5 s; a reopened connection, ms.
        assert time.monotonic() - started < 2.0, "no back-off before reopening a stale connection"


# --- endpoints that do not answer -----------------------------------------------------------------


def test_a_refused_connection_is_a_one_line_target_error(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/iaas/"
    with live(url, retries=2) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value) == (
        f"cannot reach {url}: connection refused (is the endpoint up?) (2 attempts)"
    )
    assert_one_line(raised.value)


def test_a_silent_endpoint_times_out_as_a_one_line_target_error(silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}/iaas/"
    with live(url, retries=2, timeout=0.2) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value).startswith(f"cannot reach {url}: no complete answer within 0.2 s")
    assert str(raised.value).endswith("(2 attempts)")
    assert_one_line(raised.value)


def test_an_unresolvable_host_fails_at_once_without_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    lookups: list[object] = []

    def no_such_host(host: object, *args: object, **kwargs: object) -> None:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # No real lookup: the tests talk to nothing but 127.0.0.1, DNS servers included.
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    url = "https://staging.example.invalid/iaas/"
    with live(url, retries=3) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value) == (
        "cannot reach https://staging.example.invalid/iaas/: "
        "cannot resolve host 'staging.example.invalid' (check the URL)"
    )
    assert_one_line(raised.value)
    assert lookups == ["staging.example.invalid"]


# --- hostile endpoints: a deadline for the whole answer, and nothing judged that came short ---------

# Small enough to keep the tests quick, large enough that a loaded 2-core host still connects.
# The elapsed bounds below are correctness limits, not speed claims: a call may take at most its
# timeout times its attempts (the deadline the target promises), plus slack for connecting on a
# busy host; a client that ignored the deadline would wait for the server's HOLD (30 s) or longer.
TIMEOUT = 0.3


def elapsed_for(target: Target) -> tuple[float, BaseException | None]:
    """How long one call took, and what it raised."""
    started = time.monotonic()
    try:
        ret_code(target)
    except Exception as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None


def assert_no_secret_or_query(text: str) -> None:
    for revealing in ("signature", "access_key_id", DEMO_CREDENTIALS.access_key_id, "?", "&"):
        assert revealing not in text


@pytest.mark.parametrize("behaviour", ["drip", "headers-then-stall", "hang"])
def test_a_server_that_never_finishes_its_answer_is_bounded_by_timeout_times_retries(
    behaviour: str,
) -> None:
    # A byte every 0.05 s: no single read ever waits long, only the whole answer does.
    with hostile(behaviour, drip_interval=0.05) as server:
        with live(server.url, timeout=TIMEOUT, retries=3) as target:
            elapsed, error = elapsed_for(target)
        assert server.requests == 3
    assert isinstance(error, TargetError)
    assert elapsed <= TIMEOUT * 3 + 1.0
    assert str(error).startswith(f"cannot reach {server.url}: no complete answer within 0.3 s")
    assert str(error).endswith("(3 attempts)")
    assert_one_line(error)
    assert_no_secret_or_query(str(error).removeprefix(f"cannot reach {server.url}"))


def test_back_off_counts_against_the_requests_budget() -> None:
    # 0.3 s, a 0.2 s back-off, 0.3 s: the next back-off (0.4 s) would end past 0.9 s, so no third.
    with hostile("hang") as server:
        with live(server.url, timeout=TIMEOUT, retries=3, backoff=0.2) as target:
            elapsed, error = elapsed_for(target)
        assert server.requests == 2
    assert isinstance(error, TargetError)
    assert elapsed <= TIMEOUT * 3 + 0.5
    assert str(error).endswith("(2 attempts)")


def test_a_later_attempt_gets_only_what_is_left_of_the_budget(
    scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = scripted(["ok"])
    target = live(server.url, timeout=0.2, retries=3, backoff=0.1)
    limits: list[float] = []
    failures = iter([live_module._Failure("cut short"), live_module._Failure("cut short")])

    def attempt(*args: Any) -> Any:
        limits.append(args[-1])
        failure = next(failures, None)
        if failure is not None:
            time.sleep(0.08)
            raise failure
        return live_module.Response(200, b"{}")

    monkeypatch.setattr(target, "_attempt", attempt)
    with target:
        Client(target).call(APP)
    # Started at 0, 0.18 and 0.46 s (at the earliest): the third has 0.6 - 0.46 s at most.
    assert limits[:2] == [0.2, 0.2]
    assert 0 < limits[2] <= 0.6 - 0.46 + 0.001


def test_a_tls_endpoint_that_drips_or_never_handshakes_is_bounded_too(
    tls_server_context: tuple[ssl.SSLContext, str],
    silent_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TLS reads bypass the TCP socket: the deadline must reach them, and the handshake, as well.
    context, certificate = tls_server_context
    trusting = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda: trusting(cafile=certificate))
    with hostile("drip", after=1, drip_interval=0.05) as server:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        url = server.url.replace("http://", "https://")
        with live(url, timeout=TIMEOUT, retries=2) as target:
            assert ret_code(target) == 0
            elapsed, dripped = elapsed_for(target)
    assert isinstance(dripped, TargetError)
    assert elapsed <= TIMEOUT * 2 + 1.0
    with live(f"https://127.0.0.1:{silent_port}/iaas/", timeout=TIMEOUT, retries=2) as target:
        elapsed, silent = elapsed_for(target)
    assert isinstance(silent, TargetError)
    assert "no complete answer within 0.3 s" in str(silent)
    assert elapsed <= TIMEOUT * 2 + 1.0


def test_a_truncated_body_is_retried_then_a_one_line_target_error() -> None:
    with hostile("truncated") as server:
        with live(server.url, retries=3) as target, pytest.raises(TargetError) as raised:
            ret_code(target)
        assert server.requests == 3
    message = str(raised.value)
    assert message.startswith(f"cannot reach {server.url}: the answer was cut short: ")
    assert message.endswith("body bytes its Content-Length announced came (3 attempts)")
    assert_one_line(raised.value)


@pytest.mark.parametrize("step", ["truncated", "chunk-cut"])
def test_an_answer_cut_short_then_a_good_one_yields_the_good_one(
    scripted: Scripted, step: str
) -> None:
    server = scripted([step, "ok"])
    with live(server.url, retries=3) as target:
        response = Client(target).call(APP).response
    assert response.json() == OK
    assert server.attempts == 2


@pytest.mark.parametrize("behaviour", ["chunked", "gzip"])
def test_chunked_and_gzip_answers_are_decoded(behaviour: str) -> None:
    with hostile(behaviour) as server, live(server.url) as target:
        response = Client(target).call({**APP, "limit": 2}).response
    assert response.status == 200
    assert len(response.json()["job_set"]) == 2
    assert response.header("Content-Encoding") is None


@pytest.mark.parametrize("step", ["deflate", "raw-deflate", "two-members"])
def test_deflate_and_gzip_in_members_are_decoded(scripted: Scripted, step: str) -> None:
    server = scripted([step])
    with live(server.url) as target:
        response = Client(target).call(APP).response
    assert response.json() == OK
    assert response.header("Content-Encoding") is None
    assert response.header("Content-Length") is None, "it gave the compressed length"


def test_a_body_that_does_not_decode_is_a_one_line_target_error(scripted: Scripted) -> None:
    server = scripted(["garbled", "ok"])
    with live(server.url, retries=3) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value) == (
        f"{server.url} answered a body labelled Content-Encoding gzip that does not decode "
        "(is the URL the API endpoint?)"
    )
    assert_one_line(raised.value)
    assert server.attempts == 1


def test_an_unknown_encoding_is_left_as_it_came(scripted: Scripted) -> None:
    server = scripted(["br"])
    with live(server.url) as target:
        response = Client(target).call(APP).response
    assert (response.body, response.header("Content-Encoding")) == (BROTLI, "br")


def test_a_compression_bomb_is_a_one_line_target_error_naming_the_limit(
    scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "MAX_BODY", BOMB // 2)
    server = scripted(["bomb", "ok"])
    with live(server.url, retries=3) as target, pytest.raises(TargetError) as raised:
        ret_code(target)
    assert str(raised.value) == (
        f"{server.url} answered a gzip body that inflates to more than 2 MiB: "
        "not a DescribeClusterJobs response"
    )
    assert_one_line(raised.value)
    assert server.attempts == 1


def test_a_huge_body_fails_at_once_without_being_read() -> None:
    with hostile("huge") as server:
        with live(server.url, retries=3) as target:
            _, error = elapsed_for(target)
        assert server.requests == 1
    assert isinstance(error, TargetError)
    assert str(error) == (
        f"{server.url} announced a body of {HUGE} bytes, more than the 32 MiB a "
        "DescribeClusterJobs answer can be (is the URL the API endpoint?)"
    )
    assert_one_line(error)
    # Counted, not timed: a client that never reads the body leaves the server no more room than
    # the sockets' buffers (a few MiB), far short of the 32 MiB a reader would take before its limit.
    assert server.streamed < 32 * 1024 * 1024


def test_a_body_past_the_limit_without_a_length_stops_being_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_module, "MAX_BODY", 100)
    with hostile("chunked") as server, live(server.url) as target:
        with pytest.raises(TargetError, match="answered more than 0 MiB") as raised:
            ret_code(target)
        assert server.requests == 1
    assert_one_line(raised.value)


def test_a_redirect_is_returned_as_a_response_and_not_followed() -> None:
    with hostile("redirect") as server, live(server.url) as target:
        response = Client(target).call(APP).response
        assert server.requests == 1
    assert response.status == 302
    assert (response.header("Location") or "").startswith("http://other.example/iaas/?")


def test_an_outage_mid_run_is_a_one_line_target_error() -> None:
    with hostile("outage", after=2) as server, live(server.url, retries=2) as target:
        assert [ret_code(target), ret_code(target)] == [0, 0]
        with pytest.raises(TargetError) as raised:
            ret_code(target)
        assert server.requests == 4
    assert str(raised.value) == (
        f"cannot reach {server.url}: the connection was closed before an answer came (2 attempts)"
    )
    assert_one_line(raised.value)


# --- only DescribeClusterJobs leaves --------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/iaas/", "action=RunInstances&zone=pek3a"),
        Request("GET", "/iaas/", "zone=pek3a"),
        Request("GET", "/iaas/", "action=DescribeClusterJobs&action=TerminateInstances"),
        Request("GET", "/iaas/", "%61ction=DeleteVolumes"),
        Request("GET", "/iaas/", "Action=DeleteVolumes&action=DescribeClusterJobs"),
        Request("GET", "/iaas/", "action=DescribeClusterJobs;action=DeleteVolumes"),
        Request("GET", "/iaas/", "action=DescribeClusterJobs&action=DescribeClusterJobs"),
        Request("GET", "/iaas/", "Action=DescribeClusterJobs"),
        Request("POST", "/iaas/", "", b"action=RunInstances&zone=pek3a", FORM),
        Request("POST", "/iaas/", "action=DescribeClusterJobs", b"action=RunInstances", FORM),
        Request("DELETE", "/iaas/", "action=DescribeClusterJobs"),
        Request("GET", "/iaas/?action=RunInstances", "action=DescribeClusterJobs"),
        Request("GET", "/iaas/ HTTP/1.1\r\nX: y", "action=DescribeClusterJobs"),
    ],
    ids=lambda request: f"{request.method} {request.path[:12]}?{request.query}+{request.body!r}",
)
def test_it_refuses_to_send_anything_but_describe_cluster_jobs(
    scripted: Scripted, request_: Request
) -> None:
    server = scripted(["ok"])
    with live(server.url) as target, pytest.raises(UsageError, match="refusing to send"):
        target.send(request_)
    assert server.attempts == 0


def test_it_sends_describe_cluster_jobs_sent_as_the_guard_reads_it(scripted: Scripted) -> None:
    server = scripted(["ok"])
    with live(server.url) as target:
        target.send(Request("GET", "/iaas/", "action=DescribeClusterJobs&app=app-1"))
        target.send(Request("POST", "/iaas/", "", b"action=DescribeClusterJobs&app=app-1", FORM))
    assert [method for method, _, _ in server.requests] == ["GET", "POST"]


# --- secrets and options --------------------------------------------------------------------------


def test_no_frame_of_a_failed_send_shows_the_signature_in_its_locals(closed_port: int) -> None:
    # What pytest -l prints when a user's own client (no stopper) meets an endpoint that is down.
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    full = {"action": "DescribeClusterJobs", "zone": "pek3a", "app": "app-1"}
    signed = signing.sign(full, DEMO_CREDENTIALS, verb="POST", path="/iaas/", now=now)
    signature = dict(signed)["signature"]
    url = f"http://127.0.0.1:{closed_port}/iaas/"
    with live(url, retries=1) as target, pytest.raises(TargetError) as raised:
        Client(target, clock=lambda: now).call({"app": "app-1"}, verb="POST")
    shown = []
    assert raised.value.__traceback__ is not None
    trace = raised.value.__traceback__.tb_next  # past this test's own frame, which holds it
    while trace is not None:
        shown += [repr(value) for value in trace.tb_frame.f_locals.values()]
        trace = trace.tb_next
    assert len(shown) > 5
    for form in (signature, quote(signature, safe="")):
        assert not [text for text in shown if form in text]


def test_the_key_pair_never_appears_in_repr_or_errors(closed_port: int, scripted: Scripted) -> None:
    credentials = Credentials(KEY_ID, SECRET)
    url = f"http://127.0.0.1:{closed_port}/iaas/"
    shown: list[str] = []
    with LiveTarget(url, credentials=credentials, retries=1, rate=None) as target:
        shown += [repr(target), str(target.name), str(target.url)]
        with pytest.raises(TargetError) as refused:
            Client(target).call(APP)
        shown.append(str(refused.value))
        with pytest.raises(UsageError) as guarded:
            target.send(Request("GET", "/iaas/", f"action=RunInstances&access_key_id={KEY_ID}"))
        shown.append(str(guarded.value))
    with pytest.raises(UsageError) as userinfo:
        LiveTarget(f"http://{KEY_ID}:{SECRET}@127.0.0.1/iaas/", credentials=credentials)
    shown.append(str(userinfo.value))
    for text in shown:
        assert SECRET not in text
        assert KEY_ID not in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"retries": 0}, "retries must be a whole number of attempts, 1 or more"),
        ({"retries": 2.5}, "retries must be a whole number"),
        ({"rate": 0}, "rate must be positive"),
        ({"backoff": -1}, "backoff must be 0 or more"),
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        LiveTarget("http://127.0.0.1/iaas/", credentials=DEMO_CREDENTIALS, **options)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/iaas/", "is not an endpoint URL"),
        ("http:///iaas/", "is not an endpoint URL"),
        ("127.0.0.1:8080/iaas/", "is not an endpoint URL"),
        ("http://127.0.0.1:http/iaas/", "is malformed"),
        ("http://127.0.0.1/iaas/?zone=pek3a", "has a query or fragment"),
    ],
)
def test_a_url_that_is_not_an_endpoint_is_a_usage_error(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        LiveTarget(url, credentials=DEMO_CREDENTIALS)
    assert "use http://HOST" in str(raised.value) or "give only the endpoint" in str(raised.value)
