"""The secret scan, and no cassette the project ships or writes holds a secret."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes import format as cassette_format
from conformance.cassettes.scan import known_secrets, scan_file
from conformance.emulator import DEMO_CREDENTIALS
from tests.cassettes.helpers import APP, DATA, ROOT, cassettes_under, record, secrets_in
from tests.cassettes.make_data import WRITERS


def test_the_scan_finds_a_key_id_a_signature_and_a_known_secret_and_never_prints_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "leaky.yaml"
    path.write_text(
        "interactions:\n"
        "- request:\n"
        "    uri: http://h/iaas/?access_key_id=QYABCDEFGHIJKLMNOPQR&signature=a%2Bb%3D\n"
        "    body: 'x=1&secret=my%2Fstaging%2Bkey'\n"
        'version: 1\n# {"signature": "c2ln"}\n',
        encoding="utf-8",
    )

    leaks = scan_file(path, {"my/staging+key": "the value of STAGING_SECRET"})

    assert [(leak.line, leak.column, leak.kind) for leak in leaks] == [
        (3, 25, "an unscrubbed query access_key_id"),
        (3, 39, "an access key id (QY…)"),
        (3, 60, "a signature value"),
        (4, 16, "an unscrubbed form secret"),
        (4, 23, "the value of STAGING_SECRET"),
        (6, 4, "a signature value"),
    ]
    shown = "\n".join(str(leak) for leak in leaks)
    assert "QYABCDEFGHIJKLMNOPQR" not in shown
    assert "staging" not in shown


def test_the_scan_reads_the_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGCLOUD_SECRET_ACCESS_KEY", "a-real-looking-secret")
    monkeypatch.setenv("QINGCLOUD_ACCESS_KEY_ID", "")

    secrets = known_secrets()

    assert secrets["a-real-looking-secret"] == "the value of QINGCLOUD_SECRET_ACCESS_KEY"
    assert DEMO_CREDENTIALS.secret_access_key.reveal() in secrets
    assert "" not in secrets


def test_a_file_that_does_not_parse_is_still_scanned_as_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"interactions": [{"uri": "?signature=abc', encoding="utf-8")

    assert [leak.kind for leak in scan_file(path)] == ["a signature value"]


def test_every_cassette_the_project_ships_or_writes_holds_no_secret(tmp_path: Path) -> None:
    # Shipped: cassettes/ and everything under tests/. Written: what the recorder, the example
    # writer and the test-data writer produce now, in both serializers (the end-to-end tests check
    # the recordings of whole runs as they write them).
    written = tmp_path / "written"
    written.mkdir()
    for name, write in WRITERS.items():
        write(written / name)
    for suffix in (".yaml", ".json"):
        record(
            written / f"recorded{suffix}",
            [{"app": APP, "limit": 3}, {}, {"app": APP, "jobs": ["j-x"]}],
        )
    from conformance.cassettes.examples import main as write_example

    write_example([str(written)])

    files = cassettes_under(ROOT / "cassettes", ROOT / "tests", written)

    assert len(files) >= len(WRITERS) * 2 + 4
    assert {DATA / name for name in WRITERS} <= set(files)
    assert [found for path in files for found in secrets_in(path)] == []
    parseable = [path for path in files if path.name not in {"corrupt.yaml", "truncated.json"}]
    assert [str(leak) for path in parseable for leak in scan_file(path)] == []
    assert all(cassette_format.load(path) for path in cassettes_under(ROOT / "cassettes"))


def _interaction(**response: Any) -> dict[str, Any]:
    return {
        "request": {"method": "GET", "uri": "http://h/iaas/?a=1", "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": response.get("headers", {}),
            "body": {"string": response.get("body", "")},
        },
    }


def test_the_scan_finds_credential_names_in_any_case_and_encoded_equals(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "uri: 'http://h/?Access_Key_ID=AKID0042&SIGNATURE=abc'\n"
        "next: '%2Fiaas%3Fsignature%3Dabc%26Secret_Access_Key%253Ds3cr3t'\n"
        '{"Signature": "abc", "signature": "REDACTED", "ACCESS_KEY_ID": "x"\n',
        encoding="utf-8",
    )

    leaks = scan_file(path, {})

    assert [(leak.line, leak.column, leak.kind) for leak in leaks] == [
        (1, 17, "an access key id"),
        (1, 40, "a signature value"),
        (2, 18, "a signature value"),
        (2, 36, "a secret access key"),
        (3, 2, "a signature value"),
        (3, 47, "an access key id"),
    ]


def test_the_scan_finds_headers_and_json_fields_named_for_credentials(tmp_path: Path) -> None:
    path = tmp_path / "headers.json"
    interaction = _interaction(
        headers={"X-Api-Signature": ["abc"], "X-Auth-Token": ["t0k"], "Keep-Alive": ["5"]},
        body='{"ret_code":0,"token":"t0k3n-value"}',
    )
    cassette_format.write(path, cassette_format.document([interaction]))

    kinds = [leak.kind for leak in scan_file(path, {})]

    assert kinds == [
        "an unscrubbed response header X-Api-Signature",
        "an unscrubbed response header X-Auth-Token",
        "an unscrubbed response body field token",
    ]
    assert "t0k3n" not in "\n".join(str(leak) for leak in scan_file(path, {}))


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_the_scan_decodes_base64_bodies(tmp_path: Path, suffix: str) -> None:
    secret = b"staging-secret-42"
    body = b"\xff\x00 not text; key=" + secret  # binary: YAML stores it as !!binary base64
    path = tmp_path / f"binary{suffix}"
    cassette_format.write(path, cassette_format.document([_interaction(body=body)]))
    assert secret not in path.read_bytes() or suffix == ".json"
    encoded = tmp_path / f"encoded{suffix}"
    text = base64.b64encode(b"access_key_id=QYABCDEFGHIJKLMNOPQR&x=1").decode()
    cassette_format.write(encoded, cassette_format.document([_interaction(body=text)]))

    binary_kinds = {leak.kind for leak in scan_file(path, {"staging-secret-42": "STAGING"})}
    encoded_kinds = {leak.kind for leak in scan_file(encoded, {})}

    assert binary_kinds & {"STAGING, base64-encoded", "STAGING"}
    # Found by both passes; where they name the same spot, the parse pass's name is kept.
    assert "an unscrubbed response body (base64) parameter access_key_id" in encoded_kinds
    assert encoded_kinds <= {
        "an unscrubbed response body (base64) parameter access_key_id",
        "an access key id (QY…), base64-encoded",
    }


def test_a_binary_block_is_scanned_even_when_the_file_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    block = base64.encodebytes(b"\x00\xff signature=abcdef " * 3).decode()
    indented = "".join(f"      {line}\n" for line in block.splitlines())
    path.write_text(f"body:\n  string: !!binary |\n{indented}  broken: [\n", encoding="utf-8")

    assert [leak.kind for leak in scan_file(path, {})] == ["a signature value, base64-encoded"]
