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
(``DCJ-PAGE-004``), and every page's ``total_count`` must agree (``DCJ-PAGE-005``). Data may have
changed between recorded calls: the bracket's tolerance applies, and a walk whose bracketing
listings are not its immediate neighbours is judged only when the two listings agree.

A cassette recorded under another contract gets a ``DCJ-CASSETTE-001`` finding; interactions that
are not DescribeClusterJobs (another action, another host) are counted and noted, not judged.

Speed: a recording repeats itself (a suite replays each probe's cases for every rule), so each
distinct body is parsed once and each distinct (request, response) judged once; repeats cost a
query parse and two dict lookups.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import codes, wire
from conformance.cassettes.format import Cassette, contract_hash
from conformance.cassettes.interaction import host_of, request_pairs, to_request, to_response
from conformance.cassettes.match import IGNORED
from conformance.checks.exchanges import check_exchange, deviation, ret_code
from conformance.checks.findings import Finding
from conformance.checks.probes import ODDITIES, REJECTIONS, RESPONSES, page_fullness
from conformance.checks.universe import (
    Bracket,
    Universe,
    filtered_listing_deviations,
    has_job_id,
    is_listing,
)
from conformance.client import ACTION
from conformance.deviation import Deviation, Profile, Severity
from conformance.exchange import Exchange, Response
from conformance.replay import SIGNING_PARAMS
from conformance.rules import CATALOGUE, rule
from conformance.strategies import STATUSES
from conformance.validate import DEFAULT_LIMIT, MAX_LIMIT, validate_request

#: Findings kept per rule (every one is counted); the first ones say what the rest repeat.
KEPT = 10
STALE = "DCJ-CASSETTE-001"
UNDOCUMENTED_REQUEST = "DCJ-REQUEST-001"
# What the recorder's authentication verdict means: the rule, its reason, the documented code.
AUTH_RULES: Mapping[str, tuple[str, str, int]] = {
    "missing-signature": ("DCJ-AUTH-001", "a request without a signature", codes.AUTH_FAILURE),
    "bad-signature": ("DCJ-AUTH-001", "a request with a wrong signature", codes.AUTH_FAILURE),
    "unknown-key": ("DCJ-AUTH-002", "a request signed with an unknown key", codes.AUTH_FAILURE),
    "stale-time-stamp": (
        "DCJ-AUTH-003",
        "a request whose time_stamp was over 60 s old",
        codes.REQUEST_HAS_EXPIRED,
    ),
}
_STATUSES = frozenset(STATUSES)
# The parameters matching ignores, as they appear in a raw query: a cache key without them.
# (Matched after a "&" put in front of the text: a literal first character makes the search fast.)
_SIGNING_TEXT = re.compile(r"&(?:" + "|".join(sorted(IGNORED)) + r")=[^&]*")
_INTEGERS = ("offset", "limit", "verbose")
_SERVED_AUTH = frozenset({"valid", "unsigned", None})


@dataclass(frozen=True)
class Outcome:
    """One rule over the recordings: what fails the run, what is only noted, or why it was skipped."""

    rule: str
    violations: list[Finding]
    notes: list[Finding]
    count: int
    skip: str | None = None
    #: Whether some recording could have broken the rule (False: it is skipped as not exercised).
    exercised: bool = True


@dataclass
class Verdict:
    """Every finding of a judgement, kept up to ``KEPT`` per rule, with what was judged."""

    profile: Profile
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)
    cassettes: int = 0
    judged: int = 0
    foreign: int = 0

    def add(self, finding: Finding, count: int = 1) -> None:
        """Count ``finding`` ``count`` times; keep it when its rule has room."""
        self.counts[finding.rule] += count
        kept = self.findings.setdefault(finding.rule, [])
        if len(kept) < KEPT:
            kept.append(finding)

    def outcome(self, rule_id: str) -> Outcome:
        """What the recordings show about ``rule_id``."""
        kept = self.findings.get(rule_id, [])
        bad = [f for f in kept if f.deviation.severity is Severity.VIOLATION]
        notes = [f for f in kept if f.deviation.severity is not Severity.VIOLATION]
        count = self.counts[rule_id]
        if bad:
            return Outcome(rule_id, bad, notes, count)
        if not self.applied[rule_id]:
            return Outcome(
                rule_id,
                [],
                notes,
                count,
                "nothing recorded in the cassettes shows this rule",
                exercised=False,
            )
        severity = rule(rule_id).severity_in(self.profile)
        if severity is not Severity.VIOLATION and not notes:
            reason = f"{severity.value} in the {self.profile.value} profile, and nothing was found"
            return Outcome(rule_id, [], notes, count, reason)
        return Outcome(rule_id, [], notes, count)

    def violations(self) -> int:
        """How many findings fail a run."""
        return sum(
            self.counts[rule_id]
            for rule_id, kept in self.findings.items()
            if any(f.deviation.severity is Severity.VIOLATION for f in kept)
        )

    def ordered(self) -> list[Finding]:
        """The kept findings, in catalogue order."""
        return [f for entry in CATALOGUE for f in self.findings.get(entry.id, [])]


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


