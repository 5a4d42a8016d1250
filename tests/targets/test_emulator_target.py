"""The in-process emulator target."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from conformance.client import Client
from conformance.emulator import DEMO_CREDENTIALS, Emulator
from conformance.errors import UsageError
from conformance.targets import EmulatorTarget

APP = {"app": "app-tg3lbp0a"}


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_it_answers_requests_the_client_signs(verb: str) -> None:
    with EmulatorTarget() as target:
        exchange = Client(target).call({**APP, "limit": 1}, verb=verb)
    document = exchange.response.json()
    assert exchange.response.status == 200
    assert document["ret_code"] == 0
    assert len(document["job_set"]) == 1


def test_it_signs_with_the_emulators_own_key_pair_at_iaas_slash() -> None:
    target = EmulatorTarget()
    assert target.credentials == DEMO_CREDENTIALS
    assert target.credentials is target.emulator.credentials
    assert (target.path, target.url) == ("/iaas/", None)


def test_it_answers_a_request_signed_with_another_secret_with_an_auth_failure() -> None:
    target = EmulatorTarget()
    target.credentials = type(DEMO_CREDENTIALS)(DEMO_CREDENTIALS.access_key_id, "not-the-secret")
    assert Client(target).call(APP).response.json()["ret_code"] == 1200


def test_it_sends_unsigned_requests_to_an_emulator_that_checks_no_authentication() -> None:
    target = EmulatorTarget(Emulator(credentials=None))
    assert target.credentials is None
    exchange = Client(target).call({**APP, "limit": 1})
    assert "signature" not in dict(exchange.request.pairs())
    assert exchange.response.json()["ret_code"] == 0


def test_its_faults_take_effect() -> None:
    target = EmulatorTarget(faults=["limit-off-by-one"])
    assert len(Client(target).call({**APP, "limit": 3}).response.json()["job_set"]) == 4


@pytest.mark.parametrize(
    ("faults", "churn", "name"),
    [
        ((), None, "emulator"),
        (("limit-off-by-one",), None, "emulator[limit-off-by-one]"),
        (
            ("limit-off-by-one", "default-limit-10"),
            None,
            "emulator[limit-off-by-one,default-limit-10]",
        ),
        ((), True, "emulator+churn"),
        (("limit-off-by-one",), True, "emulator[limit-off-by-one]+churn"),
    ],
)
def test_its_name_lists_its_faults_and_churn(
    faults: tuple[str, ...], churn: bool | None, name: str
) -> None:
    target = EmulatorTarget(faults=faults, churn=churn)
    assert target.name == name
    assert repr(target) == f"EmulatorTarget({name!r})"


def test_a_given_emulator_is_named_after_its_own_faults() -> None:
    target = EmulatorTarget(Emulator(faults=["default-limit-10"]))
    assert target.name == "emulator[default-limit-10]"


def test_it_refuses_an_emulator_and_faults_together() -> None:
    with pytest.raises(UsageError, match="either an Emulator or faults/churn"):
        EmulatorTarget(Emulator(), faults=["limit-off-by-one"])


def test_an_unknown_fault_is_a_usage_error_listing_the_valid_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown fault 'nope'.*limit-off-by-one"):
        EmulatorTarget(faults=["nope"])


def test_a_latency_holds_each_answer_in_process_and_keeps_the_name() -> None:
    target = EmulatorTarget(faults=["limit-off-by-one"], latency_ms=100)
    started = time.monotonic()
    exchange = Client(target).call({**APP, "limit": 1})
    # A lower bound only: a loaded machine may take longer, and that says nothing about us.
    assert time.monotonic() - started >= 0.1
    assert exchange.response.json()["ret_code"] == 0
    # The name is the recorded endpoint and names what answers; a held answer is the same answer.
    assert target.name == "emulator[limit-off-by-one]"
    assert repr(target) == "EmulatorTarget('emulator[limit-off-by-one]', latency_ms=100)"


@pytest.mark.parametrize(
    ("options", "replay"),
    [
        ({"latency_ms": 40}, "--latency 40"),
        ({"latency_ms": 2.5, "churn": True}, "--churn --latency 2.5"),
        ({"latency_ms": 0}, None),
    ],
)
def test_its_replay_options_carry_the_latency(options: dict[str, Any], replay: str | None) -> None:
    assert EmulatorTarget(**options).replay_options == replay


def test_a_given_emulator_may_be_held_too() -> None:
    target = EmulatorTarget(Emulator(faults=["default-limit-10"]), latency_ms=40)
    assert target.replay_options == "--fault default-limit-10 --latency 40"


@pytest.mark.parametrize("latency", [-0.5, math.nan, math.inf, "40ms"])
def test_a_latency_that_is_no_number_of_milliseconds_is_a_usage_error(latency: Any) -> None:
    with pytest.raises(UsageError, match="latency_ms must be a number of milliseconds, 0 or more"):
        EmulatorTarget(latency_ms=latency)
