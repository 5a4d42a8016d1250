"""Every documented line a rule cites, the cases that exercise it, and a tally measured against them.

A line's cases are what the issue asks a QA lead to see: each parameter sent and omitted, each
status alone and combined and each class of illegal one, the paging boundaries, ``jobs.n`` with 1, 2
and 10 or more ids, known and unknown, each documented error code, each authentication failure, each
response element and job field, and the variety of the values seen. The cases are built from the
contract's declarations (``conformance.contract``, ``codes``, the schemas), never typed again.

A line is *full* when every case was seen and a rule resting on it was judged, *partial* when some
were, *missed* when none were (or no rule of it was judged), *n/a* when the run tests none of its
rules (a live run does not test what only a recording shows). The percentage is the cases seen over
the cases of the lines that apply; each gap names the case that would close it.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance import codes
from conformance.contract import (
    AUTH_FAILURES,
    COUNTS,
    INVALID_INPUTS,
    JOBS,
    LIMIT,
    OFFSET,
    SCOPE,
    STATUS,
    STATUSES,
    VERBOSE,
)
from conformance.coverage.tally import (
    ELEMENTS,
    ILLEGAL_STATUS_CLASSES,
    JOB_FIELDS,
    MANY_IDS,
    PARAMETERS,
)
from conformance.documented import PAGE, Citation
from conformance.rules import CATALOGUE

State = Literal["full", "partial", "missed", "n/a"]
STATES: tuple[State, ...] = ("full", "partial", "missed", "n/a")


@dataclass(frozen=True)
class Case:
    """One thing a run can try or see: counted under ``key`` (a prefix, when ``distinct`` asks for
    that many different keys under it). ``negative``: a request the page says is refused or leaves
    open; ``how`` is what to do to close the gap."""

    key: str
    name: str
    how: str
    negative: bool = False
    distinct: int = 0

    def count(self, counts: Mapping[str, int]) -> int:
        """How often the case was seen (for a variety, how many different values)."""
        if self.distinct:
            return sum(1 for key, seen in counts.items() if key.startswith(self.key) and seen)
        return counts.get(self.key, 0)

    def seen(self, counts: Mapping[str, int]) -> bool:
        """Whether the run tried or saw it."""
        return self.count(counts) >= max(1, self.distinct)


def _sent(key: str, name: str, *, negative: bool = False) -> Case:
    return Case(key, name, f"send {name}", negative=negative)


def _shown(key: str, name: str) -> Case:
    return Case(key, name, f"a target whose answers hold {name}")


def _parameters(*names: str) -> tuple[Case, ...]:
    """Each parameter sent and omitted (``app`` omitted is a request the page refuses)."""
    found = []
    for name in names or PARAMETERS:
        shown = f"{name}.n" if name in (JOBS.parameter, STATUS.parameter) else name
        found.append(_sent(f"param:{name}:sent", f"a request with {shown}"))
        found.append(
            _sent(f"param:{name}:omitted", f"a request without {shown}", negative=name == SCOPE)
        )
    return tuple(found)


def _invalid(parameter: str, when: str) -> Case:
    declared = next(i for i in INVALID_INPUTS if i.parameter == parameter and i.when == when)
    words = {
        "missing": f"a request without {parameter}",
        "empty": f"an empty {parameter}",
        "not-integer": f"a non-integer {parameter}",
        "unknown-id": "an unknown id in jobs.n",
        "not-in-enum": "an illegal status.n value",
    }
    return _sent(f"input:{declared.parameter}:{declared.when}", words[when], negative=True)


def _statuses() -> tuple[Case, ...]:
    alone = [_sent(f"status:{s}:alone", f"status.1={s} alone") for s in STATUSES]
    combined = [
        _sent(f"status:{s}:combined", f"status.n={s} with another status") for s in STATUSES
    ]
    illegal = {
        "empty": "an empty status.n value",
        "case-or-spaces": "a status.n value in another letter case or padded (PENDING)",
        "other-word": "a status.n word the page does not list (done with failure)",
    }
    bad = [_sent(f"status:illegal:{c}", illegal[c], negative=True) for c in ILLEGAL_STATUS_CLASSES]
    return (*alone, *combined, *bad)


def _codes_provoked() -> tuple[int, ...]:
    """The error codes the contract says a request provokes (refused inputs, failed signing)."""
    found = {i.code for i in INVALID_INPUTS if not i.open}
    found |= {failure.code for failure in AUTH_FAILURES.values()}
    return tuple(sorted(found))


#: The documented codes no read-only run can provoke on purpose (an unknown action is never sent;
#: permissions, quota and server faults are the server's): shown as seen or not, never a gap.
UNPROVOKED: tuple[int, ...] = tuple(
    sorted(code for code in (*codes.TOKENS, codes.QUOTA_EXCEEDED) if code not in _codes_provoked())
)

_DIRECTIVE_VARIETY = Case(
    "job-action:",
    "two or more different job actions",
    "a target with jobs of several actions",
    distinct=2,
)


@functools.cache
def cases_by_line() -> dict[tuple[str, int], tuple[Case, ...]]:
    """The cases of every line a rule cites, by (source, line)."""
    page = {
        3: (
            _sent("listing:filtered", "a filtered listing (jobs.n or status.n) that is served"),
            _invalid("status", "not-in-enum"),
            _invalid("jobs", "unknown-id"),
        ),
        4: _parameters(),
        7: (
            _sent("param:app:sent", "a request with app"),
            *(_invalid("app", w) for w in ("missing", "empty")),
        ),
        8: (
            *_parameters(JOBS.parameter),
            _sent("jobs:count:1", "jobs.n with 1 id"),
            _sent("jobs:count:2", "jobs.n with 2 ids"),
            _sent(f"jobs:count:{MANY_IDS}+", f"jobs.n with {MANY_IDS} or more ids"),
            _sent("jobs:known", "jobs.n naming jobs the target has"),
            _sent("jobs:unknown", "jobs.n naming a job the target lacks", negative=True),
        ),
        9: (*_parameters(STATUS.parameter), *_statuses()),
        11: (
            *_parameters(OFFSET.name, VERBOSE.name),
            _sent("offset:default", "a request without offset"),
            _sent("offset:0", "offset=0"),
            _sent("offset:inside", "an offset inside the listing"),
            _sent("offset:at-end", "an offset at the listing's end (offset=total_count)"),
            _sent("offset:past-end", "an offset past the listing's end"),
            *(_invalid(count.name, "not-integer") for count in COUNTS),
        ),
        12: (
            _sent(f"param:{LIMIT.name}:sent", "a request with limit"),
            _sent("limit:default", "a request without limit"),
            *(_sent(f"limit:{value}", f"limit={value}") for value in LIMIT.boundaries),
        ),
        13: tuple(_shown(f"element:{name}", f"the element {name}") for name in ELEMENTS),
        18: (
            _shown("element:total_count", "total_count"),
            _shown("listing:more-than-one-page", "a total_count above the page's jobs"),
            _shown("listing:empty", "an empty job_set"),
        ),
        19: (
            _shown("code:0", "ret_code 0"),
            Case("answer:error", "an error answer", "send a request the page refuses", True),
        ),
        20: tuple(_shown(f"job-field:{name}", f"the job field {name}") for name in JOB_FIELDS),
        23: (
            _shown("job-field:resource_ids", "resource_ids"),
            _shown("job:many-resources", "a job with several resource ids"),
        ),
        24: (
            _shown("job-field:create_time", "create_time"),
            _shown("job-field:status_time", "status_time"),
        ),
        25: (_shown("job-field:directive", "directive"), _DIRECTIVE_VARIETY),
        28: tuple(_shown(f"seen-status:{s}", f"a job in status {s}") for s in STATUSES),
    }
    auth = {
        name: Case(f"auth:{name}", failure.what, f"send {failure.what}", negative=True)
        for name, failure in AUTH_FAILURES.items()
    }
    wire = {
        3: (_shown("cassette:provenance", "a recording with the toolkit's provenance"),),
        13: (_shown("answer:200-json", "an HTTP 200 application/json answer"),),
        14: (_shown("answer:json-object", "a JSON object answer"),),
        15: (_shown("element:action", "the element action"),),
        31: (auth["stale-time-stamp"],),
        68: (Case("answer:error", "an error answer", "send a request the page refuses", True),),
        76: tuple(auth[name] for name in ("missing-signature", "bad-signature", "unknown-key")),
        89: (
            _shown("job-field:create_time", "create_time"),
            _shown("job-field:status_time", "status_time"),
            _sent("listing:whole", "an unfiltered listing that is served"),
        ),
        94: tuple(
            Case(
                f"code:{code}",
                f"ret_code {code} ({codes.TOKENS[code]})",
                "send a request the page refuses with it",
                True,
            )
            for code in _codes_provoked()
        ),
        99: (
            _sent(
                "open:malformed-array",
                "a malformed array (jobs.0, a gap, a duplicate)",
                negative=True,
            ),
            _sent("input:jobs:empty", "an empty jobs.n value", negative=True),
            _sent("open:limit-not-positive", "limit=0 or below", negative=True),
            _sent("open:offset-negative", "a negative offset", negative=True),
            _sent("open:verbose-not-zero", "verbose other than 0", negative=True),
            _sent(f"limit:{LIMIT.cap + 1 if LIMIT.cap else 0}", f"limit above {LIMIT.cap}"),
        ),
        107: (_shown("listing:jobs", "a listing with jobs"),),
        112: (_shown("job-field:directive", "directive"),),
        113: (_shown("job-field:directive", "directive"),),
        114: (_shown("job-field:job_action", "job_action"), _DIRECTIVE_VARIETY),
        115: (
            _shown("job-field:resources", "resources"),
            _shown("job:many-clusters", "a job on several clusters"),
            _shown("job:many-resources", "a job with several resource ids"),
        ),
        116: (_shown("job-field:directive", "directive"),),
    }
    found: dict[tuple[str, int], tuple[Case, ...]] = {}
    for citation in cited():
        table = page if citation.source == PAGE else wire
        found[(citation.source, citation.line)] = table[citation.line]
    return found


def cited() -> list[Citation]:
    """Every line a rule cites, once, the page's first, each in line order."""
    unique = {(r.documented.source, r.documented.line): r.documented for r in CATALOGUE}
    return [unique[key] for key in sorted(unique, key=lambda key: (key[0] != PAGE, key[1]))]


