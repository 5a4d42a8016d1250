"""What an emulator can learn from a recording: the jobs its listing pages saw, and the choices the
recorded server made where the page leaves room (``emulator.policy.Choices``).

``conformance emulator --data-from CASSETTE`` serves ``jobs_seen``; ``--like CASSETTE`` adopts
``choices_made``, so that the emulator can stand in for the recorded server and ``conformance diff``
can show, offline, where it still departs from it. Only DescribeClusterJobs interactions count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.cassettes.classify import Asked
from conformance.cassettes.format import Cassette
from conformance.cassettes.reading import Reader
from conformance.contract import ACTION, JOBS, SCOPE, STATUS, left_open
from conformance.emulator.data import Job, job_from_item, parse_job_time
from conformance.emulator.policy import Choices
from conformance.errors import CassetteError
from conformance.exchange import Response
from conformance.jsontext import is_int
from conformance.judgement.listing import is_listing


@dataclass(frozen=True)
class Recorded:
    """One recorded DescribeClusterJobs interaction, decoded: the raw vcrpy dicts beside it."""

    asked: Asked
    response: Response
    raw: dict[str, Any]


def recorded(cassettes: Iterable[Cassette]) -> Iterator[Recorded]:
    """Every DescribeClusterJobs interaction of ``cassettes``, in recorded order."""
    reader = Reader()
    for cassette in cassettes:
        for raw in cassette.interactions:
            action, asked = reader.parse(raw["request"])
            if action == ACTION:
                yield Recorded(asked, reader.response(raw["response"]), raw)


def is_plain_listing(item: Recorded) -> bool:
    """An answered request for the app's jobs without a filter: a page of the whole listing."""
    params = item.asked.params
    return (
        item.asked.documented
        and not item.asked.invalid
        and JOBS.parameter not in params
        and STATUS.parameter not in params
        and is_listing(item.response.document)
    )


def jobs_seen(cassettes: Iterable[Cassette], *, source: str = "the recording") -> tuple[Job, ...]:
    """The jobs the recording's listing pages held, each as first seen (later pages of data that
    changed do not overwrite it); ``CassetteError`` when it holds none."""
    jobs: dict[str, Job] = {}
    for item in recorded(cassettes):
        if not is_plain_listing(item):
            continue
        app = item.asked.params.get(SCOPE)
        for raw_job in item.response.document["job_set"]:
            try:
                job = job_from_item(str(app), raw_job)
            except (KeyError, TypeError, ValueError):
                continue  # an item the server got wrong: the diff shows that, the data skips it
            jobs.setdefault(job.job_id, job)
    if not jobs:
        raise CassetteError(
            f"{source} holds no listing page with jobs to serve; record a run that lists the app"
        )
    return tuple(sorted(jobs.values(), key=lambda job: job.sort_key))


@dataclass(frozen=True)
class Learned:
    """The choices a recording shows, and one line per choice saying where it came from."""

    choices: Choices
    notes: tuple[str, ...]


def choices_made(cassettes: Iterable[Cassette]) -> Learned:
    """The recorded server's choices where the page leaves room; where the recording shows none,
    the emulator's own stays, and the note says so."""
    above_cap: Counter[int | None] = Counter()
    other_app: Counter[int | None] = Counter()
    order: Counter[bool] = Counter()
    items = list(recorded(cassettes))
    # The apps the recording listed jobs of; any other app asked for is one the server had none of.
    apps = {
        str(item.asked.params.get(SCOPE))
        for item in items
        if is_plain_listing(item) and item.response.document["job_set"]
    }
    for item in items:
        asked, document = item.asked, item.response.document
        code = _ret_code(document)
        if asked.invalid or asked.malformed or code is None:
            continue
        params = asked.params
        named = left_open(params)
        if named == "limit-above-cap":
            above_cap[code or None] += 1
        elif named is None and params.get(SCOPE) and params.get(SCOPE) not in apps:
            other_app[code or None] += 1
        if is_plain_listing(item):
            oldest = _oldest_first(document["job_set"])
            if oldest is not None:
                order[oldest] += 1
    own = Choices()
    choices = Choices(
        above_cap_code=_commonest(above_cap, own.above_cap_code),
        oldest_first=_commonest(order, own.oldest_first),
        unknown_app_code=_commonest(other_app, own.unknown_app_code),
    )
    seen = (sum(above_cap.values()), sum(order.values()), sum(other_app.values()))
    notes = tuple(
        f"{line} ("
        + (f"from {count} recorded answer(s)" if count else "not recorded: its own")
        + ")"
        for line, count in zip(choices.lines(), seen, strict=True)
    )
    return Learned(choices, notes)


def _ret_code(document: Any) -> int | None:
    value = document.get("ret_code") if isinstance(document, dict) else None
    return value if is_int(value) else None


def _oldest_first(job_set: list[Any]) -> bool | None:
    """Whether a page lists its jobs oldest first (None: it cannot tell, or neither way)."""
    times = [parse_job_time(job.get("create_time")) for job in job_set if isinstance(job, dict)]
    known = [moment for moment in times if moment is not None]
    if len(set(known)) < 2:
        return None
    if known == sorted(known):
        return True
    if known == sorted(known, reverse=True):
        return False
    return None


def _commonest(counts: Counter[Any], default: Any) -> Any:
    return counts.most_common(1)[0][0] if counts else default
