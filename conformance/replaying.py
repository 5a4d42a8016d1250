"""The failures of an earlier run, sent again first: the quick check after a fix.

``load_failures`` reads a JSON report (``--conformance-report``) and keeps each violation's minimal
request; ``replay`` sends each one again, freshly signed (with its authentication mutation again when
it carried one), and judges the answer as the suite does: ``check_exchange``, and for a request the
page says must be refused, ``rejection_deviations``. A request "still fails" when its rule is
violated again.

A cross-call rule (a filtered or paging walk, the lifecycle across it) is reported on one page of
the walk, and one page alone cannot show it. For those the walk the page belongs to is walked again
(its filter, or its limit), between two listings, and judged by the probe's own verdict; so "still
fails" means what it means in the suite: the walk shows the rule broken again, twice.

Nothing here imports pytest; the probes (and hypothesis) only when a walk is replayed.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from conformance.errors import InputError, RunStopped

if TYPE_CHECKING:
    from conformance.judgement.findings import Finding
    from conformance.probes.run import Run


@dataclass(frozen=True)
class Failure:
    """One violation of an earlier report: its rule, its request as the report shows it (signing
    parameters left out), and the authentication mutation it was sent with (None: none)."""

    rule: str
    method: str
    path: str
    params: str
    mutation: str | None = None

    def request(self) -> dict[str, str]:
        """The request as the report shows it."""
        return {"method": self.method, "path": self.path, "params": self.params}


@dataclass(frozen=True)
class Replayed:
    """What sending ``failure`` again showed: ``still_fails``, and ``how`` it was judged."""

    failure: Failure
    still_fails: bool
    how: str

    def to_json(self) -> dict[str, Any]:
        """The entry of the JSON report's ``replayed`` list."""
        entry: dict[str, Any] = {
            "rule": self.failure.rule,
            "request": self.failure.request(),
            "still_fails": self.still_fails,
            "how": self.how,
        }
        if self.failure.mutation:
            entry["mutation"] = self.failure.mutation
        return entry


def load_failures(path: Path) -> list[Failure]:
    """The violations of the report at ``path``, each request once, in the report's order.

    Raises ``InputError`` (one line, naming the file) when it is missing, not JSON or not a report.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (name a JSON report of an earlier run)") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; name a JSON report of an earlier run") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(
            f"cannot read {path}: {getattr(error, 'strerror', None) or error}"
        ) from None
    try:
        report = json.loads(text)
    except ValueError as error:
        raise InputError(f"{path} is not JSON ({error.args[0] if error.args else error})") from None
    deviations = report.get("deviations") if isinstance(report, dict) else None
    if not isinstance(report, dict) or "summary" not in report or not isinstance(deviations, list):
        raise InputError(
            f"{path} is not a conformance report (a JSON object with 'summary' and 'deviations', "
            "as --conformance-report writes)"
        )
    failures: list[Failure] = []
    for index, item in enumerate(deviations):
        failure = _failure(item)
        if failure is _MALFORMED:
            raise InputError(
                f"{path}: deviations[{index}] is not a report entry "
                "(a 'rule', a 'severity' and a 'request' of method, path and params)"
            )
        if isinstance(failure, Failure) and failure not in failures:
            failures.append(failure)
    return failures


_MALFORMED = object()


def _failure(item: object) -> Failure | object | None:
    """The entry's failure; None for one that does not fail a run or has no request."""
    if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
        return _MALFORMED
    request = item.get("request")
    if item.get("severity") != "violation" or request is None:
        return None
    if not isinstance(request, dict) or not all(
        isinstance(request.get(key), str) for key in ("method", "path", "params")
    ):
        return _MALFORMED
    mutation = item.get("mutation")
    if not isinstance(mutation, str):
        mutation = _mutation_of(item.get("reproduce"))
    return Failure(item["rule"], request["method"], request["path"], request["params"], mutation)


def _mutation_of(reproduce: object) -> str | None:
    # Reports written before entries carried "mutation" name it in the replay command only.
    if not isinstance(reproduce, str):
        return None
    try:
        words = shlex.split(reproduce.replace('"$(', " ").replace(')"', " "))
    except ValueError:
        return None
    for word, following in itertools.pairwise(words):
        if word == "--mutation":
            return following
    return None


def replay(run: Run, failures: Sequence[Failure]) -> list[Replayed]:
    """Send each failure again to ``run``'s target and judge it as the suite does. When the run
    stops on the way, the failures not yet judged are reported as still failing (not shown fixed)."""
    out: list[Replayed] = []
    for index, failure in enumerate(failures):
        try:
            out.append(_replayed(run, failure))
        except RunStopped:
            out += [
                Replayed(rest, True, "not sent again: the run stopped") for rest in failures[index:]
            ]
            break
    return out


