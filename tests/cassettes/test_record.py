"""The recorder: scrubbed interactions, the authentication verdict, and provenance."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

import pytest

from conformance import signing, wire
from conformance.cassettes.record import Recorder, authentication
from conformance.cassettes.scrub import REDACTED
from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS
from conformance.exchange import Request, Response
from conformance.strategies.requests import MUTATIONS
from conformance.targets.base import Target
from conformance.targets.emulator import EmulatorTarget
from tests.cassettes.helpers import APP

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
PAIRS = wire.encode({"action": "DescribeClusterJobs", "zone": "pek3a", "app": APP, "limit": 3})


def _verdict(pairs: list[tuple[str, str]], now: datetime = NOW) -> str:
    return authentication(pairs, DEMO_CREDENTIALS, verb="GET", path="/iaas/", now=now)


@pytest.mark.parametrize(
    ("mutation", "verdict"),
    [
        ("wrong-signature", "bad-signature"),
        ("changed-after-signing", "bad-signature"),
        ("missing-signature", "missing-signature"),
        ("unknown-key", "unknown-key"),
        ("stale-time-stamp", "stale-time-stamp"),
    ],
)
def test_every_authentication_mutation_gets_its_verdict(mutation: str, verdict: str) -> None:
    mutated = MUTATIONS[mutation].apply(PAIRS, DEMO_CREDENTIALS, now=NOW, verb="GET", path="/iaas/")

    assert _verdict(mutated) == verdict


def test_a_correct_request_is_valid_even_when_its_answer_took_a_while() -> None:
    signed = signing.sign(PAIRS, DEMO_CREDENTIALS, now=NOW)

    assert _verdict(signed) == "valid"
    assert _verdict(signed, NOW + timedelta(seconds=90)) == "valid"  # retries, not staleness


def test_a_target_that_takes_no_signatures_records_unsigned() -> None:
    assert authentication(PAIRS, None, verb="GET", path="/iaas/", now=NOW) == "unsigned"


def test_each_exchange_is_recorded_scrubbed_with_its_session_time_and_verdict() -> None:
    target = EmulatorTarget()
    client = Client(target, clock=lambda: NOW)
    recorder = Recorder(target, session="gw3", clock=lambda: NOW)
    client.observers.append(recorder)

    client.call({"app": APP, "limit": 1}, verb="POST")

    (interaction,) = recorder.interactions
    assert interaction["conformance"] == {
        "at": "2026-01-01T12:00:00Z",
        "session": "gw3",
        "auth": "valid",
    }
    request = interaction["request"]
    assert request["uri"] == "http://emulator.invalid/iaas/"
    assert "access_key_id=REDACTED" in request["body"]
    assert request["body"].endswith("&signature=REDACTED")
    assert "time_stamp=2026-01-01T12%3A00%3A00Z" in request["body"]  # kept: not a secret
    assert request["headers"] == {"Content-Type": ["application/x-www-form-urlencoded"]}
    assert interaction["response"]["status"] == {"code": 200, "message": "OK"}


class EchoingTarget(Target):
    """Answers 200 and echoes the query everywhere a server might: headers, Location, the body,
    raw and percent-encoded, and also the signature of the request before."""

    name = "echo"
    url = "https://echo.example/iaas/"

    def __init__(self, credentials: signing.Credentials) -> None:
        self.credentials = credentials
        self.key_id = credentials.access_key_id
        self.previous = ""

    def send(self, request: Request) -> Response:
        query = request.query or request.body.decode()
        signature = dict(request.pairs())["signature"]
        body = {
            "ret_code": 1200,
            "message": f"signature [{signature}] does not match for key {self.key_id}",
            "echo": query,
            "encoded": quote(query, safe=""),
            "earlier": self.previous,
            # As OWASP-style HTML escaping writes it.
            "html": signature.replace("/", "&#x2F;").replace("+", "&#43;").replace("=", "&#x3D;"),
            "dotnet": signature,  # escaped below, in the JSON text
        }
        self.previous = re.sub(
            "%[0-9A-F]{2}", lambda hex: hex.group().lower(), quote(signature, safe="")
        )
        headers = (
            ("Content-Type", "application/json"),
            ("Location", f"https://elsewhere.example/iaas/?{query}"),
            ("X-Request-Echo", quote_plus(signature)),
            ("X-Key", self.key_id),
        )
        text = json.dumps(body).replace("/", "\\/")
        # As System.Text.Json writes + and = by default: \u002B, \u003D (the value is the same).
        escaped = json.dumps(signature).replace("+", "\\u002B").replace("=", "\\u003D")
        text = text.replace(json.dumps(signature).replace("/", "\\/"), escaped, 1)
        return Response(200, text.encode(), headers)


def test_the_recorder_scrubs_the_runs_key_id_and_signatures_wherever_a_server_echoes_them() -> None:
    # Not the demo pair, and not shaped like a QingCloud key id: found only because it is the run's.
    credentials = signing.Credentials("AKIDmyownkey0042", "my/own+secret=value")
    target = EchoingTarget(credentials)
    client = Client(target, clock=lambda: NOW)
    recorder = Recorder(target, clock=lambda: NOW)
    client.observers.append(recorder)
    sent = []
    for limit in (1, 2, 3):
        exchange = client.call({"app": APP, "limit": limit}, verb="POST" if limit == 2 else "GET")
        sent.append(dict(exchange.request.pairs())["signature"])

    text = json.dumps(recorder.interactions)
    for secret in (credentials.access_key_id, *sent):
        once = quote(secret, safe="")
        for form in {
            secret,
            once,
            quote(once, safe=""),
            once.replace("%2F", "%2f"),
            quote_plus(secret),
        }:
            assert form not in text, form
        assert secret.replace("/", "\\/") not in text
    # The escaped forms, read back as JSON and HTML, hold no signature either.
    for interaction in recorder.interactions:
        document = json.loads(interaction["response"]["body"]["string"])
        shown = [html.unescape(str(value)) for value in document.values()]
        assert not [signature for signature in sent for text in shown if signature in text]
    assert credentials.secret_access_key.reveal() not in text
    response = recorder.interactions[0]["response"]
    assert response["headers"]["Content-Type"] == ["application/json"]
    assert "signature=REDACTED" in response["headers"]["Location"][0]
    assert response["headers"]["X-Key"] == [REDACTED]  # a header named "key"
    assert json.loads(response["body"]["string"])["ret_code"] == 1200  # still the answer it was