def label(citation: Citation) -> str:
    """A line's short name: ``page:12``, ``wire:99``."""
    return f"{'page' if citation.source == PAGE else 'wire'}:{citation.line}"


@dataclass(frozen=True)
class LineCoverage:
    """One documented line: its rules, those judged, its cases with their counts, and its state."""

    citation: Citation
    rules: tuple[str, ...]
    judged: tuple[str, ...]
    cases: tuple[tuple[Case, int], ...]
    applies: bool

    @property
    def seen(self) -> int:
        """How many of its cases the run tried or saw."""
        return sum(_met(case, n) for case, n in self.cases)

    @property
    def counted(self) -> int:
        """The cases that count towards coverage: none while no rule of the line was judged (a
        case no rule judged exercised nothing)."""
        return self.seen if self.judged and self.applies else 0

    @property
    def state(self) -> State:
        """full, partial, missed or n/a."""
        if not self.applies:
            return "n/a"
        counted = self.counted
        return "missed" if counted == 0 else "full" if counted == len(self.cases) else "partial"

    @property
    def positive(self) -> int:
        """Requests and answers counted for it that the page says are served."""
        return sum(n for case, n in self.cases if not case.negative and not case.distinct)

    @property
    def negative(self) -> int:
        """Requests counted for it that the page says are refused, or leaves open."""
        return sum(n for case, n in self.cases if case.negative)

    @property
    def gaps(self) -> list[Case]:
        """The cases not seen, each naming what would close it; when every case was seen but no
        rule of the line judged, that is the gap."""
        unseen = [case for case, n in self.cases if not _met(case, n)]
        if not self.judged and not unseen:
            rules = ", ".join(self.rules)
            return [Case("", f"a case {rules} can judge", f"a run that judges {rules}")]
        return unseen

    def to_json(self) -> dict[str, Any]:
        """The line as the JSON report holds it."""
        return {
            "line": label(self.citation),
            "documented": str(self.citation),
            "state": self.state,
            "rules": list(self.rules),
            "judged": list(self.judged),
            "cases": {case.name: n for case, n in self.cases},
            "seen": self.seen,
            "positive": self.positive,
            "negative": self.negative,
            "gaps": [case.how for case in self.gaps] if self.applies else [],
        }


