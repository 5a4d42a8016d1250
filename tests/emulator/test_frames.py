"""Frames change nothing: an emulator that reuses them answers byte for byte as one that does not.

Each example is a short session in which a few clients, each with its own way of building and
signing a request (its shape), repeat a few queries, as polling clients do, with fresh ``req_id``
and ``time_stamp`` values. Mixed in is everything that could make a frame wrong: wrong and missing
signatures, parameters changed after signing, stale and malformed times, expires, unknown keys and
methods, volatile names twice or spelled with escapes, values that are not UTF-8, arrays, POST form
bodies, faults and churn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from hypothesis import example, given
from hypothesis import strategies as st

from conformance import signing, wire
from conformance.contract import STATUSES
from conformance.emulator import DEMO_CREDENTIALS, FAULTS, ChurnSettings, Emulator, default_jobs
from conformance.emulator.fastpath import Verifier
from conformance.emulator.frames import MAX_FRAMES, MAX_LENGTH, Frames
from conformance.exchange import Request
from tests.emulator.helpers import APP, BASE, ZONE, Clock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KNOWN = [job.job_id for job in default_jobs() if (job.zone, job.app) == (ZONE, APP)][:5]
SIGNERS = {
    "demo": DEMO_CREDENTIALS,
    "wrong-secret": signing.Credentials(DEMO_CREDENTIALS.access_key_id, "NOT-THE-SECRET"),
    "unknown-key": signing.Credentials("QYUNKNOWNKEY", DEMO_CREDENTIALS.secret_access_key),
}

_QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["DescribeClusterJobs", "DescribeJobs", ""]),
        "zone": st.sampled_from([ZONE, "gd2", ""]),
        "app": st.sampled_from([APP, "app-other", "", "app x/é"]),
        "status": st.lists(st.sampled_from([*STATUSES, "bogus", ""]), max_size=3),
        "jobs": st.lists(st.sampled_from([*KNOWN, "j-unknown", ""]), max_size=3),
        "limit": st.sampled_from([1, 5, 0, -1, 150, "x"]),
        "offset": st.sampled_from([0, 3, -2, "y"]),
        "verbose": st.sampled_from([0, 1, -1]),
        "expires": st.sampled_from(["2026-01-01T00:10:00Z", "2025-12-31T23:59:00Z", "soon"]),
        "signature_method": st.sampled_from(["HmacSHA1", "HmacMD5"]),
        "名 x": st.sampled_from(["", "a&b=c", "%"]),
    },
).map(lambda params: {"action": "DescribeClusterJobs", **BASE, **params})


@dataclass(frozen=True)
class Shape:
    """How one client builds and signs its requests, the same every time."""

    verb: str
    path: str
    req_id_at: int | None  # where among the query's pairs req_id goes; None: nowhere
    stamp_at: int | None  # where time_stamp goes; None: last, where signing.sign puts it
    signer: str  # a key of SIGNERS, or "unsigned"
    change: str  # what the client does to each request after signing it


_SHAPES = st.builds(
    Shape,
    verb=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from(["/iaas/", "/iaas/", "/iaas"]),
    # Few places, so that two clients often differ in one respect only.
    req_id_at=st.sampled_from([9, 9, 0, 20, None]),
    stamp_at=st.sampled_from([None, None, 0, 5]),
    signer=st.sampled_from([*["demo"] * 4, *SIGNERS, "unsigned"]),
    change=st.sampled_from(
        [
            *["none"] * 6,
            "drop-signature",
            "signature-first",
            "req-id-twice",
            "time-stamp-twice",
            "escaped-req-id-name",
            "drop-time-stamp",
            "change-after-signing",
        ]
    ),
)


@dataclass(frozen=True)
class Step:
    """One request of a session: whose, which query, and what is new in it."""

    shape: int
    query: int
    req_id: str | None  # None: a fresh plain one, numbered
    stamp: int | str  # seconds before the clock, or a malformed time stamp
    slip: str  # what goes wrong in this request alone
    wait: int  # seconds the clock moves first


_STEPS = st.builds(
    Step,
    shape=st.integers(0, 2),
    query=st.integers(0, 2),
    req_id=st.none() | st.just("") | st.text(alphabet="ab +%/:é&=", min_size=1, max_size=6),
    stamp=st.sampled_from([0, 0, 0, 30, 61, 3600, -5, "yesterday"]),
    slip=st.sampled_from(
        [
            *["none"] * 6,
            "flip-signature",
            "req-id-not-utf8",
            "signature-not-utf8",
            "stamp-lower-case-escapes",
        ]
    ),
    wait=st.sampled_from([0, 0, 1, 59]),
)


def _request(shape: Shape, step: Step, params: dict[str, Any], number: int, now: float) -> Request:
    pairs = wire.encode(params)
    if shape.req_id_at is not None:
        req_id = f"{number:032x}" if step.req_id is None else step.req_id
        pairs.insert(min(shape.req_id_at, len(pairs)), ("req_id", req_id))
    stamp = step.stamp
    moment = datetime.fromtimestamp(now - (stamp if isinstance(stamp, int) else 0), timezone.utc)
    signer = SIGNERS.get(shape.signer)
    if signer is not None:  # the auth pairs in signing.sign's order, so that it adds none
        present = {name for name, _ in pairs}
        pairs += [
            pair
            for pair in (
                ("access_key_id", signer.access_key_id),
                ("signature_method", "HmacSHA256"),
                ("signature_version", "1"),
            )
            if pair[0] not in present
        ]
    stamped = ("time_stamp", stamp if isinstance(stamp, str) else signing.format_time(moment))
    if shape.stamp_at is None:
        pairs.append(stamped)
    else:
        pairs.insert(min(shape.stamp_at, len(pairs)), stamped)
    if signer is not None:
        # An unknown method is named only after signing (with SHA256): no HMAC can check it.
        unknown = params.get("signature_method") == "HmacMD5"
        swap = {"HmacMD5": "HmacSHA256", "HmacSHA256": "HmacMD5"} if unknown else {}
        pairs = [(name, swap.get(value, value)) for name, value in pairs]
        pairs = signing.sign(pairs, signer, verb=shape.verb, path=shape.path, now=moment)
        pairs = [(name, swap.get(value, value)) for name, value in pairs]
    pairs = _changed(pairs, shape.change)
    if step.slip == "flip-signature" and pairs[-1][0] == "signature":
        pairs[-1] = ("signature", pairs[-1][1][::-1])
    raw = (urlencode if shape.verb == "POST" else wire.query_string)(pairs)
    raw = _slipped(raw, shape.change, step.slip)
    if shape.verb == "POST":
        return Request("POST", shape.path, "", raw.encode(), FORM)
    return Request("GET", shape.path, raw)


def _changed(pairs: list[tuple[str, str]], change: str) -> list[tuple[str, str]]:
    if change == "change-after-signing":
        return [(name, value + "x" if name == "zone" else value) for name, value in pairs]
    if change == "drop-signature":
        return [pair for pair in pairs if pair[0] != "signature"]
    if change == "signature-first":
        return sorted(pairs, key=lambda pair: pair[0] != "signature")
    if change == "req-id-twice":
        return [*pairs[:1], ("req_id", "again"), *pairs[1:]]
    if change == "time-stamp-twice":
        return [("time_stamp", "2026-01-01T00:00:00Z"), *pairs]
    if change == "drop-time-stamp":
        return [pair for pair in pairs if pair[0] != "time_stamp"]
    return pairs


def _slipped(raw: str, change: str, slip: str) -> str:
    if change == "escaped-req-id-name":
        raw = raw.replace("req_id=", "req%5Fid=", 1)
    if slip == "req-id-not-utf8":
        return raw.replace("req_id=", "req_id=%C3%28", 1)
    if slip == "signature-not-utf8":
        return raw.replace("signature=", "signature=%A1", 1)
    if slip == "stamp-lower-case-escapes":
        return raw.replace("%3A", "%3a")
    return raw


@dataclass(frozen=True)
class Setup:
    """What the two emulators share: faults, whether they check keys, churn."""

    faults: tuple[str, ...]
    authenticated: bool
    churn: int | None  # a churn seed, or None for none


_SETUPS = st.builds(
    Setup,
    faults=st.lists(st.sampled_from(sorted(FAULTS)), max_size=3, unique=True).map(tuple),
    authenticated=st.booleans() | st.just(True),
    churn=st.none() | st.integers(0, 100),
)


def _emulator(setup: Setup, clock: Clock, *, frames: bool) -> Emulator:
    churn = ChurnSettings(seed=setup.churn, every_requests=2) if setup.churn is not None else None
    credentials = DEMO_CREDENTIALS if setup.authenticated else None
    return Emulator(
        faults=setup.faults, credentials=credentials, clock=clock, churn=churn, frames=frames
    )


_POLLING = Shape("GET", "/iaas/", 9, None, "demo", "none")
_POLLED = [{"action": "DescribeClusterJobs", **BASE, "status": ["failed", "successful"]}]


@given(
    setup=_SETUPS,
    shapes=st.lists(_SHAPES, min_size=1, max_size=3),
    queries=st.lists(_QUERIES, min_size=1, max_size=3),
    steps=st.lists(_STEPS, min_size=1, max_size=16),
)
@example(
    setup=Setup((), True, None),
    shapes=[_POLLING],
    queries=_POLLED,
    steps=[Step(0, 0, None, 0, "none", 0)] * 4,
)
@example(  # clients that differ in the verb or the path spelling only
    setup=Setup((), True, None),
    shapes=[_POLLING, replace(_POLLING, verb="POST"), replace(_POLLING, path="/iaas")],
    queries=_POLLED,
    steps=[Step(shape, 0, None, 0, "none", 0) for shape in (0, 1, 2) * 3],
)
@example(  # a form body writes a space as "+", which a frame must read as the full path does
    setup=Setup((), True, None),
    shapes=[replace(_POLLING, verb="POST")],
    queries=_POLLED,
    steps=[Step(0, 0, req_id, 0, "none", 0) for req_id in ("a b", "c d", "e+f", "%41")],
)
def test_frames_change_no_answer(
    setup: Setup, shapes: list[Shape], queries: list[dict[str, Any]], steps: list[Step]
) -> None:
    clock = Clock()
    framed, fresh = (_emulator(setup, clock, frames=frames) for frames in (True, False))
    for number, step in enumerate(steps):
        clock.advance(step.wait)
        shape = shapes[step.shape % len(shapes)]
        query = queries[step.query % len(queries)]
        request = _request(shape, step, query, number, clock())
        assert framed.handle(request) == fresh.handle(request), (number, request)


def test_a_polling_client_is_served_from_one_frame(clock: Clock) -> None:
    emulator = Emulator(clock=clock)
    params = {**BASE, "status": ["failed", "successful"], "limit": 5}
    answers: Counter[bytes] = Counter()
    for number in range(50):
        clock.advance(1)
        answers[emulator.call({**params, "req_id": f"{number:032x}"}).body] += 1
    assert list(answers.values()) == [50]
    assert emulator._frames is not None
    assert len(emulator._frames) == 1


def test_the_frame_memo_stays_bounded(emulator: Emulator) -> None:
    # Every query is its own frame, seen twice: more of them than the memo keeps.
    for offset in range(MAX_FRAMES + 10):
        for _ in range(2):
            assert emulator.call({**BASE, "offset": offset}).status == 200
    assert emulator._frames is not None
    assert 0 < len(emulator._frames) <= MAX_FRAMES


def test_a_frame_is_made_on_a_querys_second_sight_and_the_memo_is_emptied_when_full() -> None:
    frames = Frames(Verifier("secret"), lambda params: params, size=4)
    sizes = []
    for number in range(10):
        first = frames.read("GET", "/iaas/", f"n={number}&req_id=1&signature=x")
        second = frames.read("GET", "/iaas/", f"n={number}&req_id=2&signature=y")
        assert first is None
        assert second is not None
        assert second.params == {"n": str(number), "req_id": "2", "signature": "y"}
        assert second.frame.outcome == {"n": str(number)}
        sizes.append(len(frames))
    assert sizes == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2]


def test_a_long_query_is_read_afresh_and_not_kept(clock: Clock) -> None:
    framed, fresh = (Emulator(clock=clock, frames=frames) for frames in (True, False))
    params = {**BASE, "note": "x" * MAX_LENGTH}
    for number in range(3):
        request = framed.request({**params, "req_id": str(number)})
        assert framed.handle(request) == fresh.handle(request)
    assert framed._frames is not None
    assert len(framed._frames) == 0
