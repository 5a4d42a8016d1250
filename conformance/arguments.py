"""Argument types shared by the command line and the pytest plugin: one wording for one mistake.

Each refuses with one line that quotes what it was given, escaped and cut short (an argument can be
anything a shell can pass), and says what it takes instead.
"""

from __future__ import annotations

import argparse
import functools
import math
import re

from conformance.shown import shown

#: The largest count any option takes: more examples, pages or seconds than a run could use.
MAX_COUNT = 1_000_000_000
#: Processes ``--workers`` may start: far more than any machine's cores, far fewer than it can fork.
MAX_WORKERS = 256
#: How long a percent-encoded app id or zone may be: a request line must stay within the 8 KiB an
#: HTTP server commonly reads, and the query carries the signing parameters and job ids besides.
MAX_ENCODED_ID = 2048


def _given(text: str) -> str:
    return shown(repr(text), 60)


def _whole_number(text: str, maximum: int) -> int:
    try:
        value = int(text)
    except ValueError:  # also "1e309", and digits past Python's 4300
        raise argparse.ArgumentTypeError(
            f"expected a whole number of 1 or more, got {_given(text)}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value}")
    if value > maximum:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at most {maximum:,}, got {_given(text)}"
        )
    return value


def positive_int(text: str) -> int:
    """A whole number from 1 to ``MAX_COUNT``."""
    return _whole_number(text, MAX_COUNT)


def worker_count(text: str) -> int:
    """A number of processes, from 1 to ``MAX_WORKERS``."""
    return _whole_number(text, MAX_WORKERS)


def non_negative_float(text: str) -> float:
    """A finite number of 0 or more: ``nan`` (which no comparison refuses) and ``inf`` are not."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of 0 or more, got {_given(text)}"
        ) from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"expected a finite number of 0 or more, got {_given(text)}"
        )
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (seconds, a rate): ``nan`` and ``inf`` are refused by name."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def percent(text: str) -> float:
    """A percentage from 0 to 100 (``90``, ``87.5``; a trailing ``%`` is allowed)."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a percentage from 0 to 100, got {_given(text)}"
        ) from None
    if not 0 <= value <= 100:  # nan fails both
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {_given(text)}")
    return value


def app_id(text: str) -> str:
    """An app id as a request carries it: any text a server can be sent (the page's ids read
    ``app-`` and 8 letters or digits, but to the server an app is just a string), so not empty, no
    lone surrogate (what bytes that are not UTF-8 become: they cannot be percent-encoded), and
    short enough for a request line."""
    return _sendable("app id", text)


@functools.cache
def _zone_pattern() -> re.Pattern[str]:
    # The request schema is the home of what a zone looks like; the strategies draw from it.
    from conformance.schemas import schema

    return re.compile(schema("request")["properties"]["zone"]["pattern"])


def zone_id(text: str) -> str:
    """A zone as the request schema has it (lower-case letters and digits: ``pek3a``, ``sh1a``)."""
    if not _zone_pattern().fullmatch(text):  # search() would let "pek3a\n" through its "$"
        raise argparse.ArgumentTypeError(
            f"expected a zone id of lower-case letters and digits (pek3a, sh1a), got {_given(text)}"
        )
    return _sendable("zone id", text)


def _sendable(what: str, text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError(f"expected an {what}, got nothing")
    from conformance.wire import percent_encode

    try:
        length = len(percent_encode(text))
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            f"expected an {what} in UTF-8 text, got {_given(text)}, which is not"
        ) from None
    if length > MAX_ENCODED_ID:
        raise argparse.ArgumentTypeError(
            f"expected an {what} of at most {MAX_ENCODED_ID} bytes percent-encoded, got one of "
            f"{length} ({_given(text)})"
        )
    return text
