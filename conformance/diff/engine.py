"""``diff``: the same requests to two targets, the answers compared in contract terms.

Two targets that answer (the emulator, with its options, or an endpoint) are each asked every
probe's boundary cases (``Probe.examples``, drawn from each target's own jobs and paired), then
``max_examples`` generated ones (``asking.drawn``), within each target's ``budget``. When one is a
cassette, its recorded DescribeClusterJobs requests are the cases: each is sent to the other
target (job ids mapped to its own, an authentication failure made again by the same mutation) and
its answer compared with the recorded one.

A difference is asked again before it is kept (once per kind): data that changed between two
calls is not a difference. Each answer is judged by its own target's verdict, as the suite judges
it, so a report says of each side whether it is conformant, a deviation, or left open by the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.client import Client
from conformance.contract import SCOPE, SIGNING_PARAMS
from conformance.deviation import Profile
from conformance.diff.asking import (
    MUTATION_OF,
    Answer,
    Side,
    answer,
    ask,
    asked,
    drawn,
    id_map,
    judged_alone,
    translated,
)
from conformance.diff.compare import Difference, Kind, differs, grouped
from conformance.diff.normalise import Tokens, skeleton
from conformance.errors import RunStopped, TargetError, UsageError
from conformance.exchange import NOT_JSON, Exchange
from conformance.judgement.listing import Universe
from conformance.options import DEFAULT_APP, EMULATOR_BUDGET, LIVE_BUDGET
from conformance.probes import PROBES
from conformance.probes.learn import learn
from conformance.probes.responses import RESPONSES
from conformance.probes.run import Probe, Run
from conformance.redact import REDACTED, redact_text, secret_name
from conformance.replay import reproduce, unsigned_query
from conformance.signing import Secret
from conformance.stopping import Stopper
from conformance.transport import Target

#: Jobs of a listing shown in a side-by-side answer; the rest are counted.
SHOWN_JOBS = 2


@dataclass(frozen=True)
class DiffSettings:
    """What a diff asks and how much it may send: ``budget`` requests per target, learning and
    retries included (None: what one run of the suite may send it, ``options.LIVE_BUDGET`` or
    ``options.EMULATOR_BUDGET``), and ``max_examples`` generated cases after the boundary ones."""

    app: str = DEFAULT_APP
    zone: str = "pek3a"
    profile: str = "documented"
    budget: int | None = None
    max_examples: int = 25
    seed: int = 0
    max_pages: int = 5
    rate: float | None = 10.0
    timeout: float = 10.0


@dataclass
class DiffResult:
    """What a diff found: one ``Difference`` per kind, and what it compared and sent."""

    a: Target
    b: Target
    mode: str  # "probes" (both answer) or "recording" (one is a cassette)
    differences: list[Difference] = field(default_factory=list)
    compared: int = 0
    #: Cases a difference was seen on once but not again (data that changed meanwhile).
    unconfirmed: int = 0
    #: Why some cases were not compared (the budget ran out, a target could not judge one…).
    skipped: dict[str, int] = field(default_factory=dict)
    #: Boundary cases (a recording's requests) not compared, and differences seen once that the
    #: budget left no request to ask again: while any is, the diff is no verdict.
    left_out: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    #: What the report is scrubbed of wherever it appears: both targets' key pairs, and every
    #: signature sent (a server may echo them, in any word of its answer).
    secrets: tuple[str | Secret, ...] = field(default=(), repr=False)
    signatures: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def agree(self) -> bool:
        """Whether the two targets behave the same in contract terms."""
        return not self.differences

    def incomplete(self) -> str | None:
        """Why the diff is no verdict (None: it is one): it compared nothing, or left boundary
        cases uncompared. Green means judged: agreement on what was not asked is not agreement."""
        if not self.compared:
            why = ", ".join(self.skipped) or "there was nothing to compare"
            return f"no case was compared ({why})"
        if self.left_out:
            unit = "recorded request(s)" if self.mode == "recording" else "boundary case(s)"
            why = ", ".join(self.skipped) or "they could not be asked"
            return f"{self.left_out} {unit} or confirmation(s) were not compared ({why})"
        return None

    def skip(self, why: str, *, boundary: bool = False) -> None:
        """Count one case not compared, and why (``boundary``: one the verdict needs)."""
        self.skipped[why] = self.skipped.get(why, 0) + 1
        self.left_out += boundary

    def to_json(self) -> dict[str, Any]:
        """As the JSON report carries it (``diff``); nothing in it is a credential: every text is
        scrubbed as a recording is, and of the targets' key pairs and the signatures sent."""
        found = {
            "a": self.a.name,
            "b": self.b.name,
            "mode": self.mode,
            "agree": self.agree,
            "incomplete": self.incomplete(),
            "compared": self.compared,
            "unconfirmed": self.unconfirmed,
            "skipped": dict(self.skipped),
            "requests": dict(self.requests),
            "differences": [self.entry(difference) for difference in self.differences],
        }
        scrubbed: dict[str, Any] = self._scrubbed(found)
        return scrubbed

    def _scrubbed(self, value: Any) -> Any:
        from conformance.cassettes.scrub import scrub_text

        if isinstance(value, dict):
            return {self._scrubbed(key): self._scrubbed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._scrubbed(item) for item in value]
        if isinstance(value, str):
            return scrub_text(value, secrets=self.secrets, signatures=self.signatures)
        return value

    def entry(self, difference: Difference) -> dict[str, Any]:
        """One difference: its kind, the case, and each side's request, answer, verdict, replay."""
        return {
            "kind": difference.kind.to_json(),
            "summary": summary(difference),
            "probe": difference.probe,
            "case": difference.case,
            "cases": difference.cases,
            "aspects": list(difference.aspects),
            "a": _side(difference.a, self.a, difference.aspects),
            "b": _side(difference.b, self.b, difference.aspects),
        }