# --- what one request and one response are, decoded once ------------------------------------------


@dataclass(frozen=True)
class _Asked:
    """A distinct request (its parameters without the signing ones), decoded and classified."""

    params: dict[str, Any]
    malformed: bool
    documented: bool
    #: (rule, reason) for each way the page says this request must be refused.
    invalid: tuple[tuple[str, str], ...]
    jobs: tuple[str, ...]
    #: For walks: the request without its offset (None when it cannot be part of a walk).
    walk: tuple[Any, ...] | None
    offset: int
    limit: int


def _asked(pairs: tuple[tuple[str, str], ...]) -> _Asked:
    decoded = wire.decode(pairs)
    params = {k: v for k, v in decoded.params.items() if k not in SIGNING_PARAMS}
    invalid: list[tuple[str, str]] = []
    app = params.get("app")
    if app is None or app == "":
        invalid.append(("DCJ-INPUT-001", "app is missing" if app is None else "app is empty"))
    statuses = params.get("status")
    if isinstance(statuses, list):
        illegal = [s for s in statuses if s not in _STATUSES]
        if illegal:
            invalid.append(("DCJ-INPUT-002", f"status {illegal[0]!r} is not a status"))
    for name in _INTEGERS:
        if isinstance(params.get(name), str):
            invalid.append(("DCJ-INPUT-004", f"{name}={params[name]!r} is not an integer"))
    jobs = params.get("jobs")
    job_ids = tuple(j for j in jobs if isinstance(j, str)) if isinstance(jobs, list) else ()
    documented = not decoded.problems and not validate_request(params)
    offset, limit = params.get("offset", 0), params.get("limit", DEFAULT_LIMIT)
    walk = None
    if documented and not invalid and isinstance(offset, int) and isinstance(limit, int):
        walk = tuple(
            sorted(
                (k, tuple(v) if isinstance(v, list) else v)
                for k, v in params.items()
                if k != "offset"
            )
        )
    return _Asked(
        params,
        bool(decoded.problems),
        documented,
        tuple(invalid),
        job_ids,
        walk,
        offset if isinstance(offset, int) else 0,
        limit if isinstance(limit, int) else DEFAULT_LIMIT,
    )


@dataclass(eq=False, slots=True)
class _Seen:
    """One DescribeClusterJobs interaction of a cassette, as the judgement needs it."""

    cassette: Cassette
    position: int
    raw: dict[str, Any]
    asked: _Asked
    auth: str | None
    response: Response
    _exchange: Exchange | None = None

    def exchange(self) -> Exchange:
        """The interaction as an ``Exchange`` (built on first use: most are never reported)."""
        if self._exchange is None:
            self._exchange = Exchange(
                to_request(self.raw["request"]), self.response, self.asked.params
            )
        return self._exchange

    def where(self) -> str:
        return f"{self.cassette.name}, interaction {self.position + 1}"


@dataclass
class _Case:
    """A distinct (request, answer) pair: judged once, counted as often as it was recorded."""

    first: _Seen
    deviations: list[Deviation]
    count: int = 1