def _met(case: Case, count: int) -> bool:
    return count >= max(1, case.distinct)


@dataclass(frozen=True)
class Coverage:
    """The documented lines measured against one run's tally."""

    lines: tuple[LineCoverage, ...]
    #: The documented codes no read-only run provokes on purpose, with how often each was seen.
    unprovoked: tuple[tuple[int, int], ...]

    @property
    def cases(self) -> int:
        """The cases of the lines that apply."""
        return sum(len(line.cases) for line in self.lines if line.applies)

    @property
    def seen(self) -> int:
        """The cases of those lines the run tried or saw."""
        return sum(line.counted for line in self.lines)

    @property
    def percent(self) -> float:
        """Cases seen over cases, as a percentage (0 when no line applies)."""
        return 100.0 * self.seen / self.cases if self.cases else 0.0

    def states(self) -> dict[State, int]:
        """How many lines are in each state."""
        return {state: sum(line.state == state for line in self.lines) for state in STATES}

    def of_rule(self, rule_id: str) -> LineCoverage | None:
        """The line ``rule_id`` rests on."""
        return next((line for line in self.lines if rule_id in line.rules), None)

    def to_json(self) -> dict[str, Any]:
        """The coverage as the JSON report holds it."""
        return {
            "percent": round(self.percent, 1),
            "cases": self.cases,
            "seen": self.seen,
            "lines": [line.to_json() for line in self.lines],
            "unprovoked_codes": {str(code): n for code, n in self.unprovoked},
        }


def measure(
    counts: Mapping[str, int], *, tested: Collection[str], judged: Collection[str]
) -> Coverage:
    """``counts`` (``Tally.counts``) against every cited line. ``tested``: the rules the run has a
    test for (a line none of whose rules is tested does not apply); ``judged``: those it judged."""
    by_line = cases_by_line()
    lines = []
    for citation in cited():
        rules = tuple(r.id for r in CATALOGUE if r.documented == citation)
        cases = by_line[(citation.source, citation.line)]
        lines.append(
            LineCoverage(
                citation,
                rules,
                tuple(r for r in rules if r in judged),
                tuple((case, case.count(counts)) for case in cases),
                applies=any(r in tested for r in rules),
            )
        )
    unprovoked = tuple((code, counts.get(f"code:{code}", 0)) for code in UNPROVOKED)
    return Coverage(tuple(lines), unprovoked)