def summary(difference: Difference) -> str:
    """One sentence: the aspect, each side's value of it, and why it matters."""
    kind = difference.kind
    a, b = difference.a.shape.get(kind.aspect), difference.b.shape.get(kind.aspect)
    if kind.aspect == "verdict":
        said = "only one side's own verdict names " + ", ".join(kind.rules)
    elif kind.aspect in FIELDS:
        only_a, only_b = _pairs(a) - _pairs(b), _pairs(b) - _pairs(a)
        said = f"{kind.aspect}: only A has {_listed(only_a)}; only B has {_listed(only_b)}"
    else:
        said = f"{kind.aspect}: A {_value(a)}, B {_value(b)}"
    if kind.left_open is not None:
        said += f" (left open by the page: {kind.left_open})"
    elif kind.rules:
        said += f" ({', '.join(kind.rules)})"
    return said


#: The aspects that hold (field, type) pairs: a difference names the pairs one side alone has.
FIELDS = frozenset({"envelope", "items"})


def _pairs(value: Any) -> set[tuple[str, str]]:
    """The (field, type) pairs of an aspect's value: one answer's, or a walk's pages' together."""
    if not isinstance(value, tuple):
        return set()
    if all(
        isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) for item in value
    ):
        return set(value)
    return set().union(*(_pairs(item) for item in value))


def _listed(pairs: set[tuple[str, str]]) -> str:
    if not pairs:
        return "nothing more"
    return ", ".join(f"{field or '/'} ({kind})" for field, kind in sorted(pairs))


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _side(found: Answer, target: Target, aspects: Sequence[str]) -> dict[str, Any]:
    last = found.exchanges[-1]
    request = last.request
    return {
        "target": target.name,
        "verdict": found.verdict(),
        "request": {
            "method": request.method,
            "path": request.path,
            "params": unsigned_query(request),
        },
        "answer": shown_answer(last),
        "shape": {aspect: _json_safe(found.shape.get(aspect)) for aspect in aspects},
        "reproduce": reproduce(
            request,
            url=target.url,
            emulator_options=target.replay_options,
            mutation=found.mutation,
        ),
    }