@dataclass(eq=False)
class _Walk:
    """Pages of one request at offsets 0, limit, 2·limit…, consecutive in a session."""

    pages: list[_Seen]
    #: Each page's jobs as (job_id, status), in order.
    listed: list[tuple[tuple[str, str], ...]]
    start: int
    end: int
    complete: bool = False

    @property
    def asked(self) -> _Asked:
        return self.pages[0].asked

    @property
    def filtered(self) -> bool:
        return "status" in self.asked.params or "jobs" in self.asked.params

    @property
    def place(self) -> tuple[Any, Any]:
        return self.asked.params.get("app"), self.asked.params.get("zone")

    def documents(self) -> list[dict[str, Any]]:
        return [page.response.document for page in self.pages]

    def returned(self) -> list[str]:
        """The job ids of every page, in order (repeats kept)."""
        return [job_id for page in self.listed for job_id, _ in page]

    @functools.cached_property
    def universe(self) -> Universe:
        """This walk as a listing of the app's jobs (built once: a listing brackets many walks)."""
        statuses: dict[str, str] = {}
        for page in self.listed:
            for job_id, status in page:
                statuses.setdefault(job_id, status)
        total = self.documents()[-1]["total_count"]
        # As learn(): reaching the last page is not enough, every job must have been seen.
        complete = self.complete and len(statuses) >= total
        return Universe(str(self.place[0]), statuses, total, complete=complete)

    @functools.cached_property
    def by_status(self) -> dict[str, frozenset[str]]:
        """The listed job ids by status."""
        groups: dict[str, set[str]] = {}
        for job_id, status in self.universe.statuses.items():
            groups.setdefault(status, set()).add(job_id)
        return {status: frozenset(ids) for status, ids in groups.items()}

    def matching(self, statuses: frozenset[str] | None, job_ids: frozenset[str] | None) -> set[str]:
        """The listed jobs a filter selects: one side of ``Bracket.must_match``, as set operations
        (a recording brackets hundreds of filtered walks, and a predicate per job adds up)."""
        if statuses is None:
            found = set(self.universe.statuses)
        else:
            found = set().union(*(self.by_status.get(status, ()) for status in statuses))
        return found & job_ids if job_ids is not None else found

    def where(self) -> str:
        first, last = self.pages[0], self.pages[-1]
        span = (
            f"interaction {first.position + 1}"
            if first is last
            else f"interactions {first.position + 1}–{last.position + 1}"
        )
        return f"{first.cassette.name}, {span}"


