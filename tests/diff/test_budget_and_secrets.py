"""Issue 13's red-team findings: a diff is green only when it judged, never sends a target more
than its budget (retries and confirmations included), shares a run's budget, and writes no
credential a hostile server echoes into any word of its answers."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance import signing
from conformance.diff.engine import DiffResult, DiffSettings, TooSmall, diff
from conformance.diff.normalise import UNDOCUMENTED, token
from conformance.emulator import Emulator
from conformance.exchange import Request, Response
from conformance.targets import open_target
from conformance.targets.live import LiveTarget
from tests.diff.conftest import CountingEmulator

Serve = Callable[[Emulator], tuple[str, LiveTarget]]
# Not shaped like a QingCloud key id (QY and 18): only redacting by the credentials in use hides it.
KEY_ID = "own-key-id-not-qy-shaped"
SECRET = "own/s3cret+key=n0t-the-demo"


def test_a_budget_below_learning_is_refused_before_a_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conformance.cli import main

    status = main(["diff", "emulator", "emulator:limit-off-by-one", "--budget", "2"])
    assert status == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "--budget: a budget of 2 request(s)" in err[0]


def test_a_budget_below_the_boundary_cases_is_refused_naming_the_smallest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conformance.cli import main

    status = main(["diff", "emulator", "emulator", "--budget", "20"])
    out, err = capsys.readouterr()
    assert status == 4
    assert "AGREE" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "boundary case(s)" in lines[0]
    assert "the smallest budget that would do is" in lines[0]
    smallest = int(lines[0].rsplit(" ", 1)[1])
    assert main(["diff", "emulator", "emulator", "--budget", str(smallest)]) == 0


def test_an_agreement_that_left_boundary_cases_uncompared_is_no_verdict() -> None:
    result = diff(open_target("emulator"), open_target("emulator"), DiffSettings(max_examples=0))
    assert result.incomplete() is None
    result.skip("the budget ran out", boundary=True)
    assert result.agree
    assert "1 boundary case(s)" in (result.incomplete() or "")
    assert result.to_json()["incomplete"]
    from conformance.reports.diff import markdown, verdict_line

    assert verdict_line(result.to_json()).startswith("NO VERDICT")
    assert "Two targets compared: no verdict" in markdown(result.to_json())[0]


def test_a_diff_that_compared_nothing_is_no_verdict_and_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.cli import main
    from conformance.diff import engine

    def nothing(a: object, b: object, settings: object) -> DiffResult:
        result = DiffResult(open_target("emulator"), open_target("emulator"), "probes")
        result.skip("a target's answers gave its probe nothing to judge")
        return result

    monkeypatch.setattr(engine, "diff", nothing)
    assert main(["diff", "emulator", "emulator"]) == 4
    out, err = capsys.readouterr()
    assert out.startswith("NO VERDICT"), out
    (line,) = err.strip().splitlines()
    assert "no case was compared" in line


@pytest.mark.parametrize("budget", [1, 3, 120, 130, 160])
def test_the_server_never_receives_more_than_the_budget(served: Serve, budget: int) -> None:
    one, two = CountingEmulator(), CountingEmulator(faults=["limit-off-by-one"])
    _, first = served(one)
    _, second = served(two)
    try:
        result = diff(first, second, DiffSettings(budget=budget, max_examples=25))
    except TooSmall:
        result = None
    assert one.answered <= budget, one.answered
    assert two.answered <= budget, two.answered
    if result is not None:
        assert result.requests == {"a": one.answered, "b": two.answered}


class _Flaky(CountingEmulator):
    """Answers every third request ServerBusy (5100): a live target retries it, and the server
    counts every retry."""

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        if self.answered % 3 == 0:
            return Response(200, b'{"ret_code":5100,"message":"ServerBusy, try again"}')
        return response


def test_retries_count_against_the_budget(served: Serve) -> None:
    flaky = _Flaky()
    _, first = served(flaky)
    first.backoff = 0.0
    _, second = served(CountingEmulator())
    budget = 140
    with contextlib.suppress(TooSmall):
        diff(first, second, DiffSettings(budget=budget, max_examples=25))
    assert flaky.answered <= budget, flaky.answered


def test_the_budget_is_refused_before_learning_when_it_cannot_pay_for_it(served: Serve) -> None:
    counting = CountingEmulator()
    _, first = served(counting)
    with pytest.raises(TooSmall):
        diff(first, open_target("emulator"), DiffSettings(budget=5))
    assert counting.answered == 0


# --- credentials ---------------------------------------------------------------------------------


def test_a_token_is_a_documented_one_or_no_word_of_the_server() -> None:
    assert token("AuthFailure, access key is not known") == "AuthFailure"
    assert token(f"{KEY_ID} is not known") == UNDOCUMENTED
    assert token("") == "<none>"


class _Echoing(Emulator):
    """A hostile server: every error message starts with the request's access_key_id, as
    QingCloud's say "access key [QY…] is not known", and ends with its signature."""

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        document = json.loads(response.body)
        if document.get("ret_code"):
            pairs = dict(request.pairs())
            document["message"] = (
                f"{pairs.get('access_key_id', '')} is not known; signed "
                f"{pairs.get('signature', '')}"
            )
            return dataclasses.replace(response, body=json.dumps(document).encode())
        return response


def test_no_credential_a_server_echoes_reaches_a_diff_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.cli import main
    from conformance.emulator import serve
    from conformance.targets.credentials import KEY_ID_VARIABLE, SECRET_VARIABLE

    monkeypatch.setenv(KEY_ID_VARIABLE, KEY_ID)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    seen: list[Request] = []

    class Witness(_Echoing):
        def handle(self, request: Request) -> Response:
            seen.append(request)
            return super().handle(request)

    hostile = Witness(credentials=signing.Credentials(KEY_ID, SECRET))
    files = [tmp_path / name for name in ("r.json", "d.md", "d.html")]
    with serve(hostile) as url:
        main(
            [
                "diff", "emulator", url, "--rate", "0", "--max-examples", "3",
                "--report", str(files[0]), "--markdown", str(files[1]), "--html", str(files[2]),
            ]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert files[0].is_file(), err
    texts = {"stdout": out, "stderr": err, **{p.name: p.read_text() for p in files}}
    signatures = {v for r in seen for n, v in r.pairs() if n == "signature" and v}
    assert signatures
    echoed = json.loads(files[0].read_text())["diff"]
    assert echoed["differences"], "the hostile server's answers showed no difference: untested"
    for where, text in texts.items():
        assert KEY_ID not in text, where
        assert SECRET not in text, where
        for signature in signatures:
            assert signature not in text, where


def test_one_path_for_two_reports_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance.cli import main

    same = tmp_path / "same.out"
    status = main(["diff", "emulator", "emulator", "--report", str(same), "--html", str(same)])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "--html" in err[0]
    assert "report" in err[0]
    assert not same.exists()
