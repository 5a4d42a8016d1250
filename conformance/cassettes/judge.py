"""Judging recordings offline: every rule that applies, over what cassettes recorded.

Nothing is sent and no hypothesis search runs; a recording is re-judged by the current rules, so a
rule added or changed applies to old recordings too. For each DescribeClusterJobs interaction:

- a request the page says must be refused (no ``app``, an illegal status, a non-integer count, a
  job id that no recorded listing has, or an authentication the recorder found wrong) must have
  been refused, with the documented code (``DCJ-INPUT-*``, ``DCJ-AUTH-*``, ``DCJ-ERROR-002``);
- a documented request's response is judged by ``check_exchange`` with the decoded parameters and
  by the page-fullness check, exactly as the suite's response probe judges it;
- any other request (a malformed array, ``limit=0``…) by ``check_exchange`` alone: never a crash;
- a request the server served that departs from the request schema is noted (``DCJ-REQUEST-001``).

Across the interactions of one session (one process's calls, in recorded order), as the suite's
filter and paging probes compare them: a walk (pages at offsets 0, limit, 2·limit… of one request)
is bracketed by the nearest unfiltered listings before and after it; a filtered walk must be the
matching part of the listing (``DCJ-FILTER-004``), an unfiltered one must tile it
(``DCJ-PAGE-004``), every page's ``total_count`` must agree (``DCJ-PAGE-005``), and no job may move
back in its lifecycle between the two listings (``DCJ-ITEM-008``). Data may have
changed between recorded calls: the bracket's tolerance applies, and a walk whose bracketing
listings are not its immediate neighbours is judged only when the two listings agree.

A cassette recorded under another contract gets a ``DCJ-CASSETTE-001`` finding; interactions that
are not DescribeClusterJobs (another action, another host) are counted and noted, not judged.

Speed: a recording repeats itself (a suite replays each probe's cases for every rule), so each
distinct body is parsed once and each distinct (request, response) judged once; repeats cost a
query parse and two dict lookups.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.cassettes.classify import AUTH_RULES, expected_code
from conformance.cassettes.format import Cassette, contract_hash
from conformance.cassettes.interaction import host_of
from conformance.cassettes.reading import Reader
from conformance.cassettes.verdict import Verdict
from conformance.cassettes.walks import Seen, Walk, bracket, find_walks
from conformance.contract import ACTION, JOBS, STATUS, invalid_input
from conformance.deviation import Deviation, Profile
from conformance.exchange import Exchange
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange, deviation, ret_code
from conformance.judgement.findings import Finding
from conformance.judgement.listing import Bracket
from conformance.judgement.verdicts import (
    Refusal,
    filtered_listing_deviations,
    lifecycle_deviations,
    page_fullness,
    paging_walk_deviations,
    rejection_deviations,
)
from conformance.registry import emits, rules_of
from conformance.validate import validate_request

STALE = "DCJ-CASSETTE-001"
_UNKNOWN_ID = invalid_input(JOBS.parameter, "unknown-id")
UNDOCUMENTED_REQUEST = "DCJ-REQUEST-001"


def judge(cassettes: Iterable[Cassette], profile: Profile = Profile.DOCUMENTED) -> Verdict:
    """Judge every interaction of ``cassettes`` by every rule that applies to it."""
    judgement = _Judgement(profile)
    # The cassettes are a large, finished heap (millions of objects from the parser): frozen, the
    # collector's full passes skip them instead of walking them all again (~0.2 s at 10,000 pages).
    # A program that froze objects itself keeps managing them: it is left alone.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        for cassette in cassettes:
            judgement.cassette(cassette)
        judgement.finish()
    finally:
        if freeze:
            gc.unfreeze()
    return judgement.verdict


@dataclass
class _Case:
    """A distinct (request, answer) pair: judged once, counted as often as it was recorded."""

    first: Seen
    deviations: list[Deviation]
    count: int = 1


class _Judgement:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.verdict = Verdict(profile)
        self.reader = Reader()
        self._cases: dict[tuple[Any, ...], _Case] = {}
        # The sets of known job ids the cases were judged against (their ids are in the keys).
        self._known: list[set[str]] = []
        self._walk_findings: list[tuple[Deviation, tuple[Exchange, ...]]] = []

    def cassette(self, cassette: Cassette) -> None:
        verdict = self.verdict
        verdict.cassettes += 1
        self._stale(cassette)
        host = cassette.provenance.host.lower() if cassette.provenance is not None else None
        sessions: dict[str, list[Seen]] = {}
        foreign: Counter[tuple[str, str]] = Counter()
        for position, raw in enumerate(cassette.interactions):
            request = raw["request"]
            action, asked = self.reader.parse(request)
            if action != ACTION or (host is not None and host_of(request["uri"]) != host):
                foreign[(action, host_of(request["uri"]) or "(no host)")] += 1
                continue
            meta = raw.get("conformance")
            meta = meta if isinstance(meta, dict) else {}
            seen = Seen(
                cassette,
                position,
                raw,
                asked,
                meta.get("auth"),
                self.reader.response(raw["response"]),
            )
            sessions.setdefault(str(meta.get("session", "main")), []).append(seen)
        for sequence in sessions.values():
            verdict.judged += len(sequence)
            self._session(sequence)
        self._foreign(cassette, foreign)

    # --- the cassette as a whole ---------------------------------------------------------------

    def _stale(self, cassette: Cassette) -> None:
        if cassette.provenance is None:
            return  # another tool's cassette: nothing says what judged it
        for rule_id in rules_of(stale_deviations):
            self.verdict.applied[rule_id] += 1
        for found in stale_deviations(cassette, self.profile):
            self.verdict.add(Finding(found))

    def _foreign(self, cassette: Cassette, foreign: Counter[tuple[str, str]]) -> None:
        for (action, host), count in sorted(foreign.items()):
            self.verdict.foreign += count
            for rule_id in rules_of(foreign_deviations):
                self.verdict.applied[rule_id] += 1
            for found in foreign_deviations(cassette, action, host, count, self.profile):
                self.verdict.add(Finding(found))

    # --- one session: single interactions, then walks --------------------------------------------

    def _session(self, sequence: list[Seen]) -> None:
        walks = find_walks(sequence, self.reader.jobs_of)
        listings = [walk for walk in walks if not walk.filtered]
        known: set[str] = set()
        for response in {id(seen.response): seen.response for seen in sequence}.values():
            known.update(job_id for job_id, _ in self.reader.jobs_of(response) or ())
        complete = any(walk.complete for walk in listings)
        self._known.append(known)  # kept alive: a case key holds its id
        for seen in sequence:
            self._single(seen, known if complete else None)
        places: dict[tuple[Any, Any], list[Walk]] = {}
        for listing in listings:
            places.setdefault(listing.place, []).append(listing)
        starts = {place: [listing.start for listing in found] for place, found in places.items()}
        for walk in walks:
            self._walk(walk, places.get(walk.place, []), starts.get(walk.place, []))

    def _single(self, seen: Seen, known: set[str] | None) -> None:
        asked = seen.asked
        # What the answer is judged by depends on nothing else, so a repeat is one lookup.
        key = (id(asked), id(seen.response), seen.auth, id(known))
        case = self._cases.get(key)
        if case is not None:
            case.count += 1
            return
        # A malformed array is what the page leaves open (reject or serve, never crash), as in the
        # suite's odd requests: what its parameters would say is not held against the answer.
        refusals = (
            []
            if asked.malformed
            else [
                Refusal(rule_id, reason, expected_code(rule_id))
                for rule_id, reason in asked.invalid
            ]
        )
        if known is not None and not asked.malformed:
            unknown = [job for job in asked.jobs if job not in known]
            if unknown:
                reason = f"{unknown[0]} is in no recorded listing"
                refusals.append(Refusal(_UNKNOWN_ID.rule, reason, _UNKNOWN_ID.code))
        if seen.auth is not None and seen.auth in AUTH_RULES:
            refusals.append(Refusal(*AUTH_RULES[seen.auth]))
        self._cases[key] = _Case(seen, self._judge_single(seen, refusals))
        self._mark_applied(seen, refusals)

    def _judge_single(self, seen: Seen, refusals: Sequence[Refusal]) -> list[Deviation]:
        exchange, asked, profile = seen.exchange(), seen.asked, self.profile
        if refusals:
            out = [f.deviation for f in check_exchange(exchange, profile)]
            return out + rejection_deviations(ret_code(exchange), refusals, profile)
        if asked.documented:
            out = [f.deviation for f in check_exchange(exchange, profile, params=asked.params)]
            return out + page_fullness(exchange, asked.params, profile)
        out = [f.deviation for f in check_exchange(exchange, profile)]
        if ret_code(exchange) == 0:
            # A request the server served although it is not as documented: worth knowing, never
            # a failure (the input rules above cover what the page says must be refused).
            out += validate_request(asked.params, profile=profile)
        return out

    def _mark_applied(self, seen: Seen, refusals: Sequence[Refusal]) -> None:
        # The rules the suite's probe for such a case owns (conformance.judgement.cases).
        applied = self.verdict.applied
        if refusals:
            rules: Iterable[str] = {refusal.rule for refusal in refusals} | cases.REFUSED_INPUT
        elif seen.asked.documented:
            rules = cases.answer_rules(seen.exchange().response.document, seen.asked.params)
        else:
            rules = cases.ODD | rules_of(validate_request)
        for rule_id in rules:
            applied[rule_id] += 1

    def _walk(self, walk: Walk, listings: list[Walk], starts: list[int]) -> None:
        around = bracket(walk, listings, starts)
        if around is None:
            return
        out = (
            _filter_deviations(walk, *around, self.profile)
            if walk.filtered
            else _paging_deviations(walk, around[2], self.profile)
        )
        if out is None:
            return
        out += lifecycle_deviations(around[2], self.profile)
        for rule_id in cases.FILTERED_WALK if walk.filtered else cases.PAGING_WALK:
            self.verdict.applied[rule_id] += 1
        if out:
            where = walk.where()
            exchanges = tuple(page.exchange() for page in walk.pages[-3:])
            self._walk_findings += [(_located(found, where), exchanges) for found in out]

    def finish(self) -> None:
        """Turn the distinct cases into findings: each at its first interaction, with its count."""
        for case in self._cases.values():
            if not case.deviations:
                continue
            more = f"; {case.count - 1} more like it" if case.count > 1 else ""
            where = case.first.where() + more
            exchanges: tuple[Exchange, ...] = (case.first.exchange(),)
            for found in case.deviations:
                self.verdict.add(Finding(_located(found, where), exchanges), case.count)
        for found, exchanges in self._walk_findings:
            self.verdict.add(Finding(found, exchanges))


# --- what a walk shows -------------------------------------------------------------------------------


def _filter_deviations(
    walk: Walk, before: Walk, after: Walk, bracket: Bracket, profile: Profile
) -> list[Deviation] | None:
    """The filter probe's judgement of a recorded filtered walk (see probes._filter_once); None
    when the bracket cannot judge it."""
    params = walk.asked.params
    status, jobs = STATUS.parameter, JOBS.parameter
    statuses = frozenset(params[status]) if status in params else None
    job_ids = frozenset(params[jobs]) if jobs in params else None
    if not (bracket.complete or job_ids is not None):
        return None  # a status filter needs every job of the listing to compare with
    documents = walk.documents()
    returned = walk.returned()
    shown: dict[str, Any] = {name: params[name] for name in (status, jobs) if name in params}
    # Bracket.must_match and may_match: matching in both listings, and in either.
    selected_before, selected_after = (
        before.matching(statuses, job_ids),
        after.matching(statuses, job_ids),
    )
    return filtered_listing_deviations(
        bracket,
        must=selected_before & selected_after,
        may=selected_before | selected_after,
        returned=returned,
        totals=(document["total_count"] for document in documents),
        walked_all=walk.complete,
        requested=len(job_ids or ()),
        shown=shown,
        profile=profile,
    )


def _paging_deviations(walk: Walk, bracket: Bracket, profile: Profile) -> list[Deviation]:
    """The paging probe's judgement of a recorded unfiltered walk (see probes.paging)."""
    return paging_walk_deviations(
        bracket,
        limit=walk.asked.limit,
        returned=walk.returned(),
        totals=(document["total_count"] for document in walk.documents()),
        walked_all=walk.complete,
        profile=profile,
    )