def shown_answer(exchange: Exchange) -> dict[str, Any]:
    """An answer as a reader compares it: HTTP status and the body with ids as tokens, times as
    their format, the directive decoded, the first ``SHOWN_JOBS`` jobs; credentials redacted."""
    response = exchange.response
    document = response.document
    if document is NOT_JSON:
        text = redact_text(response.body[:600].decode("utf-8", "replace"))[0]
        return {"status": response.status, "body": text}
    body = _redacted(skeleton(document, Tokens()))
    if isinstance(body, dict) and isinstance(body.get("job_set"), list):
        jobs = body["job_set"]
        if len(jobs) > SHOWN_JOBS:
            body["job_set"] = [*jobs[:SHOWN_JOBS], f"… {len(jobs) - SHOWN_JOBS} more"]
    return {"status": response.status, "body": body}


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED if secret_name(str(key)) else _redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)[0]
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_safe(item) for item in value]
    return value


# --- the run -------------------------------------------------------------------------------------


def default_budget(target: Target) -> int:
    """What one run of the suite may send ``target``: a diff sends each side no more."""
    return EMULATOR_BUDGET if target.url is None else LIVE_BUDGET


def diff(
    a: Target,
    b: Target,
    settings: DiffSettings = DiffSettings(),
    *,
    stoppers: Sequence[Stopper | None] = (None, None),
) -> DiffResult:
    """Compare ``a`` and ``b``. Raises ``TargetError`` or ``RunStopped`` when one cannot be used
    (it refuses to list, or does not answer), ``TooSmall`` when a budget cannot pay for learning
    and the boundary cases, ``UsageError`` when both are cassettes that share no request.

    ``stoppers``: a run's own ``Stopper`` for a side, to share (what the diff sends that target
    counts against the run's budget, and never passes it); None gives the side one of its own for
    ``settings.budget``."""
    from conformance.targets.cassette import CassetteTarget

    if isinstance(a, CassetteTarget):
        return _recording(a, b, settings, recorded_first=True, stopper=stoppers[1])
    if isinstance(b, CassetteTarget):
        return _recording(b, a, settings, recorded_first=False, stopper=stoppers[0])
    return _probes(a, b, settings, stoppers)


class TooSmall(UsageError):
    """A budget that cannot pay for learning and the boundary cases (a recording's requests) of
    one side; ``smallest`` would. Refused before a case is asked, as ``conformance run`` refuses a
    budget too small for its boundary pass (``conformance.probes.plan.TooSmall``)."""

    def __init__(self, message: str, smallest: int | None = None) -> None:
        super().__init__(message)
        self.smallest = smallest


#: Why a case was not compared when its side's budget could not pay for it.
BUDGET_RAN_OUT = "the budget ran out"


def side(
    label: str, target: Target, settings: DiffSettings, *, stopper: Stopper | None = None
) -> Side:
    """``target`` as one side: a client whose ``Stopper`` caps what it is sent (``stopper``: a
    run's own, shared, so what the diff sends counts against that run's budget; else one of its
    own for ``settings.budget``), and the jobs it lists. Raises ``TooSmall`` before a request when
    the budget cannot pay for learning."""
    client = Client(target, zone=settings.zone)
    if stopper is None:
        budget = settings.budget if settings.budget is not None else default_budget(target)
        stopper = Stopper(
            health=lambda: client.call({"app": settings.app, "limit": 1}), budget=budget
        )
        if hasattr(target, "on_retry"):  # a live target's retries reach the server too
            target.on_retry = stopper.spend
    client.stopper = stopper
    before = stopper.spent
    left = None if stopper.budget is None else stopper.budget - before
    if left is not None and left <= settings.max_pages:
        # Learning alone may take that many: refused before a request is sent.
        raise TooSmall(
            f"a budget of {left} request(s) for {target.name} cannot pay for learning its jobs "
            f"(up to {settings.max_pages} pages, --max-pages) and the boundary cases after them"
        )
    universe = learn(client, settings.app, max_pages=settings.max_pages)
    run = Run(
        client, settings.app, Profile(settings.profile), universe, max_pages=settings.max_pages
    )
    return Side(label, target, client, run, before)


