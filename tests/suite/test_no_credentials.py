"""No credential is ever printed or written, whatever pytest options a user adds.

Two inner runs in subprocesses, against an emulator over HTTP that checks a key pair of this test's
own (not the published demo pair, which the scan knows by value anyway): the suite against a broken
emulator, and a user's own test file that uses the plugin's fixtures and crashes, with the key pair
in its locals and a hypothesis test that fails. Both with every option that shows more: ``-l``,
``--tb=long``, ``-vvv``, ``-rA``, ``--junitxml``, hypothesis's debug verbosity, the JSON report and
a recording. Neither the secret, the access key id nor any signature the run sent may appear in
stdout, stderr, the JUnit XML, the report or the cassette: raw, percent-encoded or JSON-escaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from conformance import signing
from conformance.emulator import Emulator, serve
from conformance.exchange import Request, Response
from conformance.targets.credentials import KEY_ID_VARIABLE, SECRET_VARIABLE
from tests.suite.helpers import SUITE

# QY and 18 characters, as a real key id; a secret with characters that percent-encoding changes.
KEY_ID = "QYOWNKEYNOTTHEDEMO42"
SECRET = "own/s3cret+key=n0t-the-demo"
SHOWN = ("-l", "--tb=long", "-vvv", "-rA", "-p", "hypothesis", "--hypothesis-verbosity=debug")
FEW = ("--conformance-rate=0", "--conformance-max-examples=1", "--conformance-seed=1")
TIMEOUT = 120


class _Witness(Emulator):
    """The emulator, keeping every request it was sent: the signatures to look for."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.seen: list[Request] = []

    def handle(self, request: Request) -> Response:
        self.seen.append(request)
        return super().handle(request)

    def signatures(self) -> set[str]:
        return {
            value
            for request in self.seen
            for name, value in request.pairs()
            if name == "signature" and value
        }


@pytest.fixture
def witness(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Witness, str]]:
    """An emulator over HTTP that takes only this test's key pair, with the pair in the environment."""
    emulator = _Witness(
        credentials=signing.Credentials(KEY_ID, SECRET), faults=["limit-off-by-one"]
    )
    monkeypatch.setenv(KEY_ID_VARIABLE, KEY_ID)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    with serve(emulator) as url:
        yield emulator, url


def _forms(value: str) -> set[str]:
    encoded = quote(value, safe="")
    return {value, encoded, encoded.lower(), quote_plus(value), value.replace("/", "\\/")}


def assert_no_credential_in(outputs: dict[str, str], signatures: set[str]) -> None:
    """None of the key pair and none of ``signatures`` appears in any of ``outputs``."""
    assert signatures, "the run sent no signed request: nothing was tested"
    secrets = {"the secret": SECRET, "the access key id": KEY_ID}
    secrets.update({f"signature {index}": value for index, value in enumerate(sorted(signatures))})
    leaks = [
        f"{kind} in {where}"
        for where, text in outputs.items()
        for kind, value in secrets.items()
        for form in _forms(value)
        if form in text
    ]
    assert not leaks, leaks


def _outputs(result: pytest.RunResult, *files: Path) -> dict[str, str]:
    found = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for path in files:
        assert path.is_file(), f"{path.name} was not written:\n{result.stdout.str()}"
        found[path.name] = path.read_text(encoding="utf-8")
    return found


def test_a_failing_suite_run_prints_and_writes_no_credential(
    pytester: pytest.Pytester, witness: tuple[_Witness, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CI step summary too: the subprocess inherits the variable.
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "step.md"))
    emulator, url = witness
    names = ("junit.xml", "report.json", "recorded.yaml", "summary.md", "report.html", "step.md")
    files = [pytester.path / name for name in names]

    result = pytester.runpytest_subprocess(
        *SUITE,
        *SHOWN,
        *FEW,
        f"--conformance-target={url}",
        f"--junitxml={files[0]}",
        f"--conformance-report={files[1]}",
        f"--conformance-record={files[2]}",
        f"--conformance-markdown={files[3]}",
        f"--conformance-html={files[4]}",
        "-k",
        "DCJ-PAGE-002 or DCJ-AUTH-001 or DCJ-AUTH-002",
        timeout=TIMEOUT,
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["*FAILED*DCJ-PAGE-002*"])
    assert_no_credential_in(_outputs(result, *files), emulator.signatures())


