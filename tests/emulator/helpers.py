"""Small helpers the emulator tests share (no fixtures here; see conftest.py)."""

from __future__ import annotations

import http.client
import json
import re
import socket
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from conformance import signing, wire
from conformance.contract import STATUSES
from conformance.emulator import DEMO_CREDENTIALS, Emulator
from conformance.emulator.data import Job, parse_job_time
from conformance.exchange import Response

APP = "app-tg3lbp0a"
ZONE = "pek3a"
BASE = {"app": APP, "zone": ZONE}
START = 1767225600.0  # 2026-01-01T00:00:00Z


class Clock:
    """A settable clock: ``clock()`` reads it, ``clock.now = …`` or ``clock.advance(s)`` moves it."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def call(emulator: Emulator, params: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The parsed body of an in-process call that must answer HTTP 200 JSON."""
    response = emulator.call(params, **options)
    assert response.status == 200, response.body[:300]
    assert response.header("Content-Type") == "application/json"
    document: dict[str, Any] = response.json()
    return document


def job_ids(document: dict[str, Any]) -> list[str]:
    """The job ids of a success body, in order."""
    return [item["job_id"] for item in document["job_set"]]


def error(document: dict[str, Any]) -> tuple[int, str]:
    """The ret_code and the token of an error body."""
    return document["ret_code"], document["message"].split(",", 1)[0]


def signed_query(
    params: dict[str, Any],
    *,
    verb: str = "GET",
    path: str = "/iaas/",
    credentials: signing.Credentials = DEMO_CREDENTIALS,
    now: float = START,
) -> str:
    """A signed query string (or form body) for ``params``, ``action`` included."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    pairs = signing.sign(
        {"action": "DescribeClusterJobs", **params}, credentials, verb=verb, path=path, now=moment
    )
    return wire.query_string(pairs)


def send(url: str, method: str, target: str, body: bytes | None = None, **headers: str) -> Response:
    """One request on a fresh connection to the server behind ``url``; the response as a value."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, answer.read(), tuple(answer.getheaders()))
    finally:
        connection.close()


def raw_exchange(url: str, data: bytes, *, read: bool = True) -> bytes:
    """Send raw bytes on a fresh socket and read until the server closes or 10 s pass."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        received = b""
        for _ in range(1000):  # bounded: a well-behaved server closes or answers long before
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received and _complete(received):
                break
        return received


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def body_json(response: Response) -> Any:
    """The JSON body of an HTTP response."""
    return json.loads(response.body)


_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_SENDER = {"lang", "user_id", "console_id", "root_user_id", "role", "privilege", "channel"}
_DIRECTIVE = {"sender", "zone", "expires", "action", "clusters", "resource_ids"}


def assert_consistent(job: Job) -> None:
    """Every field of the job agrees with its directive, and its times are in order and UTC."""
    item = job.item
    directive = json.loads(item["directive"])
    assert set(directive) == _DIRECTIVE
    assert set(directive["sender"]) == _SENDER
    assert type(directive["sender"]["privilege"]) is int
    assert directive["zone"] == job.zone
    assert directive["action"] == item["job_action"]
    assert directive["resource_ids"] == item["resource_ids"].split(" ")
    assert directive["clusters"] == item["resources"]["clusters"]
    for name in ("create_time", "status_time"):
        assert _TIME.fullmatch(item[name])
    assert _TIME.fullmatch(directive["expires"])
    created, changed = parse_job_time(item["create_time"]), parse_job_time(item["status_time"])
    assert created is not None
    assert changed is not None
    assert changed >= created
    assert item["status"] in STATUSES
    assert (job.status, job.job_id) == (item["status"], item["job_id"])
    assert json.loads(job.encoded) == item