def _refuse_unless_affords(sides: Sequence[Side], costs: Sequence[int], what: str) -> None:
    """Raise ``TooSmall`` when what a side's budget left after learning cannot pay ``costs``."""
    for one, cost in zip(sides, costs, strict=True):
        if not one.affords(cost):
            learning = one.spent()
            stopper = one.client.stopper
            budget = (stopper.budget if stopper is not None else None) or 0
            smallest = learning + cost  # counted from the diff's start, as its budget is
            raise TooSmall(
                f"a budget of {budget - one.before} request(s) for {one.target.name} cannot pay "
                f"for {what}: learning took {learning} and they need up to {cost}; "
                f"the smallest budget that would do is {smallest}",
                smallest,
            )


def _secrets(*targets: Target) -> tuple[str | Secret, ...]:
    return tuple(
        value
        for target in targets
        if target.credentials is not None
        for value in (target.credentials.access_key_id, target.credentials.secret_access_key)
    )


def _probes(
    a: Target, b: Target, settings: DiffSettings, stoppers: Sequence[Stopper | None]
) -> DiffResult:
    result = DiffResult(a, b, "probes", secrets=_secrets(a, b))
    sides = (
        side("A", a, settings, stopper=stoppers[0]),
        side("B", b, settings, stopper=stoppers[1]),
    )
    cases = list(_cases(sides[0].run, sides[1].run, settings))
    boundary = [case for case in cases if case[4]]
    # Learning and every boundary case, refused up front when a side cannot pay for them.
    needs = [
        sum(case[0].cost(one.run, case[2 + index]) for case in boundary)
        for index, one in enumerate(sides)
    ]
    _refuse_unless_affords(sides, needs, f"the {len(boundary)} boundary case(s)")
    confirmed: set[Kind] = set()
    found: list[Difference] = []
    try:
        for probe, label, case_a, case_b, needed in cases:
            pair = (case_a, case_b)
            costs = [probe.cost(s.run, c) for s, c in zip(sides, pair, strict=True)]
            if not all(s.affords(cost) for s, cost in zip(sides, costs, strict=True)):
                result.skip(BUDGET_RAN_OUT, boundary=needed)
                continue
            answers = [ask(s, probe, c) for s, c in zip(sides, pair, strict=True)]
            first, second = answers
            if first is None or second is None:
                result.skip("a target's answers gave its probe nothing to judge")
                continue
            result.compared += 1
            seen = differs(first, second)
            if seen is None:
                continue
            kind, aspects = seen
            if kind not in confirmed:
                if not all(s.affords(cost) for s, cost in zip(sides, costs, strict=True)):
                    # Seen once, neither confirmed nor refuted: not a verdict either way.
                    result.skip(BUDGET_RAN_OUT + " to ask a difference again", boundary=True)
                    continue
                again = [ask(s, probe, c) for s, c in zip(sides, pair, strict=True)]
                repeated = differs(again[0], again[1]) if again[0] and again[1] else None
                if repeated is None or repeated[0] != kind:
                    result.unconfirmed += 1
                    continue
                confirmed.add(kind)
            found.append(Difference(kind, probe.name, label, first, second, aspects))
    except RunStopped:
        # A retry the budget could not pay for stops its side at once: what is left is not asked.
        if not any(_spent_out(s) for s in sides):
            raise
        result.skip(BUDGET_RAN_OUT, boundary=True)
    result.differences = grouped(found)
    result.requests = {"a": sides[0].spent(), "b": sides[1].spent()}
    result.signatures = frozenset(sides[0].signatures | sides[1].signatures)
    return result


def _spent_out(one: Side) -> bool:
    """Whether ``one``'s budget stopped it (its stopper refused a request it could not pay)."""
    stopper = one.client.stopper
    return (
        stopper is not None
        and stopper.stopped is not None
        and stopper.budget is not None
        and stopper.spent >= stopper.budget
    )


