"""Bad input gets one line, everywhere: every command of the CLI, fed what a hostile world feeds it.

Each case runs the real ``conformance`` command (in this process, where the exit path allows; as a
real process where it is the point: a closed pipe, a full disk) and holds it to the documented exit
status, exactly one line on stderr, no traceback, and a line that names the file or the option.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import paths
from conformance.cassettes import format as cassette_format
from conformance.cli import main
from conformance.documented import example_response_text
from conformance.emulator.data import EXAMPLE_JOB_JSON

EXAMPLE_BODY = example_response_text()
URI = "http://emulator.invalid/iaas/?action=DescribeClusterJobs&zone=pek3a&app=app-tg3lbp0a"
# The classic "billion laughs": nine aliases of nine aliases… 9**9 strings from a few hundred bytes.
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + LAUGHS


def interaction(**changes: Any) -> dict[str, Any]:
    """A well-formed DescribeClusterJobs interaction, with ``changes`` (dotted paths) applied."""
    raw: dict[str, Any] = {
        "request": {"method": "GET", "uri": URI, "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": EXAMPLE_BODY},
        },
    }
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        holder = raw
        for step in parents:
            holder = holder.setdefault(step, {})
        holder[last] = value
    return raw


def cassette_json(*interactions: dict[str, Any], **top: Any) -> bytes:
    """A JSON cassette of ``interactions``, with other top-level keys."""
    return json.dumps({"interactions": list(interactions), "version": 1, **top}).encode()


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- what goes into files: name -> (file name, bytes) --------------------------------------------

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01" * 64
NOT_UTF8 = b'{"interactions": [], "version": 1, "note": "caf\xe9"}'
FILES: dict[str, tuple[str, bytes]] = {
    "binary": ("input.json", BINARY),
    "binary-yaml": ("input.yaml", BINARY),
    "not-utf-8": ("input.json", NOT_UTF8),
    "not-utf-8-yaml": ("input.yaml", b"interactions: []\nversion: 1\nnote: caf\xe9\n"),
    "json-100000-deep": ("input.json", deep(100_000).encode()),
    "yaml-100000-deep": ("input.yaml", f"a: {deep(100_000)}\n".encode()),
    "yaml-100000-deep-block": ("input.yaml", b"- " * 100_000 + b"x\n"),
    "json-1000-deep": (
        "input.json",
        b'{"interactions": [], "version": 1, "note": ' + deep(1000).encode() + b"}",
    ),
    "alias-bomb": ("input.yaml", f"interactions: []\nversion: 1\n{BOMB}".encode()),
    "alias-loop": ("input.yaml", b"interactions: &x [*x]\nversion: 1\n"),
    "empty": ("input.json", b""),
    "huge-integer": ("input.json", b'{"interactions": [], "version": ' + b"9" * 5000 + b"}"),
    "nan-version": ("input.json", b'{"interactions": [], "version": NaN}'),
}
# Cassettes of the right shape with fields of the wrong type: what the line must mention.
WRONG_FIELDS: dict[str, tuple[dict[str, Any], str]] = {
    "header-value-int": (
        interaction(**{"response.headers": {"X-Count": [{"a": 1}]}}),
        "response header 'X-Count' holding a mapping",
    ),
    "header-value-dicts": (
        interaction(**{"request.headers": {"Accept": [{"a": 1}, {"b": 2}]}}),
        "request header 'Accept' holding a mapping",
    ),
    "headers-a-list": (interaction(**{"response.headers": ["x"]}), "response headers that are"),
    "body-string-a-number": (interaction(**{"response.body": {"string": 42}}), "body string"),
    "status-code-a-string": (interaction(**{"response.status.code": "200"}), "status code"),
    "status-code-absurd": (interaction(**{"response.status.code": 99999}), "99999"),
    "status-code-bool": (interaction(**{"response.status.code": True}), "status code"),
    "uri-without-scheme": (interaction(**{"request.uri": "/iaas/?action=X"}), "no scheme"),
    "uri-a-number": (interaction(**{"request.uri": 7}), "uri"),
    "request-body-a-list": (interaction(**{"request.body": [1, 2]}), "request body"),
    "meta-a-list": (interaction(conformance=[1]), "'conformance' entry"),
    "meta-auth-a-list": (interaction(conformance={"auth": ["valid"]}), "conformance.auth"),
    "meta-session-a-dict": (interaction(conformance={"session": {"a": 1}}), "conformance.session"),
}
PROVENANCE_WRONG: dict[str, dict[str, Any]] = {
    "provenance-a-list": {"conformance": ["x"]},
    "provenance-host-a-number": {
        "conformance": {
            "recorded_at": "2026-01-01T00:00:00Z",
            "endpoint": "x",
            "host": 5,
            "zone": "pek3a",
            "app": "a",
            "toolkit": "0",
            "contract": "0",
            "interactions": 1,
        }
    },
    "provenance-count-a-string": {
        "conformance": {
            "recorded_at": "2026-01-01T00:00:00Z",
            "endpoint": "x",
            "host": "h",
            "zone": "pek3a",
            "app": "a",
            "toolkit": "0",
            "contract": "0",
            "interactions": "1",
        }
    },
}


@dataclass(frozen=True)
class Case:
    """A command line (``{file}`` is the bad file) and what it must end with."""

    argv: tuple[str, ...]
    status: int
    names: str = "{file}"  # the line must contain this (formatted like argv)
    also: str = ""  # and this
    file: str | None = None  # a key of FILES
    content: bytes | None = None  # or the file's bytes, named ``file_name``
    file_name: str = "input.json"


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name in ("binary", "not-utf-8", "json-100000-deep", "empty", "huge-integer"):
        cases[f"validate-{name}"] = Case(("validate", "{file}"), 2, file=name)
    cases["validate-a-folder"] = Case(("validate", "{dir}"), 2, names="{dir}")
    cases["validate-missing"] = Case(("validate", "{dir}/nowhere.json"), 2, names="nowhere.json")
    cases["validate-dev-zero"] = Case(("validate", "/dev/zero"), 2, names="/dev/zero")
    cases["validate-request-not-utf-8"] = Case(
        ("validate", "-", "--request", "app=\udcff"), 2, names="argument 4"
    )
    for command in ("check", "scrub"):
        for name in FILES:
            if name == "json-1000-deep" or FILES[name][0].endswith((".json", ".yaml")):
                cases[f"cassettes-{command}-{name}"] = Case(
                    ("cassettes", command, "{file}"), 2, file=name
                )
        for name, (raw, needle) in WRONG_FIELDS.items():
            cases[f"cassettes-{command}-{name}"] = Case(
                ("cassettes", command, "{file}"),
                2,
                names="{file}: interaction 1 has ",
                also=needle,
                content=cassette_json(raw),
            )
        for name, top in PROVENANCE_WRONG.items():
            cases[f"cassettes-{command}-{name}"] = Case(
                ("cassettes", command, "{file}"), 2, content=cassette_json(interaction(), **top)
            )
        cases[f"cassettes-{command}-no-suffix"] = Case(
            ("cassettes", command, "{file}"), 2, content=b"{}", file_name="input.txt"
        )
    cases["cassettes-check-report-is-a-folder"] = Case(
        ("cassettes", "check", "{file}", "--report", "{dir}"),
        2,
        names="--report: {dir} is a folder",
        content=cassette_json(interaction()),
    )
    cases["cassettes-check-report-under-a-file"] = Case(
        ("cassettes", "check", "{file}", "--report", "{file}/report.json"),
        2,
        names="--report: cannot write {file}/report.json",
        content=cassette_json(interaction()),
    )
    cases["cassettes-check-report-on-a-full-disk"] = Case(
        ("cassettes", "check", "{file}", "--report", "/dev/full"),
        2,
        names="/dev/full: No space left on device",
        content=cassette_json(interaction()),
    )
    for name in ("binary", "not-utf-8", "json-100000-deep", "yaml-100000-deep", "alias-bomb"):
        cases[f"run-accept-{name}"] = Case(("run", "--accept", "{file}"), 2, file=name)
    cases["run-accept-missing"] = Case(("run", "--accept", "{dir}/no.yaml"), 2, names="no.yaml")
    options: dict[str, tuple[tuple[str, ...], str]] = {
        "app-empty": (("--app", ""), "--app"),
        "app-not-utf-8": (("--app", "app-\udcff"), "argument 3"),
        "app-absurdly-long": (("--app", "app-" + "x" * 5000), "--app"),
        "zone-empty": (("--zone", ""), "--zone"),
        "zone-upper-case": (("--zone", "PEK3A"), "--zone"),
        "zone-newline": (("--zone", "pek3a\n"), "--zone"),
        "zone-escape": (("--zone", "\x1b[2J"), "--zone"),
        "zone-nul": (("--zone", "pek\x00"), "--zone"),
        "rate-nan": (("--rate", "nan"), "--rate"),
        "rate-inf": (("--rate", "inf"), "--rate"),
        "rate-negative": (("--rate", "-1"), "--rate"),
        "max-examples-1e309": (("--max-examples", "1e309"), "--max-examples"),
        "max-examples-huge": (("--max-examples", "9" * 5000), "--max-examples"),
        "max-examples-zero": (("--max-examples", "0"), "--max-examples"),
        "max-pages-huge": (("--max-pages", "99999999999"), "--max-pages"),
        "workers-absurd": (("--workers", "100000"), "--workers"),
        "seed-a-float": (("--seed", "1e3"), "--seed"),
        "profile-unknown": (("--profile", "\x1b[2J"), "--profile"),
        "report-a-folder": (("--report", "{dir}"), "--report"),
        "report-under-a-file": (("--report", "{file}/r.json"), "--report"),
        "record-not-a-cassette-name": (("--record", "{dir}/run.txt"), "--record"),
        "record-a-folder": (("--record", "{dir}"), "--record"),
    }
    for name, (argv, names) in options.items():
        cases[f"run-{name}"] = Case(("run", *argv), 2, names=names, content=b"x")
    data = {
        "binary": "binary",
        "not-utf-8": "not-utf-8",
        "json-100000-deep": "json-100000-deep",
        "json-1000-deep": "json-1000-deep",
        "empty": "empty",
    }
    for name, key in data.items():
        cases[f"emulator-data-{name}"] = Case(
            ("emulator", "--port", "0", "--data", "{file}"), 2, file=key
        )
    job = json.loads(EXAMPLE_JOB_JSON)
    cases["emulator-data-nan"] = Case(
        ("emulator", "--port", "0", "--data", "{file}"),
        2,
        content=json.dumps({"app-x": [{**job, "extras": {"x": float("nan")}}]}).encode(),
    )
    cases["emulator-data-a-folder"] = Case(
        ("emulator", "--port", "0", "--data", "{dir}"), 2, names="{dir}"
    )
    emulator_options: tuple[tuple[str, tuple[str, ...], str], ...] = (
        ("port-absurd", ("--port", "70000"), "--port"),
        ("port-words", ("--port", "eighty"), "--port"),
        ("churn-seconds-nan", ("--churn", "--churn-seconds", "nan"), "--churn-seconds"),
        ("churn-seconds-inf", ("--churn", "--churn-seconds", "inf"), "--churn-seconds"),
        ("churn-every-zero", ("--churn", "--churn-every", "0"), "--churn-every"),
        ("fault-unknown", ("--fault", "\x1b[31mred"), "unknown fault"),
    )
    for name, argv, names in emulator_options:
        cases[f"emulator-{name}"] = Case(("emulator", "--port", "0", *argv), 2, names=names)
    cases["rules-unknown-argument"] = Case(("rules", "\x1b[2J\r"), 2, names="unrecognized")
    cases["rules-not-utf-8"] = Case(("rules", "--markdown", "\udcff"), 2, names="argument 3")
    cases["sign-not-utf-8"] = Case(("sign", "--demo", "app=\udcff"), 2, names="argument 3")
    cases["sign-verb-unknown"] = Case(("sign", "--demo", "--verb", "PUT", "a=1"), 2, names="--verb")
    cases["no-command"] = Case((), 2, names="required")
    return cases


CASES = _cases()


@pytest.fixture
def bad(tmp_path: Path) -> Callable[[Case], tuple[list[str], dict[str, str]]]:
    """Writes a case's bad file; returns its argv and the names it was formatted with."""

    def make(case: Case) -> tuple[list[str], dict[str, str]]:
        name, content = case.file_name, case.content
        if case.file is not None:
            name, content = FILES[case.file]
        path = tmp_path / name
        path.write_bytes(content if content is not None else b"")
        names = {"file": str(path), "dir": str(tmp_path)}
        return [part.format(**names) for part in case.argv], names

    return make


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert err.endswith("\n")
    # Escaped: nothing a terminal obeys, whatever the case fed in.
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in lines[0]), repr(lines[0])
    return lines[0]


