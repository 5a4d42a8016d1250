"""Reproduce lines: pasted into a shell, they run curl and ``conformance sign`` and nothing else,
whatever a server, a cassette or a URL put into them."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.exchange import Request
from conformance.replay import reproduce, unsigned_query

# Each would leave a file behind if any part of a reproduce line ran as a command.
HOSTILE = (
    "$(touch PWNED-dollar)",
    "`touch PWNED-backtick`",
    '"; touch PWNED-double; "',
    "'; touch PWNED-single; '",
    "\ntouch PWNED-newline\n",
    ";touch PWNED-semicolon;",
    "| touch PWNED-pipe",
    "&& touch PWNED-and",
    "\x1b]0;title\x07\x9b2J",
)
QUERY = "action=DescribeClusterJobs&zone=pek3a&app=" + "".join(HOSTILE)


def cases() -> list[tuple[str, Request, str | None, str | None, str | None]]:
    found = []
    for index, hostile in enumerate(HOSTILE):
        path = f"/iaas/{hostile}/"
        found += [
            (
                f"live-get-{index}",
                Request("GET", path, QUERY),
                f"https://h.example{path}",
                None,
                None,
            ),
            (
                f"live-post-{index}",
                Request("POST", path, "", QUERY.encode()),
                f"https://h.example/iaas/?{hostile}",
                None,
                f"wrong-signature{hostile}",
            ),
            (
                f"emulator-get-{index}",
                Request("GET", path, QUERY + "&signature=abc"),
                None,
                f"--fault {hostile} --churn",
                None,
            ),
        ]
    return found


CASES = cases()


@pytest.mark.parametrize(
    ("request_", "url", "options", "mutation"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_word_of_a_reproduce_line_is_one_quoted_shell_word(
    request_: Request, url: str | None, options: str | None, mutation: str | None
) -> None:
    line = reproduce(request_, url=url, emulator_options=options, mutation=mutation)

    lines = line.split("\n")
    assert len(lines) == (2 if url is None else 1)
    assert all(char.isprintable() for text in lines for char in text), lines
    curl = shlex.split(lines[-1])
    assert curl[:2] == ["curl", "-sS"]
    # shlex leaves "$(…)" as text, so the substitution's own words can be split in turn.
    if request_.method == "GET":
        assert len(curl) == 3
        sent_to = _encoded(url or f"http://127.0.0.1:8080{request_.path}")
        assert curl[2].startswith(f"{sent_to}?$(")
        substitution = curl[2].removeprefix(f"{sent_to}?")
    else:
        assert len(curl) == 5
        assert curl[2] == "--data"
        assert curl[4] == _encoded(url or f"http://127.0.0.1:8080{request_.path}")
        substitution = curl[3]
    assert substitution.startswith("$(")
    assert substitution.endswith(")")
    sign = shlex.split(substitution[2:-1])
    assert sign[:2] == ["conformance", "sign"]
    assert sign[-1] == unsigned_query(request_)
    if mutation:
        assert sign[sign.index("--mutation") + 1] == _encoded(mutation)


def _encoded(text: str) -> str:
    # As the reproduce line writes a word: controls, spaces and quotes percent-encoded.
    unsafe = {*map(chr, range(0x21)), *map(chr, range(0x7F, 0xA0)), *"\"'\\`"}
    return "".join(f"%{ord(char):02X}" if char in unsafe else char for char in text)


def _run(script: str, cwd: Path) -> tuple[list[list[str]], str]:
    """``script`` under bash with curl, conformance and env replaced by functions that only write
    down their arguments; what each was called with, and the files left in ``cwd``."""
    record = cwd / "record"
    record.mkdir()
    # A started emulator runs in the background: it writes to a file of its own.
    stubs = (
        "record() { file=$1; shift; { printf '%s\\0' \"$@\"; printf '\\n'; } >> record/$file; }\n"
        'curl() { record calls curl "$@"; }\n'
        "conformance() {\n"
        '  if [ "$1" = sign ]; then record calls conformance "$@"; printf SIGNED;\n'
        '  else record emulators conformance "$@"; fi\n'
        "}\n"
        'env() { shift 4; "$@"; }\n'
    )
    done = subprocess.run(
        ["bash", "-c", f"{stubs}{script}\nwait\n"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    calls = []
    for name in ("calls", "emulators"):
        raw = (record / name).read_text(encoding="utf-8") if (record / name).exists() else ""
        calls += [entry.split("\0") for entry in raw.split("\0\n") if entry]
    left = sorted(path.name for path in cwd.iterdir() if path.name != "record")
    return calls, " ".join(left)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_pasting_reproduce_lines_of_hostile_values_runs_nothing_else(tmp_path: Path) -> None:
    # Every case in one bash run (one process keeps this fast): each line is checked with bash -n,
    # then run with curl and conformance replaced by harmless functions.
    lines = [
        reproduce(request_, url=url, emulator_options=options, mutation=mutation)
        for _, request_, url, options, mutation in CASES
    ]
    script = "\nwait\n".join(lines)  # one started emulator at a time
    syntax = subprocess.run(
        ["bash", "-n", "-c", script], capture_output=True, text=True, check=False
    )
    assert syntax.returncode == 0, syntax.stderr

    calls, left = _run(script, tmp_path)

    assert left == ""  # no PWNED-… file: nothing but the three stubs ran
    assert {call[0] for call in calls} == {"curl", "conformance"}
    curls = [call for call in calls if call[0] == "curl"]
    signs = [call for call in calls if call[:2] == ["conformance", "sign"]]
    emulators = [call for call in calls if call[:2] == ["conformance", "emulator"]]
    assert len(curls) == len(signs) == len(CASES)
    assert len(emulators) == sum(url is None for _, _, url, _, _ in CASES)
    assert all(call[:4] == ["conformance", "emulator", "--port", "8080"] for call in emulators)
    assert all(call[4] == "--fault" and call[-1] == "--churn" for call in emulators)
    for (_, request_, url, _, _), curl, sign in zip(CASES, curls, signs, strict=True):
        sent_to = _encoded(url or f"http://127.0.0.1:8080{request_.path}")
        if request_.method == "GET":
            assert curl == ["curl", "-sS", f"{sent_to}?SIGNED"]
        else:
            assert curl == ["curl", "-sS", "--data", "SIGNED", sent_to]
        assert sign[-1] == unsigned_query(request_)
    assert "https://h.example/iaas/$(touch%20PWNED-dollar)/?SIGNED" in {call[-1] for call in curls}
