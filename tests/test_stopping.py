"""When a run stops: the answers that end it, the breaker that tells an outage from a bad input."""

from __future__ import annotations

import json

import pytest

from conformance.errors import RunStopped, TargetError
from conformance.exchange import Exchange, Request, Response, json_response
from conformance.stopping import IN_A_ROW, Stopper, unusable

LISTING = json_response(
    {"action": "DescribeClusterJobsResponse", "ret_code": 0, "total_count": 0, "job_set": []}
)
HTML = Response(200, b"<html>Welcome to nginx!</html>", (("Content-Type", "text/html"),))


def _exchange(response: Response) -> Exchange:
    return Exchange(Request(), response)


def _error(code: int) -> Response:
    return json_response({"ret_code": code, "message": "…"})


class _Counted:
    """A stopper whose health check answers ``health``; each answer goes through it as a client's
    would (``before``, then ``after``)."""

    def __init__(self, health: Response | None = LISTING, **options: float) -> None:
        self.stopper = Stopper(
            health=(lambda: self._check(health)) if health is not None else None,
            **options,  # type: ignore[arg-type]
        )

    @property
    def sent(self) -> int:
        return self.stopper.spent

    def _check(self, response: Response) -> Exchange:
        self.stopper.before()
        exchange = _exchange(response)
        self.stopper.after(exchange)
        return exchange

    def answer(self, response: Response) -> None:
        self.stopper.before()
        self.stopper.after(_exchange(response))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (2500, "the API quota is exhausted: the endpoint answered ret_code 2500"),
        (5100, "the endpoint is busy: ret_code 5100 (ServerBusy) after every retry"),
    ],
    ids=["quota", "busy"],
)
def test_quota_and_busy_answers_stop_the_run_at_once_and_every_later_send(
    code: int, reason: str
) -> None:
    run = _Counted()
    run.answer(LISTING)
    with pytest.raises(RunStopped) as stopped:
        run.answer(_error(code))
    assert str(stopped.value) == f"the run stopped after 2 request(s): {reason}"
    with pytest.raises(RunStopped) as again:
        run.stopper.before()
    assert str(again.value) == str(stopped.value)  # the first reason, the count at the stop


def test_one_input_that_makes_the_server_fail_is_not_an_outage() -> None:
    run = _Counted()
    for _ in range(IN_A_ROW - 1):
        run.answer(HTML)
    run.answer(LISTING)  # the streak ends
    run.answer(HTML)
    assert run.sent == IN_A_ROW + 1  # no listing was sent to check
    run.stopper.before()  # and nothing stopped


def test_a_streak_of_unusable_answers_is_checked_with_a_plain_listing_that_may_clear_it() -> None:
    run = _Counted(health=LISTING)
    for _ in range(IN_A_ROW):
        run.answer(_error(5000))
    assert run.sent == IN_A_ROW + 1  # the plain listing
    run.stopper.before()
    assert run.stopper.outage == ()


def test_a_streak_the_plain_listing_confirms_stops_the_run_and_marks_the_outage() -> None:
    run = _Counted(health=HTML)
    for _ in range(IN_A_ROW - 1):
        run.answer(HTML)
    with pytest.raises(RunStopped) as stopped:
        run.answer(HTML)
    assert "3 answers in a row were not the API, the last not JSON (HTTP 200, text/html)" in str(
        stopped.value
    )
    assert "a plain listing sent to check was not JSON" in str(stopped.value)
    assert len(run.stopper.outage) >= IN_A_ROW


def test_no_answer_after_the_retries_stops_the_run() -> None:
    run = _Counted()
    stopped = run.stopper.failed(TargetError("cannot reach http://127.0.0.1:9/iaas/: refused"))
    assert (
        stopped.reason
        == "the endpoint stopped answering: cannot reach http://127.0.0.1:9/iaas/: refused"
    )
    with pytest.raises(RunStopped):
        run.stopper.before()


def test_the_time_limit_stops_the_run_before_the_next_request() -> None:
    now = [100.0]
    stopper = Stopper(max_time=2.5, clock=lambda: now[0])
    for _ in range(7):
        stopper.before()
    now[0] = 102.5
    with pytest.raises(RunStopped) as stopped:
        stopper.before()
    assert str(stopped.value) == (
        "the run stopped after 7 request(s): its time limit of 2.5 s (--conformance-max-time) ran out"
    )


@pytest.mark.parametrize(
    ("response", "why"),
    [
        (LISTING, None),
        (_error(1100), None),  # an error is an API answer, right or wrong
        (json_response({"ret_code": "0"}), None),  # a deviation to judge, not an outage
        (HTML, "not JSON (HTTP 200, text/html)"),
        (Response(502, b"{}"), "HTTP 502"),
        (Response(200, json.dumps([1]).encode()), "JSON but not an object (HTTP 200)"),
        (_error(5000), "InternalError (ret_code 5000)"),
        (
            Response(200, b"<", (("Content-Type", "text/\x1b[2Jhtml"),)),
            "not JSON (HTTP 200, text/\\x1b[2Jhtml)",
        ),
    ],
    ids=["listing", "error", "ret-code-string", "html", "502", "array", "internal", "escaped"],
)
def test_what_counts_as_no_api_answer_at_all(response: Response, why: str | None) -> None:
    assert unusable(response) == why


def test_the_budget_is_never_exceeded_and_a_retry_counts_as_a_request() -> None:
    stopper = Stopper(budget=3)
    stopper.before()
    stopper.spend()  # a live target's retry of that request
    stopper.before()
    with pytest.raises(RunStopped) as stopped:
        stopper.before()
    assert stopper.spent == 3
    assert str(stopped.value) == (
        "the run stopped after 3 request(s): its request budget of 3 is spent (--conformance-budget)"
    )