def _run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exited:  # argparse's own errors
        status = int(exited.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_with_the_documented_status(
    name: str,
    bad: Callable[[Case], tuple[list[str], dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    argv, names = bad(case)
    # A key pair for commands that would look for one; nothing is ever sent.
    monkeypatch.setenv("QINGCLOUD_ACCESS_KEY_ID", "QYACCESSKEYIDEXAMPLE")
    monkeypatch.setenv("QINGCLOUD_SECRET_ACCESS_KEY", "SECRETACCESSKEY")
    started = time.monotonic()

    status, _, err = _run_in_process(argv, capsys)

    # A bound, not a speed claim: what it catches takes far longer or never ends (reading
    # /dev/zero, an emulator serving, a suite run), while a refusal takes milliseconds.
    assert time.monotonic() - started < 5, "bad input must be refused at once"
    line = _one_line(err)
    assert status == case.status, line
    assert case.names.format(**names) in line
    assert case.also in line


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(
        f"interactions: []\nversion: 1\n{BOMB}".replace("[]", "[]", 1), encoding="utf-8"
    )
    assert path.stat().st_size < 900

    started = time.monotonic()
    with pytest.raises(cassette_format.CassetteError, match="aliases expand to more than"):
        cassette_format.load(path)

    # A bound, not a speed claim: expanding the aliases (9**9 strings) takes minutes and gigabytes,
    # refusing them milliseconds; 5 s tells the two apart on a busy host as well.
    assert time.monotonic() - started < 5


def test_a_cassette_with_a_recorded_alias_still_reads(tmp_path: Path) -> None:
    # PyYAML writes an alias whenever one object appears twice: real vcrpy cassettes have them.
    shared = interaction()
    path = tmp_path / "twice.yaml"
    cassette_format.write(path, cassette_format.document([shared, shared]))
    assert "*id001" in path.read_text(encoding="utf-8")

    assert len(cassette_format.load(path).interactions) == 2


def test_scan_reads_a_file_that_is_no_cassette_as_text_and_says_so_in_one_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # scan looks at every file, parsed or not: a bomb or a binary blob is scanned as text.
    for name in ("alias-bomb", "binary-yaml", "yaml-100000-deep", "json-1000-deep"):
        file_name, content = FILES[name]
        path = tmp_path / name / file_name
        path.parent.mkdir()
        path.write_bytes(content)

        status, out, err = _run_in_process(["cassettes", "scan", str(path)], capsys)

        assert (status, err) == (0, ""), name
        assert out.endswith("1 cassette(s) scanned: 0 credential-like value(s)\n")


def test_a_scrub_on_a_full_disk_is_one_line_and_leaves_the_cassette_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    leaky = interaction(**{"request.uri": URI + "&access_key_id=QYAAAAAAAAAAAAAAAAAA"})
    path = tmp_path / "leaky.json"
    path.write_bytes(cassette_json(leaky))
    before = path.read_bytes()

    def full_disk(*_: object, **__: object) -> tuple[int, str]:
        return os.open("/dev/full", os.O_WRONLY), str(tmp_path / ".leaky.json.tmp")

    monkeypatch.setattr(paths.tempfile, "mkstemp", full_disk)
    status, _, err = _run_in_process(["cassettes", "scrub", str(path)], capsys)

    assert status == 2
    assert f"{path}: No space left on device" in _one_line(err) or "No space" in err
    assert path.read_bytes() == before


# --- text from a server or a cassette reaches the terminal escaped -------------------------------

HOSTILE = "\x1b[2J\x1b]0;owned\x07\rDone.\u202eevil\u2028"


def test_a_server_message_is_printed_escaped_by_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "error.json"
    path.write_text(json.dumps({"ret_code": 1100, "message": HOSTILE}), encoding="utf-8")

    status, out, _ = _run_in_process(["validate", str(path)], capsys)

    assert status == 0  # an info finding: the message does not start with its token
    assert "\x1b" not in out
    assert "\r" not in out
    assert "\u202e" not in out
    assert "\u2028" not in out
    assert "[2J" in out  # still there to read, as an escape


def test_a_cassettes_body_is_printed_escaped_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(EXAMPLE_BODY)
    document["job_set"][0]["status"] = HOSTILE
    raw = interaction(**{"response.body": {"string": json.dumps(document)}})
    path = tmp_path / "hostile.json"
    path.write_bytes(cassette_json(raw))
    renamed = tmp_path / "\x1b[2Jname.json"
    path.rename(renamed)

    status, out, err = _run_in_process(["cassettes", "check", str(tmp_path)], capsys)

    assert status == 1
    assert err == ""
    assert "DCJ-ITEM-004 [violation]" in out
    for character in ("\x1b", "\r", "\x07", "\u202e", "\u2028"):
        assert character not in out
    assert "\\x1b[2J\\x1b]0;owned" in out


def test_a_header_value_that_is_a_number_is_read_as_its_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = interaction(**{"response.headers": {"Content-Type": "application/json", "X-Count": 5}})
    path = tmp_path / "numbers.json"
    path.write_bytes(cassette_json(raw))

    assert _run_in_process(["cassettes", "check", str(path)], capsys)[0] == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"ret_code":0,"job_set":' + deep(1000) + "}", id="nested-1000-deep"),
        pytest.param('{"ret_code":0,"job_set":' + deep(300) + "}", id="nested-300-deep"),
        pytest.param(EXAMPLE_BODY.replace('"total_count":1', '"total_count":NaN'), id="nan"),
        pytest.param(
            EXAMPLE_BODY.replace('"total_count":1', '"total_count":' + "9" * 5000), id="huge"
        ),
        pytest.param(EXAMPLE_BODY.replace('"total_count":1', '"total_count":1e999'), id="inf"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\xff", id="binary"),
        pytest.param("", id="empty"),
    ],
)
def test_a_hostile_recorded_body_is_judged_never_a_crash(
    body: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.yaml"  # YAML: a body that is not UTF-8 is stored as binary
    cassette_format.write(
        path, cassette_format.document([interaction(**{"response.body": {"string": body}})])
    )

    status, out, err = _run_in_process(["cassettes", "check", str(path)], capsys)

    assert (status, err) == (1, "")
    assert "Traceback" not in out


def test_a_member_named_twice_is_judged_offline_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = EXAMPLE_BODY.replace('"ret_code":0', '"ret_code":0,"ret_code":0')
    assert body != EXAMPLE_BODY
    path = tmp_path / "twice.json"
    path.write_bytes(cassette_json(interaction(**{"response.body": {"string": body}})))

    status, out, _ = _run_in_process(["cassettes", "check", str(path)], capsys)

    assert status == 1
    assert "DCJ-RESP-007 [violation]" in out


# --- where the exit path is the point: a real process ---------------------------------------------

COMMAND = [sys.executable, "-m", "conformance.cli"]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["rules"], id="rules"),
        pytest.param(["rules", "--markdown"], id="rules-markdown"),
        pytest.param(["cassettes", "check", "cassettes"], id="cassettes-check"),
        pytest.param(["--help"], id="help"),
    ],
)
def test_a_closed_stdout_ends_quietly(argv: list[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    with subprocess.Popen(
        [*COMMAND, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # the reader has gone before the first line
        err = process.stderr.read()
        status = process.wait(timeout=60)

    assert err == b""
    assert status in (0, 141)


def test_a_full_stdout_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        finished = subprocess.run(
            [*COMMAND, "rules", "--markdown"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )

    assert finished.returncode == 2
    assert "cannot write the output: No space left on device" in _one_line(finished.stderr)


def test_the_emulator_on_a_full_stdout_is_one_line_and_stops(tmp_path: Path) -> None:
    data = tmp_path / "jobs.json"
    data.write_text(json.dumps({"app-x": [json.loads(EXAMPLE_JOB_JSON)]}), encoding="utf-8")
    with open("/dev/full", "wb") as full:
        finished = subprocess.run(
            [*COMMAND, "emulator", "--port", "0", "--data", str(data)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )

    assert finished.returncode == 2
    assert "No space left on device" in _one_line(finished.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["rules"], id="rules"),
        pytest.param(["sign", "--demo", "action=DescribeClusterJobs"], id="sign"),
    ],
)
def test_a_stdout_the_shell_closed_is_no_traceback(argv: list[str]) -> None:
    # `conformance rules >&-`: no descriptor 1 at all, so Python's sys.stdout is None.
    root = Path(__file__).resolve().parents[1]
    finished = subprocess.run(
        ["/bin/sh", "-c", 'exec "$@" >&-', "sh", *COMMAND, *argv],
        stderr=subprocess.PIPE,
        cwd=root,
        timeout=60,
        check=False,
    )

    assert finished.stderr == b""
    assert finished.returncode == 0
