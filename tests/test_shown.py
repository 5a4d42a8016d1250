"""``shown``: whatever a terminal would obey comes out as an escape, and nothing else changes."""

from __future__ import annotations

import pytest

from conformance.shown import shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("done\rforged", "done\\rforged"),
        ("one\ntwo\tthree", "one\\ntwo\\tthree"),
        ("\x00\x07\x7f\x85\x9b", "\\x00\\x07\\x7f\\x85\\x9b"),
        ("abc\u202etxt.exe", "abc\\u202etxt.exe"),
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),
    ],
)
def test_it_escapes_what_a_terminal_would_obey(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_it_leaves_ordinary_text_alone_backslashes_and_all() -> None:
    text = 'InvailidRequestFormat, 日志 "j-etkt94ebqra" \\u00e9 C:\\path é ✓'

    assert shown(text) == text


def test_a_limit_cuts_with_an_ellipsis_and_never_halves_an_escape() -> None:
    assert shown("abcdef", 4) == "abc…"
    assert shown("abc", 3) == "abc"
    assert shown("ab\x1bcd", 4) == "ab…"  # not "ab\\x…"
    assert shown("ab\x1bcd", 7) == "ab\\x1b…"
    assert len(shown("\x1b" * 100, 50)) <= 50