USERS_TESTS = """
import logging

from hypothesis import given, settings, strategies as st


def test_a_crash_with_the_key_pair_in_its_locals(conformance_client, conformance_run):
    credentials = conformance_client.target.credentials
    secret = credentials.secret_access_key
    exchange = conformance_client.call({"app": conformance_run.app, "limit": 2})
    request, response = exchange.request, exchange.response
    pairs_seen = repr(request)
    print("credentials:", credentials, secret, f"{secret}", exchange)
    logging.getLogger("user").warning("sent %s, got %r with %s", request, response, credentials)
    raise RuntimeError(f"boom after {exchange!r} with {credentials} and {secret}")


def test_an_assert_on_the_secret(conformance_client):
    credentials = conformance_client.target.credentials
    assert credentials.secret_access_key == "something else", credentials


def test_a_crash_inside_the_toolkit_with_locals_shown(conformance_client):
    conformance_client.call({"app": "app-tg3lbp0a", "signature_method": "HmacMD5"})


def test_a_plain_assert_on_what_was_sent(conformance_client):
    # Assertion rewriting shows both sides: the query and the form body, which hold the signature.
    get = conformance_client.call({"app": "app-tg3lbp0a", "limit": 1})
    post = conformance_client.call({"app": "app-tg3lbp0a", "limit": 1}, verb="POST")
    query, body = get.request.query, post.request.body
    assert "limit=2" in query or b"limit=2" in body


@settings(max_examples=3, database=None, deadline=None, derandomize=True)
@given(limit=st.integers(min_value=1, max_value=3))
def test_a_hypothesis_test_that_fails(conformance_client, limit):
    exchange = conformance_client.call({"app": "app-tg3lbp0a", "limit": limit})
    credentials = conformance_client.target.credentials
    assert exchange.response.status == 599, (exchange, credentials)


# Last: once the target has failed, the run is stopped and every later call raises.
def test_the_target_fails_mid_test(conformance_client, monkeypatch):
    from conformance.errors import TargetError

    def gone(request):
        raise TargetError("the endpoint went away")

    monkeypatch.setattr(conformance_client.target, "send", gone)
    conformance_client.call({"app": "app-tg3lbp0a", "limit": 1})
"""


def test_a_users_crashing_tests_print_and_write_no_credential(
    pytester: pytest.Pytester, witness: tuple[_Witness, str]
) -> None:
    emulator, url = witness
    pytester.makepyfile(test_users=USERS_TESTS)
    files = [pytester.path / name for name in ("junit.xml", "report.json", "recorded.json")]

    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *SHOWN,
        *FEW,
        f"--conformance-target={url}",
        f"--junitxml={files[0]}",
        f"--conformance-report={files[1]}",
        f"--conformance-record={files[2]}",
        timeout=TIMEOUT,
    )

    result.assert_outcomes(failed=5, skipped=1)  # the last asked after the run stopped: not judged
    result.stdout.fnmatch_lines(
        [
            "*RuntimeError: boom after Exchange(request=Request(*",
            "*Failing test case: test_a_hypothesis_test_that_fails(*",
        ]
    )
    assert "Secret('**********')" in result.stdout.str()  # the locals were shown, redacted
    assert_no_credential_in(_outputs(result, *files), emulator.signatures())


class _Echoing(_Witness):
    """A hostile server: every error message starts with the request's access key id, as
    QingCloud's say "access key [QY…] is not known", and ends with its signature (the diff's
    token, summary and shapes once showed the first word as it came)."""

    def handle(self, request: Request) -> Response:
        import dataclasses
        import json

        response = super().handle(request)
        document = json.loads(response.body)
        if not document.get("ret_code"):
            return response
        pairs = dict(request.pairs())
        document["message"] = (
            f"{pairs.get('access_key_id', '')} is not known; signed {pairs.get('signature', '')}"
        )
        return dataclasses.replace(response, body=json.dumps(document).encode())


def test_a_diff_against_a_server_that_echoes_the_key_prints_and_writes_no_credential(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ID_VARIABLE, KEY_ID)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    hostile = _Echoing(credentials=signing.Credentials(KEY_ID, SECRET))
    files = [pytester.path / name for name in ("report.json", "summary.md", "report.html")]
    with serve(hostile) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            *SHOWN,
            *FEW,
            f"--conformance-diff-against={url}",
            f"--conformance-report={files[0]}",
            f"--conformance-markdown={files[1]}",
            f"--conformance-html={files[2]}",
            "-k",
            "DCJ-AUTH-001",
            timeout=TIMEOUT,
        )
    outputs = _outputs(result, *files)
    assert '"differences": [\n' in outputs["report.json"], "no difference: nothing was shown"
    assert_no_credential_in(outputs, hostile.signatures())


def test_a_server_that_echoes_a_key_id_of_any_shape_has_it_scrubbed_from_the_report(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not QY-shaped, so no pattern finds it: only knowing the run's own key pair does. The fault
    # makes the errors' codes wrong, so the report shows error answers, each echoing the key id
    # and the signature it was sent with.
    key_id = "AKIDNOTSHAPEDLIKEQINGCLOUD"
    monkeypatch.setenv(KEY_ID_VARIABLE, key_id)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    hostile = _Echoing(credentials=signing.Credentials(key_id, SECRET), faults=["wrong-error-code"])
    files = [pytester.path / name for name in ("report.json", "summary.md", "report.html")]
    with serve(hostile) as url:
        result = pytester.runpytest_subprocess(
            *SUITE,
            *FEW,
            f"--conformance-target={url}",
            "--conformance-profile=strict",
            f"--conformance-report={files[0]}",
            f"--conformance-markdown={files[1]}",
            f"--conformance-html={files[2]}",
            "-k",
            "DCJ-ERROR-002",
            timeout=TIMEOUT,
        )
    outputs = _outputs(result, *files)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    assert "is not known; signed" in outputs["report.json"], "no echoing answer was reported"
    for name, text in outputs.items():
        assert key_id not in text, f"the key id in {name}"
        leaked = [signature for signature in hostile.signatures() if signature in text]
        assert not leaked, f"a signature in {name}"
