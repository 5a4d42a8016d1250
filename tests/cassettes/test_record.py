"""The recorder: scrubbed interactions, the authentication verdict, and provenance."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conformance import signing, wire
from conformance.cassettes.record import Recorder, authentication
from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS
from conformance.strategies.requests import MUTATIONS
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