class _Judgement:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.verdict = Verdict(profile)
        self._asked: dict[tuple[tuple[str, str], ...], _Asked] = {}
        self._responses: dict[tuple[int, Any, str], Response] = {}
        self._cases: dict[tuple[Any, ...], _Case] = {}
        # The sets of known job ids the cases were judged against (their ids are in the keys).
        self._known: list[set[str]] = []
        self._parsed: dict[tuple[str, str], tuple[str, _Asked]] = {}
        self._listed: dict[int, tuple[tuple[str, str], ...] | None] = {}
        self._walk_findings: list[tuple[Deviation, tuple[Exchange, ...]]] = []

    def cassette(self, cassette: Cassette) -> None:
        verdict = self.verdict
        verdict.cassettes += 1
        self._stale(cassette)
        host = cassette.provenance.host.lower() if cassette.provenance is not None else None
        sessions: dict[str, list[_Seen]] = {}
        foreign: Counter[tuple[str, str]] = Counter()
        for position, raw in enumerate(cassette.interactions):
            request = raw["request"]
            action, asked = self._parse(request)
            if action != ACTION or (host is not None and host_of(request["uri"]) != host):
                foreign[(action, host_of(request["uri"]) or "(no host)")] += 1
                continue
            meta = raw.get("conformance")
            meta = meta if isinstance(meta, dict) else {}
            seen = _Seen(
                cassette, position, raw, asked, meta.get("auth"), self._response(raw["response"])
            )
            sessions.setdefault(str(meta.get("session", "main")), []).append(seen)
        for sequence in sessions.values():
            verdict.judged += len(sequence)
            self._session(sequence)
        self._foreign(cassette, foreign)

    def _parse(self, request: Mapping[str, Any]) -> tuple[str, _Asked]:
        """The action and the decoded request. Cached on the request's text without the signing
        parameters, which is all that differs between most recorded requests."""
        method = str(request["method"]).upper()
        body = request.get("body")
        text = (
            (body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or ""))
            if method == "POST"
            else request["uri"].partition("?")[2].partition("#")[0]
        )
        cache_key = (method, _SIGNING_TEXT.sub("", "&" + text))
        parsed = self._parsed.get(cache_key)
        if parsed is None:
            pairs = request_pairs(request)
            action = next((value for name, value in pairs if name == "action"), "(no action)")
            stripped = tuple(pair for pair in pairs if pair[0] not in IGNORED)
            asked = self._asked.get(stripped)
            if asked is None:
                asked = self._asked[stripped] = _asked(stripped)
            parsed = self._parsed[cache_key] = (action, asked)
        return parsed

    # --- the cassette as a whole ---------------------------------------------------------------

    def _stale(self, cassette: Cassette) -> None:
        recorded = cassette.provenance
        if recorded is None:
            return  # another tool's cassette: nothing says what judged it
        self.verdict.applied[STALE] += 1
        current = contract_hash()
        if recorded.contract == current:
            return
        found = deviation(
            STALE,
            self.profile,
            f"{cassette.name} was recorded on {recorded.recorded_at} by toolkit {recorded.toolkit} "
            f"under contract {recorded.contract[:12]}, the current one is {current[:12]}: it is judged "
            "by the current rules; record it again to refresh it",
            expected=current,
            actual=recorded.contract,
        )
        self.verdict.add(Finding(found))

    def _foreign(self, cassette: Cassette, foreign: Counter[tuple[str, str]]) -> None:
        for (action, host), count in sorted(foreign.items()):
            self.verdict.foreign += count
            self.verdict.applied[UNDOCUMENTED_REQUEST] += 1
            found = deviation(
                UNDOCUMENTED_REQUEST,
                self.profile,
                f"{cassette.name}: {count} interaction(s) are {action} at {host}, not "
                f"{ACTION}"
                + (f" at {cassette.provenance.host}" if cassette.provenance else "")
                + ": not judged",
                expected=ACTION,
                actual=action,
                pointer="",
            )
            self.verdict.add(Finding(found))

    def _response(self, raw: Mapping[str, Any]) -> Response:
        """One ``Response`` per distinct answer, so a repeated body is parsed once."""
        body = raw["body"]["string"]
        headers = raw.get("headers") or {}
        # Nearly always spelled so; any other spelling is looked up without regard to case.
        listed = headers.get("Content-Type")
        content_type = (
            str(listed[0])
            if isinstance(listed, list) and listed
            else _first(headers, "content-type")
        )
        cache_key = (raw["status"]["code"], body, content_type)
        response = self._responses.get(cache_key)
        if response is None:
            response = self._responses[cache_key] = to_response(raw)
        return response

    # --- one session: single interactions, then walks --------------------------------------------

    def _session(self, sequence: list[_Seen]) -> None:
        walks = _walks(sequence, self._jobs_of)
        listings = [walk for walk in walks if not walk.filtered]
        known: set[str] = set()
        for response in {id(seen.response): seen.response for seen in sequence}.values():
            known.update(job_id for job_id, _ in self._jobs_of(response) or ())
        complete = any(walk.complete for walk in listings)
        self._known.append(known)  # kept alive: a case key holds its id
        for seen in sequence:
            self._single(seen, known if complete else None)
        places: dict[tuple[Any, Any], list[_Walk]] = {}
        for listing in listings:
            places.setdefault(listing.place, []).append(listing)
        starts = {place: [listing.start for listing in found] for place, found in places.items()}
        for walk in walks:
            self._walk(walk, places.get(walk.place, []), starts.get(walk.place, []))

    def _jobs_of(self, response: Response) -> tuple[tuple[str, str], ...] | None:
        """A listing's jobs as (job_id, status), once per distinct response; None: not a listing."""
        listed = self._listed.get(id(response), ())
        if listed == ():
            document = response.document
            listed = (
                tuple(
                    (job["job_id"], str(job.get("status")))
                    for job in document["job_set"]
                    if has_job_id(job)
                )
                if is_listing(document)
                else None
            )
            self._listed[id(response)] = listed
        return listed

    def _single(self, seen: _Seen, known: set[str] | None) -> None:
        asked = seen.asked
        # What the answer is judged by depends on nothing else, so a repeat is one lookup.
        key = (id(asked), id(seen.response), seen.auth, id(known))
        case = self._cases.get(key)
        if case is not None:
            case.count += 1
            return
        # A malformed array is what the page leaves open (reject or serve, never crash), as in the
        # suite's odd requests: what its parameters would say is not held against the answer.
        expected = [] if asked.malformed else list(asked.invalid)
        codes_ = {_code(rule_id) for rule_id, _ in expected}
        if known is not None and not asked.malformed:
            unknown = [job for job in asked.jobs if job not in known]
            if unknown:
                expected.append(("DCJ-INPUT-003", f"{unknown[0]} is in no recorded listing"))
                codes_.add(codes.RESOURCE_NOT_FOUND)
        if seen.auth is not None and seen.auth in AUTH_RULES:
            rule_id, reason, code = AUTH_RULES[seen.auth]
            expected.append((rule_id, reason))
            codes_.add(code)
        self._cases[key] = _Case(seen, self._judge_single(seen, expected, codes_))
        self._mark_applied(seen, expected)

    def _judge_single(
        self, seen: _Seen, expected: Sequence[tuple[str, str]], expected_codes: set[int]
    ) -> list[Deviation]:
        exchange, asked, profile = seen.exchange(), seen.asked, self.profile
        code = ret_code(exchange)
        if expected:
            out = [f.deviation for f in check_exchange(exchange, profile)]
            if code == 0:
                out += [
                    deviation(
                        rule_id,
                        profile,
                        f"accepted: {reason}",
                        expected="an error (ret_code ≠ 0)",
                        actual=0,
                        pointer="/ret_code",
                    )
                    for rule_id, reason in expected
                ]
            elif code is not None and code not in expected_codes:
                wanted = " or ".join(
                    f"{c} {codes.TOKENS.get(c, '')}".strip() for c in sorted(expected_codes)
                )
                out.append(
                    deviation(
                        "DCJ-ERROR-002",
                        profile,
                        f"rejected with ret_code {code}, not {wanted}: {expected[0][1]}",
                        expected=wanted,
                        actual=code,
                        pointer="/ret_code",
                    )
                )
            return out
        if asked.documented:
            out = [f.deviation for f in check_exchange(exchange, profile, params=asked.params)]
            return out + page_fullness(exchange, asked.params, profile)
        out = [f.deviation for f in check_exchange(exchange, profile)]
        if code == 0:
            # A request the server served although it is not as documented: worth knowing, never
            # a failure (the input rules above cover what the page says must be refused).
            out += validate_request(asked.params, profile=profile)
        return out

    def _mark_applied(self, seen: _Seen, expected: Sequence[tuple[str, str]]) -> None:
        applied = self.verdict.applied
        if expected:
            rules: Iterable[str] = {rule_id for rule_id, _ in expected} | REJECTIONS.rules
        elif seen.asked.documented:
            rules = RESPONSES.rules
        else:
            rules = ODDITIES.rules | {UNDOCUMENTED_REQUEST}
        for rule_id in rules:
            applied[rule_id] += 1

    def _walk(self, walk: _Walk, listings: list[_Walk], starts: list[int]) -> None:
        around = _bracket(walk, listings, starts)
        if around is None:
            return
        out = (
            _filter_deviations(walk, *around, self.profile)
            if walk.filtered
            else _paging_deviations(walk, around[2], self.profile)
        )
        if out is None:
            return
        for rule_id in ("DCJ-FILTER-004" if walk.filtered else "DCJ-PAGE-004", "DCJ-PAGE-005"):
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


