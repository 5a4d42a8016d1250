"""Frames: what one client's successive requests share, worked out once and reused.

A polling client sends the same query again and again; only ``req_id`` and ``time_stamp`` change
(and so the signature, last in every SDK request). A *frame* is such a query with those two values
cut out, and everything about it that they do not change: the parameters, the parsed request (or
its rejection), the HMAC that ``signature_method`` names and the string to sign around the gaps.
Per request what is left is a regex split, a dict lookup, reading the two values and the signature,
and the HMAC itself: ``handle`` takes about 7 µs instead of 12 (benchmarks/bench_emulator.py).

A frame is made only where it gives exactly what ``fastpath.read`` and ``params_of`` give; anything
else (a volatile name twice, an encoding that is not plain, a value that is not UTF-8, a signature
before the end) is left to the service's full path, which explains it. The memo is emptied when
full, so queries that never repeat cannot grow it; a frame never changes once made, so threads
share them freely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any, Generic, TypeVar

from conformance.emulator.fastpath import (
    KeyedHmac,
    Piece,
    Verifier,
    params_of,
    read_memoised,
    signs,
    unquote_signature,
)

Outcome = TypeVar("Outcome")

# The parameters whose values change from request to request. The service's parse reads neither:
# a frame's outcome is parsed without them.
VOLATILE = frozenset({"req_id", "time_stamp"})
# A volatile piece: at the start of a piece (the text split is prefixed with "&"), its value all
# that runs to the next "&". Split by it, a query alternates static text, name and value.
_VOLATILE_PIECE = re.compile(f"&({'|'.join(sorted(VOLATILE))})=([^&]*)")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.~-]*")  # reads as itself and is its own canonical form
MAX_FRAMES = 1024
# Longer queries are not framed, so that the memo, which keeps each query's text, stays small (an
# SDK's request is a few hundred characters).
MAX_LENGTH = 8192


class Frame(Generic[Outcome]):
    """One query without its volatile values: everything about it that they do not change."""

    __slots__ = ("keyed", "outcome", "params", "template", "volatile")

    def __init__(
        self,
        params: dict[str, Any],
        volatile: tuple[tuple[int, str], ...],
        outcome: Outcome,
        keyed: KeyedHmac | None,
        template: str,
    ) -> None:
        self.params = params  # all but the volatile ones; copied per request, never handed out
        self.volatile = volatile  # (place in the query, name) of each, in the order they are signed
        self.outcome = outcome
        self.keyed = keyed  # None: authentication is off, or signature_method names no HMAC
        # The string to sign as a %-format, a "%s" for each volatile piece's canonical form:
        # formatting a tuple into it is quicker than any join.
        self.template = template


class Framed(Generic[Outcome]):
    """One request read through its frame: its parameters, and its signature checked on demand."""

    __slots__ = ("_canonicals", "frame", "params")

    def __init__(
        self, frame: Frame[Outcome], params: dict[str, Any], canonicals: tuple[str, ...]
    ) -> None:
        self.frame, self.params, self._canonicals = frame, params, canonicals

    def signed(self) -> bool:
        """``Verifier.verify`` of this request; never raises."""
        frame = self.frame
        if frame.keyed is None:
            return False
        message = frame.template % self._canonicals
        return signs(frame.keyed, message, self.params.get("signature"))


class Frames(Generic[Outcome]):
    """The frames of one service, whose ``parse`` reads the parameters and nothing else."""

    def __init__(
        self,
        verifier: Verifier | None,
        parse: Callable[[dict[str, Any]], Outcome],
        *,
        size: int = MAX_FRAMES,
    ) -> None:
        self._verifier, self._parse, self._size = verifier, parse, size
        # None: a query that is not framed; _SEEN: one seen once, its frame not made yet.
        self._memo: dict[tuple[str, ...], Frame[Outcome] | None] = {}

    def __len__(self) -> int:
        return len(self._memo)

    def read(self, verb: str, path: str, raw: str) -> Framed[Outcome] | None:
        """The request read through its frame, or None where the full path must read it.

        Uses no clock and no data, so after a None the full path starts as if this never ran.
        """
        if len(raw) > MAX_LENGTH:
            return None
        # As fastpath.read does: a signature at the end is split off first.
        head, cut, signature = raw.rpartition("&signature=")
        if not cut or "&" in signature:
            head, cut = raw, ""
        parts = _VOLATILE_PIECE.split("&" + head)
        values = parts[2::3]
        del parts[2::3]
        key = (verb, path, *parts)
        memo = self._memo
        frame = memo.get(key, _UNSEEN)
        if frame is _UNSEEN:
            # A frame is made on the second sight: making one costs about a full reading, which a
            # query sent once (a generated one, a page of a long walk) would never pay back.
            if len(memo) >= self._size:
                memo.clear()
            memo[key] = _SEEN
            return None
        if frame is _SEEN:
            # Two threads may both make it; they make equal frames.
            frame = memo[key] = self._frame(verb, path, parts)
        if frame is None:
            return None
        params = frame.params.copy()
        canonicals = []
        try:
            for place, name in frame.volatile:
                value = values[place]
                if _PLAIN_VALUE.fullmatch(value):  # a req_id, as SDKs make them
                    params[name] = value
                    canonicals.append(f"{name}={value}")
                else:  # a time stamp ("%3A"), the same all through its second
                    piece = read_memoised(f"{name}={value}")
                    params[name] = piece.value
                    canonicals.append(piece.canonical)
            if cut:
                params["signature"] = unquote_signature(signature)
        except UnicodeDecodeError:
            return None  # the full path answers that the parameters are not UTF-8
        return Framed(frame, params, tuple(canonicals))

    def _frame(self, verb: str, path: str, parts: list[str]) -> Frame[Outcome] | None:
        """The frame of a split query (static text, volatile name, static text…), or None."""
        statics, names = parts[0::2], parts[1::2]
        pieces: list[Piece] = []
        try:
            for place, static in enumerate(statics):
                pieces += [read_memoised(text) for text in static.split("&") if text]
                if place < len(names):
                    # A stand-in: its place in the query where a value goes, and no canonical
                    # form (every other piece here has one: a signature is not framed).
                    pieces.append(Piece(names[place], "", "", names[place], 0, place))
        except UnicodeDecodeError:
            return None
        plain = params_of(pieces)
        # With no signature among them, the frame is the same for a request signed at the end and
        # for one not signed at all.
        if plain is None or "signature" in plain:
            return None  # a name twice, an irregular array, or a signature before the end
        params = {name: value for name, value in plain.items() if name not in VOLATILE}
        keyed = self._verifier.keyed(plain) if self._verifier is not None else None
        # As Verifier.verify signs: every piece, sorted by name (stably), percent-encoded.
        ordered = sorted(pieces, key=_NAME)
        volatile = tuple((piece.typed, piece.name) for piece in ordered if not piece.canonical)
        canonical = "&".join([piece.canonical.replace("%", "%%") or "%s" for piece in ordered])
        template = f"{verb}\n{path}\n".replace("%", "%%") + canonical
        return Frame(params, volatile, self._parse(params.copy()), keyed, template)


_UNSEEN: Any = object()
_SEEN: Any = object()
_NAME = itemgetter(0)
