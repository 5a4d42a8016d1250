"""``--conformance-replay``: an earlier report's failing requests sent again first, and judged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.suite.helpers import FEW_EXAMPLES, run_suite, section

# One rule judged on one response, one judged across a filtered walk.
FAULTS = "emulator:limit-off-by-one,combined-filters-or"
RULES = ("DCJ-PAGE-002", "DCJ-FILTER-004")
# The replaying run itself runs one cheap rule: the replay goes first whatever is selected.
ONE_RULE = ("-k", "[DCJ-RESP-006]")


def _report_of(pytester: pytest.Pytester, target: str, *args: str) -> Path:
    path = pytester.path / "first.json"
    result = run_suite(
        pytester,
        f"--conformance-target={target}",
        "--conformance-rate=0",
        FEW_EXAMPLES,
        f"--conformance-report={path}",
        *args,
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, "\n".join(result.outlines)
    return path


def _replayed(
    pytester: pytest.Pytester, target: str, earlier: Path
) -> tuple[pytest.RunResult, list[dict[str, object]]]:
    path = pytester.path / "again.json"
    result = run_suite(
        pytester,
        f"--conformance-target={target}",
        "--conformance-rate=0",
        f"--conformance-replay={earlier}",
        f"--conformance-report={path}",
        *ONE_RULE,
    )
    replayed: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["replayed"]
    return result, replayed


def test_a_replay_says_the_faults_still_fail_and_that_a_correct_server_fixed_them(
    pytester: pytest.Pytester,
) -> None:
    earlier = _report_of(pytester, FAULTS, "-k", " or ".join(f"[{rule}]" for rule in RULES))

    result, replayed = _replayed(pytester, FAULTS, earlier)

    assert {item["rule"] for item in replayed} == set(RULES)
    assert all(item["still_fails"] for item in replayed), replayed
    walked = next(item for item in replayed if item["rule"] == "DCJ-FILTER-004")
    assert str(walked["how"]).startswith("the filtered walk of")  # a page alone cannot show it
    lines = section(result, "conformance")
    assert f"replayed {len(replayed)} failing request(s) of the earlier report: " in "\n".join(
        lines
    )
    assert any(line.startswith("replayed DCJ-PAGE-002: still fails") for line in lines)

    result, replayed = _replayed(pytester, "emulator", earlier)

    assert result.ret == pytest.ExitCode.OK
    assert {item["rule"] for item in replayed} == set(RULES)
    assert not any(item["still_fails"] for item in replayed), replayed
    result.stdout.fnmatch_lines(
        [f"replayed {len(replayed)} failing request(s) of the earlier report: 0 still fail, *"]
    )


@pytest.mark.usefixtures("demo_credentials")
def test_a_replayed_authentication_failure_is_sent_with_its_mutation_again(
    pytester: pytest.Pytester, emulator_url: Callable[..., str]
) -> None:
    broken = emulator_url("signature-not-checked")
    earlier = _report_of(pytester, broken, "-k", "[DCJ-AUTH-001]")

    _, replayed = _replayed(pytester, broken, earlier)

    assert replayed
    assert all(item["still_fails"] for item in replayed), replayed
    assert {item["mutation"] for item in replayed} <= {"wrong-signature", "changed-after-signing"}

    _, replayed = _replayed(pytester, emulator_url(), earlier)

    assert replayed
    assert not any(item["still_fails"] for item in replayed), replayed


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("{not json", "is not JSON"),
        ('{"deviations": []}', "is not a conformance report"),
        ('{"summary": {}, "deviations": [{"rule": 1}]}', "deviations[0] is not a report entry"),
    ],
)
def test_a_report_that_cannot_be_replayed_is_one_line_before_any_request(
    pytester: pytest.Pytester, closed_port: int, content: str | None, says: str
) -> None:
    path = pytester.path / "earlier.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    # Nothing listens on the target: a request would end the run with another message.
    result = run_suite(
        pytester,
        f"--conformance-target=http://127.0.0.1:{closed_port}/iaas/",
        f"--conformance-replay={path}",
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1
    assert errors[0].startswith("ERROR: --conformance-replay: ")
    assert says in errors[0]
