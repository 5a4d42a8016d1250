"""``open_target``: every accepted form of ``--conformance-target``, and the refused ones."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import conformance.targets
from conformance.errors import UsageError
from conformance.targets import EmulatorTarget, LiveTarget, open_target
from conformance.targets.credentials import load_credentials
from conformance.targets.emulator import EmulatorTarget as EmulatorTargetItself
from conformance.targets.live import LiveTarget as LiveTargetItself
from conformance.targets.open import open_target as open_target_itself

ENV = {"QINGCLOUD_ACCESS_KEY_ID": "QYKEYID", "QINGCLOUD_SECRET_ACCESS_KEY": "secret"}
HAS_CASSETTES = importlib.util.find_spec("conformance.targets.cassette") is not None


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("emulator", "emulator"),
        (" emulator ", "emulator"),
        ("emulator:limit-off-by-one", "emulator[limit-off-by-one]"),
        (
            "emulator:limit-off-by-one, default-limit-10",
            "emulator[limit-off-by-one,default-limit-10]",
        ),
        ("emulator:churn", "emulator+churn"),
        ("emulator:churn,limit-off-by-one", "emulator[limit-off-by-one]+churn"),
    ],
)
def test_it_opens_the_emulator_with_faults_and_churn(spec: str, name: str) -> None:
    target = open_target(spec)
    assert isinstance(target, EmulatorTarget)
    assert target.name == name


@pytest.mark.parametrize("spec", ["emulator:", "emulator:limit-off-by-one,,churn"])
def test_an_empty_fault_name_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match="lists an empty fault name; valid names: churn, "):
        open_target(spec)


@pytest.mark.parametrize(
    ("spec", "name", "latency", "replay"),
    [
        ("emulator:latency=40", "emulator", 40, "--latency 40"),
        ("emulator:latency=0", "emulator", 0, None),
        (
            "emulator:churn, latency=2.5,limit-off-by-one",
            "emulator[limit-off-by-one]+churn",
            2.5,
            "--fault limit-off-by-one --churn --latency 2.5",
        ),
    ],
)
def test_it_opens_the_emulator_with_a_latency(
    spec: str, name: str, latency: float, replay: str | None
) -> None:
    target = open_target(spec)
    assert isinstance(target, EmulatorTarget)
    assert (target.name, target.latency_ms, target.replay_options) == (name, latency, replay)


def test_the_replay_options_of_a_held_target_rebuild_it_in_conformance_emulator() -> None:
    from conformance.emulator.command import add_parser, build, latency

    target = open_target("emulator:latency=2.5,limit-off-by-one")
    assert target.replay_options is not None
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["emulator", *target.replay_options.split()])
    emulator, _ = build(args)
    assert latency(args) == 2.5
    assert [fault.name for fault in emulator.faults] == ["limit-off-by-one"]


@pytest.mark.parametrize("given", ["", "-1", "nan", "inf", "40ms", "soon"])
def test_a_latency_that_is_no_number_of_milliseconds_is_a_one_line_usage_error(
    given: str,
) -> None:
    spec = f"emulator:churn,latency={given}"
    with pytest.raises(UsageError) as raised:
        open_target(spec)
    assert str(raised.value) == (
        f"target {spec!r} has latency {given!r}; latency=MS takes a number of milliseconds, "
        "0 or more, e.g. 40 or 2.5"
    )


def test_a_latency_given_twice_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="gives latency=MS 2 times; give it once"):
        open_target("emulator:latency=40,latency=50")


def test_an_unknown_fault_is_a_usage_error_listing_the_valid_names() -> None:
    with pytest.raises(UsageError) as raised:
        open_target("emulator:churn,limit-of-by-one")
    message = str(raised.value)
    assert message.startswith(
        "unknown fault 'limit-of-by-one' in target 'emulator:churn,limit-of-by-one'"
    )
    assert "valid names: churn, " in message
    assert message.endswith("; and latency=MS, data-from=CASSETTE, like=CASSETTE")
    assert "limit-off-by-one" in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/iaas/", "https://127.0.0.1/iaas", "HTTP://127.0.0.1:9"]
)
def test_it_opens_a_url_as_a_live_target_with_the_given_options(url: str, tmp_path: Path) -> None:
    target = open_target(
        url, env=ENV, config_path=tmp_path / "none", timeout=2.5, rate=None, retries=5
    )
    assert isinstance(target, LiveTarget)
    assert target.credentials == load_credentials(ENV)
    assert (target.timeout, target.rate, target.retries) == (2.5, None, 5)
    assert target.url is not None
    assert target.url.startswith(url.lower()[:10])


def test_a_url_without_credentials_is_a_one_line_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        open_target("http://127.0.0.1:9/iaas/", env={}, config_path=tmp_path / "none.yaml")
    assert str(raised.value).startswith("no credentials for http://127.0.0.1:9/iaas/: set ")


def test_a_cassette_file_or_folder_opens_the_cassette_target() -> None:
    from conformance.targets.cassette import CassetteTarget

    shipped = Path(__file__).resolve().parents[2] / "cassettes"
    assert isinstance(open_target(str(shipped / "documented-example.json")), CassetteTarget)
    assert isinstance(open_target(str(shipped)), CassetteTarget)


@pytest.mark.parametrize(
    "spec", ["", "ftp://127.0.0.1/iaas/", "emulators", "no/such/cassette.yaml"]
)
def test_anything_else_is_a_usage_error_listing_the_accepted_forms(spec: str) -> None:
    with pytest.raises(UsageError) as raised:
        open_target(spec)
    message = str(raised.value)
    assert message.startswith(f"unknown target {spec!r}; use emulator, emulator:FAULT")
    assert "latency=MS" in message
    assert "http://HOST[:PORT]/iaas/, https://…, or a cassette file or folder" in message
    assert "\n" not in message


def test_the_package_exports_each_kind_from_its_module() -> None:
    assert EmulatorTarget is EmulatorTargetItself
    assert LiveTarget is LiveTargetItself
    assert open_target is open_target_itself
    assert conformance.targets.load_credentials is load_credentials
    with pytest.raises(AttributeError, match="has no attribute 'CassetteTarget'"):
        conformance.targets.CassetteTarget  # noqa: B018 - the access is what is tested


def test_importing_the_client_loads_neither_the_emulator_nor_yaml() -> None:
    code = (
        "import sys, conformance.client; "
        "print(sorted(m for m in ('conformance.emulator', 'yaml', 'http.client') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "[]"