# --- the cassette as a whole ---------------------------------------------------------------------


@emits(STALE)
def stale_deviations(cassette: Cassette, profile: Profile) -> list[Deviation]:
    """A cassette recorded under another contract (schemas and catalogue) than the current one."""
    recorded = cassette.provenance
    current = contract_hash()
    if recorded is None or recorded.contract == current:
        return []
    return [
        deviation(
            STALE,
            profile,
            f"{cassette.name} was recorded on {recorded.recorded_at} by toolkit {recorded.toolkit} "
            f"under contract {recorded.contract[:12]}, the current one is {current[:12]}: it is judged "
            "by the current rules; record it again to refresh it",
            expected=current,
            actual=recorded.contract,
        )
    ]


@emits(UNDOCUMENTED_REQUEST)
def foreign_deviations(
    cassette: Cassette, action: str, host: str, count: int, profile: Profile
) -> list[Deviation]:
    """Interactions of a cassette that are not the documented action at the recorded host."""
    where = f" at {cassette.provenance.host}" if cassette.provenance else ""
    return [
        deviation(
            UNDOCUMENTED_REQUEST,
            profile,
            f"{cassette.name}: {count} interaction(s) are {action} at {host}, not {ACTION}{where}"
            ": not judged",
            expected=ACTION,
            actual=action,
            pointer="",
        )
    ]


def _located(found: Deviation, where: str) -> Deviation:
    return dataclasses.replace(found, message=f"{found.message} [{where}]")
