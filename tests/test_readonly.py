"""Read-only, also by hand: ``conformance sign`` signs DescribeClusterJobs and nothing else."""

from __future__ import annotations

import pytest

from conformance import cli
from conformance.readonly import actions, refusal

ALLOWED = "only action=DescribeClusterJobs, once, is ever signed or sent"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param("zone=pek3a&app=a", "no action parameter", id="missing"),
        pytest.param("", "no action parameter", id="empty"),
        pytest.param("action=RunInstances&zone=pek3a", "action 'RunInstances'", id="another"),
        pytest.param("action=describeclusterjobs", "action 'describeclusterjobs'", id="case"),
        pytest.param("action=DescribeClusterJobs%20", "action 'DescribeClusterJobs '", id="space"),
        pytest.param(
            "action=DescribeClusterJobs&action=DescribeClusterJobs",
            "2 action parameters ('action'='DescribeClusterJobs', 'action'='DescribeClusterJobs')",
            id="twice-the-same",
        ),
        pytest.param(
            "action=DescribeClusterJobs&action=TerminateInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action'='TerminateInstances')",
            id="twice",
        ),
        pytest.param(
            "action=DescribeClusterJobs;action=TerminateInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action'='TerminateInstances')",
            id="semicolon",
        ),
        pytest.param(
            "app=a;Action=RunInstances&action=DescribeClusterJobs",
            "2 action parameters ('Action'='RunInstances', 'action'='DescribeClusterJobs')",
            id="semicolon-and-case",
        ),
        pytest.param(
            "action=DescribeClusterJobs&%20action=RunInstances",
            "2 action parameters ('action'='DescribeClusterJobs', ' action'='RunInstances')",
            id="space-in-name",
        ),
        pytest.param(
            "action=DescribeClusterJobs&action%00=RunInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action\\x00'='RunInstances')",
            id="nul-in-name",
        ),
        pytest.param(
            "action=DescribeClusterJobs&action.1=RunInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action.1'='RunInstances')",
            id="list-index",
        ),
        pytest.param(
            "action=DescribeClusterJobs&action[]=RunInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action[]'='RunInstances')",
            id="php-array",
        ),
        pytest.param(
            "action=DescribeClusterJobs&%61ction=RunInstances",
            "2 action parameters ('action'='DescribeClusterJobs', 'action'='RunInstances')",
            id="percent-encoded-name",
        ),
        pytest.param(
            "Action=DescribeClusterJobs", "an action parameter named 'Action'", id="odd-name"
        ),
        pytest.param(
            "ACTION+=DescribeClusterJobs", "an action parameter named 'ACTION '", id="plus"
        ),
        pytest.param(
            "action=Describe%1B%5B2JClusterJobs",
            "action 'Describe\\x1b[2JClusterJobs'",
            id="control-characters-escaped",
        ),
    ],
)
def test_anything_but_one_describeclusterjobs_is_refused(query: str, reason: str) -> None:
    assert refusal(query) == f"{reason}: {ALLOWED}"


def test_one_describeclusterjobs_is_allowed_in_the_query_or_the_form_body() -> None:
    assert refusal("action=DescribeClusterJobs&zone=pek3a&status=a%3Bb") is None
    assert refusal("", "zone=pek3a&action=DescribeClusterJobs") is None
    assert refusal("action=DescribeClusterJobs", "action=DescribeClusterJobs") is not None
    assert actions("x=1&action=A", "action=B") == [("action", "A"), ("action", "B")]


def test_a_long_refused_value_is_cut_short() -> None:
    reason = refusal("action=" + "X" * 500)

    assert reason is not None
    assert len(reason) < 200


@pytest.mark.parametrize(
    "query",
    [
        "zone=pek3a",
        "action=RunInstances",
        "action=DescribeClusterJobs&action=DescribeClusterJobs",
        "action=DescribeClusterJobs;action=TerminateInstances",
        "Action=DescribeClusterJobs",
    ],
)
@pytest.mark.parametrize("mutation", [None, "wrong-signature"])
def test_conformance_sign_refuses_with_one_line_and_exit_2_before_reading_a_key(
    query: str,
    mutation: str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No key pair anywhere: a refusal must not depend on reading one.
    monkeypatch.delenv("QINGCLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("QINGCLOUD_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    options = ["--mutation", mutation] if mutation else []

    status = cli.main(["sign", *options, query])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("conformance: error: refusing to sign: ")
    assert err.endswith(f": {ALLOWED}\n")


def test_conformance_sign_still_signs_describeclusterjobs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = cli.main(["sign", "--demo", "?action=DescribeClusterJobs&zone=pek3a&app=a"])

    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.startswith("action=DescribeClusterJobs&zone=pek3a&app=a&access_key_id=")
    assert refusal(out.strip()) is None