def _cases(
    run_a: Run, run_b: Run, settings: DiffSettings
) -> Iterator[tuple[Probe, str, Any, Any, bool]]:
    """Every probe's boundary cases, paired, then the generated ones; each with whether it is a
    boundary case."""
    for probe in PROBES:
        for case_a, case_b in _paired(probe, run_a, run_b):
            yield probe, label(probe, case_a), case_a, case_b, True
    for number, draw in enumerate(drawn(settings.max_examples, settings.seed), start=1):
        params_a, params_b = draw.params(run_a), draw.params(run_b)
        if params_a is not None and params_b is not None:
            case_a, case_b = (params_a, draw.verb), (params_b, draw.verb)
            label_ = f"generated #{number}: {label(RESPONSES, case_a)}"
            yield RESPONSES, label_, case_a, case_b, False


def _paired(probe: Probe, run_a: Run, run_b: Run) -> list[tuple[Any, Any]]:
    """The probe's boundary cases for each side, paired: in order when both sides have as many,
    else by what they ask with each job id as its position in its own listing."""
    cases_a, cases_b = probe.examples(run_a), probe.examples(run_b)
    if len(cases_a) == len(cases_b):
        return list(zip(cases_a, cases_b, strict=True))
    keyed_b = {_key(case, run_b.universe): case for case in cases_b}
    return [
        (case, keyed_b[_key(case, run_a.universe)])
        for case in cases_a
        if _key(case, run_a.universe) in keyed_b
    ]


def _key(case: Any, universe: Universe) -> str:
    text = repr(case)
    for position, job_id in enumerate(universe.job_ids):
        text = text.replace(job_id, f"<job {position}>")
    return text


def label(probe: Probe, case: Any) -> str:
    """A case in a few words: its reason, its parameters, its walk or its mutation."""
    reason = getattr(case, "reason", None)
    if isinstance(reason, str):
        return reason
    if isinstance(case, tuple) and len(case) == 2 and isinstance(case[1], str):
        params, verb = case
        shown = {k: v for k, v in params.items() if k != SCOPE}
        return f"{verb} {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(case, tuple) and hasattr(case[0], "label"):
        return f"a request with {case[0].label}"
    if isinstance(case, int):
        return f"a walk of the listing at limit={case}"
    params = getattr(case, "params", None)
    if callable(params):
        return f"a walk of {json.dumps(params(), ensure_ascii=False)}"
    return repr(case)


def _recording(
    recorded: Target,
    other: Target,
    settings: DiffSettings,
    *,
    recorded_first: bool,
    stopper: Stopper | None = None,
) -> DiffResult:
    from conformance.cassettes.interaction import request_pairs
    from conformance.cassettes.learned import is_plain_listing
    from conformance.cassettes.learned import recorded as recorded_items

    items = list(recorded_items(getattr(recorded, "cassettes", ())))
    a, b = (recorded, other) if recorded_first else (other, recorded)
    result = DiffResult(a, b, "recording", secrets=_secrets(a, b))
    if not items:
        raise UsageError(f"{recorded.name} records no DescribeClusterJobs interaction to compare")
    asking = side("A" if not recorded_first else "B", other, settings, stopper=stopper)
    app = settings.app
    listed = [
        str(job["job_id"])
        for item in items
        if is_plain_listing(item) and item.asked.params.get(SCOPE) == app
        for job in item.response.document["job_set"]
        if isinstance(job, dict) and isinstance(job.get("job_id"), str)
    ]
    known_recorded = list(dict.fromkeys(listed))
    ids = id_map(known_recorded, asking.run.universe.job_ids)
    confirmed: set[Kind] = set()
    found: list[Difference] = []
    seen: set[tuple[Any, ...]] = set()
    distinct: list[_Recorded] = []
    for item in items:
        raw = item.raw
        auth = (raw.get("conformance") or {}).get("auth")
        method = str(raw["request"]["method"]).upper()
        pairs = [pair for pair in request_pairs(raw["request"]) if pair[0] not in SIGNING_PARAMS]
        sent = translated(pairs, ids)
        key = (method, tuple(sent), auth)
        if key not in seen:
            seen.add(key)
            distinct.append((item, raw, auth, method, sent))
    # Every recorded request once, after learning: refused up front when the budget cannot pay.
    need = len(distinct)
    _refuse_unless_affords([asking], [need], f"the {need} recorded request(s)")
    try:
        _resent(
            result, distinct, asking, settings, known_recorded, found, confirmed, recorded_first
        )
    except RunStopped:
        if not _spent_out(asking):
            raise
        result.skip(BUDGET_RAN_OUT, boundary=True)
    result.differences = grouped(found)
    spent = asking.spent()
    result.requests = {"a": 0, "b": spent} if recorded_first else {"a": spent, "b": 0}
    result.signatures = frozenset(asking.signatures)
    return result