# --- walks and what is comparable across them ------------------------------------------------------


def _walks(
    sequence: Sequence[_Seen], jobs_of: Callable[[Response], tuple[tuple[str, str], ...] | None]
) -> list[_Walk]:
    """The walks of a session: runs of consecutive success pages of one request, from offset 0."""
    walks: list[_Walk] = []
    current: _Walk | None = None
    for number, seen in enumerate(sequence):
        asked = seen.asked
        listed = jobs_of(seen.response) if asked.walk is not None else None
        if listed is None or seen.auth not in _SERVED_AUTH:
            current = None
            continue
        last = current.pages[-1].asked if current is not None else None
        if (
            current is not None
            and last is not None
            and not current.complete
            and asked.walk == last.walk
            and asked.offset == last.offset + last.limit
        ):
            current.pages.append(seen)
            current.listed.append(listed)
            current.end = number
        elif asked.offset == 0 and asked.limit >= 1:
            current = _Walk([seen], [listed], number, number)
            walks.append(current)
        else:
            current = None
            continue
        # The end of the listing: an empty page, or a page that reaches total_count.
        document = seen.response.document
        current.complete = not document["job_set"] or (
            asked.offset + min(asked.limit, MAX_LIMIT) >= document["total_count"]
        )
    return walks


def _bracket(
    walk: _Walk, listings: Sequence[_Walk], starts: Sequence[int]
) -> tuple[_Walk, _Walk, Bracket] | None:
    """The listings just before and just after ``walk``, when they make its pages comparable.

    ``listings`` are in session order (walks never overlap), ``starts`` their first positions.
    """
    before_at = bisect.bisect_left(starts, walk.start) - 1
    before = listings[before_at] if before_at >= 0 else None
    after_at = bisect.bisect_right(starts, walk.end)
    after = listings[after_at] if after_at < len(listings) else None
    if before is None or after is None:
        return None  # one side only: a change in between could not be told from a deviation
    bracket = Bracket(before.universe, after.universe)
    tight = before.end == walk.start - 1 and after.start == walk.end + 1
    if not tight and (
        bracket.before.statuses != bracket.after.statuses
        or bracket.before.total != bracket.after.total
    ):
        return None  # far apart and the data changed: nothing is comparable
    return before, after, bracket


