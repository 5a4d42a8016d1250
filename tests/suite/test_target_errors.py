"""A target the suite cannot use, or an option it cannot take, stops the run before any test with
one line that says why, and an exit status that is neither 0 (conformant) nor 1 (deviations).

Each run is a real subprocess, so the exit status is the one a CI job sees.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.targets.credentials import KEY_ID_VARIABLE, SECRET_VARIABLE
from tests.suite.helpers import SUITE

TIMEOUT = 60


def assert_stopped_with(result: pytest.RunResult, reason: str, status: int = 4) -> None:
    """The run exited with ``status`` before any test, saying ``reason`` once, without a traceback."""
    output = result.outlines + result.errlines
    assert result.ret == status, "\n".join(output)
    assert len([line for line in output if reason in line]) == 1, "\n".join(output)
    assert not [line for line in output if "Traceback" in line], "\n".join(output)
    assert not [line for line in output if "test_rule[" in line or " passed" in line]


def test_a_live_target_without_credentials_stops_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, emulator_url: Callable[..., str]
) -> None:
    # pytester points HOME at its own folder, so no ~/.qingcloud/config.yaml is found either.
    monkeypatch.delenv(KEY_ID_VARIABLE, raising=False)
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    url = emulator_url()

    result = pytester.runpytest_subprocess(*SUITE, f"--conformance-target={url}", timeout=TIMEOUT)

    assert_stopped_with(
        result,
        f"conformance: no credentials for {url}: set {KEY_ID_VARIABLE} and {SECRET_VARIABLE}",
    )


@pytest.mark.usefixtures("demo_credentials")
def test_a_live_target_that_refuses_connections_stops_the_run(
    pytester: pytest.Pytester, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/iaas/"

    result = pytester.runpytest_subprocess(
        *SUITE, f"--conformance-target={url}", "--conformance-rate=0", timeout=TIMEOUT
    )

    assert_stopped_with(
        result,
        # Three attempts, each counted: the server may have seen them (a budget counts them too).
        "conformance: the run stopped after 3 request(s): the endpoint stopped answering: "
        f"cannot reach {url}: connection refused",
    )


@pytest.mark.usefixtures("demo_credentials")
def test_a_live_target_that_answers_html_stops_the_run(
    pytester: pytest.Pytester, html_url: str
) -> None:
    result = pytester.runpytest_subprocess(
        *SUITE, f"--conformance-target={html_url}", "--conformance-rate=0", timeout=TIMEOUT
    )

    assert_stopped_with(
        result,
        "conformance: the run stopped after 1 request(s): "
        f"{html_url} is not a QingCloud API: its answer to a listing is not JSON (HTTP 200, text/html)",
    )


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        pytest.param(
            "--conformance-profile=bogus",
            "argument --conformance-profile: invalid choice: 'bogus' "
            "(choose from 'documented', 'strict')",
            id="profile",
        ),
        pytest.param(
            "--conformance-max-examples=0",
            "argument --conformance-max-examples: expected a whole number of 1 or more, got 0",
            id="max-examples",
        ),
        pytest.param(
            "--conformance-rate=fast",
            "argument --conformance-rate: expected a number of 0 or more, got 'fast'",
            id="rate",
        ),
        pytest.param(
            "--conformance-target=emulator:no-such-fault",
            "conformance: unknown fault 'no-such-fault' in target 'emulator:no-such-fault'; "
            "valid names: churn, missing-total-count",
            id="fault",
        ),
    ],
)
def test_a_wrong_option_value_stops_the_run_and_lists_what_is_allowed(
    pytester: pytest.Pytester, option: str, reason: str
) -> None:
    result = pytester.runpytest_subprocess(*SUITE, option, timeout=TIMEOUT)

    assert_stopped_with(result, reason, status=pytest.ExitCode.USAGE_ERROR)


def test_a_wrong_key_is_said_once_by_its_code_never_with_the_key_id_the_server_echoes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, emulator_url: Callable[..., str]
) -> None:
    # The emulator answers as QingCloud does: "access key [QY…] is not known", echoing the key id.
    wrong = "QYWRONGKEYID12345678"
    monkeypatch.setenv(KEY_ID_VARIABLE, wrong)
    monkeypatch.setenv(SECRET_VARIABLE, "not-the-secret")
    url = emulator_url()

    result = pytester.runpytest_subprocess(
        *SUITE, f"--conformance-target={url}", "--conformance-rate=0", timeout=TIMEOUT
    )

    assert_stopped_with(
        result,
        f"{url} refused to list the jobs of app-tg3lbp0a: ret_code 1200 (AuthFailure) "
        "(check the credentials)",
    )
    assert wrong not in "\n".join(result.outlines + result.errlines)