#: A distinct recorded request: the item, its raw interaction, its authentication verdict, its
#: method, and its pairs with job ids mapped to the other target's.
_Recorded = tuple[Any, dict[str, Any], str | None, str, list[tuple[str, str]]]


def _resent(
    result: DiffResult,
    distinct: Sequence[_Recorded],
    asking: Side,
    settings: DiffSettings,
    known_recorded: Sequence[str],
    found: list[Difference],
    confirmed: set[Kind],
    recorded_first: bool,
) -> None:
    """Each distinct recorded request sent again and its answer compared with the recorded one."""
    from conformance.cassettes.interaction import to_request
    from conformance.strategies.requests import MUTATIONS

    app = settings.app
    profile = Profile(settings.profile)
    known_own = asking.run.universe.job_ids
    for item, raw, auth, method, sent in distinct:
        documented = item.asked.documented and not item.asked.invalid
        mutation = MUTATIONS.get(MUTATION_OF.get(auth or "", ""))
        exchange = Exchange(to_request(raw["request"]), item.response)
        params, _ = asked(exchange)
        then = answer(
            [exchange],
            judged_alone(
                exchange,
                params,
                documented=documented,
                known=known_recorded,
                auth=auth,
                profile=profile,
            ),
            app=app,
            zone=settings.zone,
            mutation=mutation.label if mutation else None,
        )

        resend = _Resend(asking, sent, method, mutation, documented, auth, known_own, profile)
        fresh = resend()
        if fresh is None:
            spent_out = not asking.affords(1)
            why = BUDGET_RAN_OUT if spent_out else "the other target gave no answer"
            result.skip(why, boundary=spent_out)
            continue
        result.compared += 1
        pair = (then, fresh) if recorded_first else (fresh, then)
        difference = differs(*pair)
        if difference is None:
            continue
        kind, aspects = difference
        if kind not in confirmed:
            if not asking.affords(1):
                result.skip(BUDGET_RAN_OUT + " to ask a difference again", boundary=True)
                continue
            again = resend()
            repeated = (
                differs(*((then, again) if recorded_first else (again, then))) if again else None
            )
            if repeated is None or repeated[0] != kind:
                result.unconfirmed += 1
                continue
            confirmed.add(kind)
        case = f"{method} {unsigned_query(exchange.request)}"
        found.append(Difference(kind, "recording", case, pair[0], pair[1], aspects))


@dataclass(frozen=True)
class _Resend:
    """A recorded request, sent to the other target as recorded: signed, or broken by the
    mutation that made its recorded authentication failure; None when no answer came (the budget
    is spent, a cassette recorded none, or the client refuses what was recorded)."""

    asking: Side
    pairs: list[tuple[str, str]]
    method: str
    mutation: Any
    documented: bool
    auth: str | None
    known: Sequence[str]
    profile: Profile

    def __call__(self) -> Answer | None:
        asking, client = self.asking, self.asking.client
        if not asking.affords(1):
            return None
        credentials = asking.target.credentials
        try:
            if self.mutation is not None and credentials is not None:
                broken = self.mutation.apply(
                    self.pairs,
                    credentials,
                    now=client.clock(),
                    verb=self.method,
                    path=asking.target.path,
                )
                answered = client.send_pairs(broken, verb=self.method, sign=False)
            else:
                answered = client.send_pairs(self.pairs, verb=self.method)
        except (TargetError, UsageError):
            return None
        params, _ = asked(answered)
        found = judged_alone(
            answered,
            params,
            documented=self.documented,
            known=self.known,
            auth=self.auth,
            profile=self.profile,
        )
        label = self.mutation.label if self.mutation is not None else None
        return answer(
            [answered], found, app=asking.run.app, zone=asking.client.zone, mutation=label
        )
