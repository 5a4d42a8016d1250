"""Text from outside, made safe to print: control characters become visible escapes.

A server's message, a recorded body, a cassette's field or a file name can hold characters a terminal
obeys rather than shows: ESC starts a sequence that clears the screen or retitles the window, a
carriage return lets a line overwrite itself, a bidi override shows text in another order than it
runs, and a line separator breaks what must stay one line. ``shown`` writes each such character as a
Python-style escape (``\\x1b``, ``\\r``, ``\\u202e``), so what a reader sees is what was there.

Escaped: C0 controls (tab and newline too: shown text is one line), DEL, C1 controls, lone surrogates
(what undecodable bytes become), the bidi embeddings, overrides and isolates (U+202A to 202E,
U+2066 to 2069) and marks (U+200E, U+200F, U+061C), and the line and paragraph separators (U+2028,
U+2029). A backslash is left as it is: bodies are full of JSON's own escapes, and doubling them all
would make every body harder to read for no safety.
"""

from __future__ import annotations

import json
import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
ELLIPSIS = "…"


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str, limit: int | None = None) -> str:
    """``text`` with every character a terminal would obey escaped; cut to ``limit`` characters
    (an escape is never cut in half, and ``…`` marks the cut)."""
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(lambda match: _escape(match.group()), text)
    if limit is None or len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # An escape written above is at most 6 characters (\u202e): do not leave a piece of one.
    tail = cut.rfind("\\", max(len(cut) - 5, 0))
    if tail >= 0 and _is_cut_escape(text, tail, len(cut)):
        cut = cut[:tail]
    return cut + ELLIPSIS


def _is_cut_escape(text: str, start: int, end: int) -> bool:
    match = re.match(r"\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|[tnr])", text[start:])
    return match is not None and start + match.end() > end


def one_line(value: object, limit: int, *, prose: bool = True) -> str:
    """A value as one escaped line of at most ``limit`` characters: text as it is when ``prose``,
    anything else as JSON (so the string "10" and the number 10 look different)."""
    if prose and isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):  # nested past Python's recursion, or a cycle
            text = f"({type(value).__name__} nested too deep to show)"
    return shown(text, limit)