def _filter_deviations(
    walk: _Walk, before: _Walk, after: _Walk, bracket: Bracket, profile: Profile
) -> list[Deviation] | None:
    """The filter probe's judgement of a recorded filtered walk (see probes._filter_once); None
    when the bracket cannot judge it."""
    params = walk.asked.params
    statuses = frozenset(params["status"]) if "status" in params else None
    job_ids = frozenset(params["jobs"]) if "jobs" in params else None
    if not (bracket.complete or job_ids is not None):
        return None  # a status filter needs every job of the listing to compare with
    documents = walk.documents()
    returned = walk.returned()
    shown: dict[str, Any] = {name: params[name] for name in ("status", "jobs") if name in params}
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


def _paging_deviations(walk: _Walk, bracket: Bracket, profile: Profile) -> list[Deviation]:
    """The paging probe's judgement of a recorded unfiltered walk (see probes._paging_once)."""
    limit = walk.asked.limit
    documents = walk.documents()
    returned = walk.returned()
    arrivals = max(0, bracket.after.total - bracket.before.total)
    out: list[Deviation] = []
    # A job that arrives during the walk pushes the rest down a place: up to one repeat per arrival.
    if len(returned) - len(set(returned)) > arrivals:
        repeated = sorted(job for job, n in Counter(returned).items() if n > 1)
        out.append(
            deviation(
                "DCJ-PAGE-004",
                profile,
                f"pages of limit={limit} repeat jobs: {', '.join(repeated[:10])}",
                expected="each job on one page",
                actual=repeated[:10],
                pointer="/job_set",
            )
        )
    if walk.complete and bracket.complete:
        listed = bracket.before.statuses.keys() & bracket.after.statuses.keys()
        missing = sorted(listed - set(returned))
        if missing:
            out.append(
                deviation(
                    "DCJ-PAGE-004",
                    profile,
                    f"pages of limit={limit} skip jobs of the listing: {', '.join(missing[:10])}",
                    expected="every job on some page",
                    actual=missing[:10],
                    pointer="/job_set",
                )
            )
    low, high = bracket.before.total, bracket.after.total
    for index, document in enumerate(documents):
        total = document["total_count"]
        if not low <= total <= high:
            out.append(
                deviation(
                    "DCJ-PAGE-005",
                    profile,
                    f"total_count is {total} on page {index + 1} (limit={limit}), but the listing "
                    f"holds {low} to {high} jobs",
                    expected=f"between {low} and {high}",
                    actual=total,
                    pointer="/total_count",
                )
            )
            break
    return out


# --- small helpers -----------------------------------------------------------------------------------


def _located(found: Deviation, where: str) -> Deviation:
    return dataclasses.replace(found, message=f"{found.message} [{where}]")


def _code(rule_id: str) -> int:
    return codes.RESOURCE_NOT_FOUND if rule_id == "DCJ-INPUT-003" else codes.INVALID_REQUEST_FORMAT


def _first(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""