def _replayed(run: Run, failure: Failure) -> Replayed:
    from conformance import wire
    from conformance.judgement import cases
    from conformance.judgement.findings import violations

    pairs = parse_qsl(failure.params, keep_blank_values=True)
    decoded = wire.decode(pairs)
    found = _sent_again(run, failure, pairs, decoded.params, bool(decoded.problems))
    if violations(found, failure.rule):
        return Replayed(failure, True, "the request")
    walked = cases.FILTERED_WALK | cases.PAGING_WALK
    if failure.rule in walked and failure.mutation is None:
        return _walked_again(run, failure, decoded.params)
    return Replayed(failure, False, "the request")


def _sent_again(
    run: Run,
    failure: Failure,
    pairs: list[tuple[str, str]],
    params: Mapping[str, Any],
    malformed: bool,
) -> list[Finding]:
    """The request sent again, judged: the answer itself, and whether it was refused when the page
    (or the mutation) says it must be."""
    from conformance.cassettes.classify import expected_code
    from conformance.contract import INVALID_INPUTS, SIGNING_PARAMS, breaches
    from conformance.judgement.exchanges import check_exchange, ret_code
    from conformance.judgement.findings import findings
    from conformance.judgement.verdicts import Refusal, rejection_deviations
    from conformance.strategies.requests import mutation_named
    from conformance.validate import validate_request

    client = run.client
    verb = "POST" if failure.method.upper() == "POST" else "GET"
    plain = [(name, value) for name, value in pairs if name not in SIGNING_PARAMS]
    mutation = mutation_named(failure.mutation or "")
    credentials = client.target.credentials
    if mutation is not None and credentials is not None:
        mutated = mutation.apply(
            plain, credentials, now=client.clock(), verb=verb, path=client.target.path
        )
        exchange = client.send_pairs(mutated, verb=verb, sign=False)
        refusals = [
            Refusal(mutation.rule, f"a request with {mutation.name}", mutation.expected_code)
        ]
    else:
        exchange = client.send_pairs(plain, verb=verb)
        known = set(run.universe.statuses) if run.universe.complete else None
        refusals = [
            Refusal(breach.input.rule, breach.reason, breach.input.code)
            for breach in breaches(params, known=known)
        ]
        input_rules = {declared.rule for declared in INVALID_INPUTS if not declared.open}
        if failure.rule in input_rules and failure.rule not in {r.rule for r in refusals}:
            # An unknown job id needs every job of the target to be told; the report saw it refused.
            refusals.append(
                Refusal(failure.rule, "refused in the report", expected_code(failure.rule))
            )
    if refusals:
        found = check_exchange(exchange, run.profile)
        refused = rejection_deviations(ret_code(exchange), refusals, run.profile)
        return found + findings(refused, exchange)
    documented = not malformed and not validate_request(dict(params))
    if not documented:
        return check_exchange(exchange, run.profile)
    from conformance.judgement.verdicts import page_fullness

    return [
        *check_exchange(exchange, run.profile, params=params),
        *findings(page_fullness(exchange, params, run.profile), exchange),
    ]


def _walked_again(run: Run, failure: Failure, params: Mapping[str, Any]) -> Replayed:
    """The walk the failing page belongs to, walked again and judged by its probe."""
    from conformance.contract import DEFAULT_LIMIT, JOBS, LIMIT, STATUS
    from conformance.judgement.findings import violations
    from conformance.probes.filters import FILTERS, Filter
    from conformance.probes.paging import PAGING

    statuses, job_ids = params.get(STATUS.parameter), params.get(JOBS.parameter)
    found: list[Finding] | None
    if statuses or job_ids:
        case = Filter(
            tuple(statuses) if isinstance(statuses, list) and statuses else None,
            tuple(job_ids) if isinstance(job_ids, list) and job_ids else None,
        )
        how = f"the filtered walk of {case.params()}"
        found = FILTERS.run(run, case)
    else:
        limit = params.get(LIMIT.name, DEFAULT_LIMIT)
        limit = limit if isinstance(limit, int) and limit > 0 else DEFAULT_LIMIT
        how = f"the paging walk of limit={limit}"
        found = PAGING.run(run, limit)
    if found is None:
        # Green means judged: a walk that gave nothing to compare does not show a fix.
        return Replayed(failure, True, f"{how}: not judged (no listing to compare)")
    return Replayed(failure, bool(violations(found, failure.rule)), how)


__all__ = ["Failure", "Replayed", "load_failures", "replay"]
