"""Scrubbing: what never reaches disk, and cleaning a cassette another tool wrote, in place."""

from __future__ import annotations

import base64
import http.client
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from conformance import signing, wire
from conformance.cassettes import format as cassette_format
from conformance.cassettes.judge import judge
from conformance.cassettes.scan import scan_file
from conformance.cassettes.scrub import REDACTED, scrub_file, scrub_interaction, scrub_query
from conformance.client import utc_now
from conformance.emulator import DEMO_CREDENTIALS, Emulator, serve
from tests.cassettes.helpers import APP, secrets_in

TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"
COOKIE = "session=5f2b9c7e1d3a4b6c"


def _signed(params: dict[str, Any], verb: str) -> str:
    full = {"action": "DescribeClusterJobs", "zone": "pek3a", **params}
    pairs = signing.sign(
        wire.encode(full), DEMO_CREDENTIALS, verb=verb, path="/iaas/", now=utc_now()
    )
    return wire.query_string(pairs)


@pytest.fixture
def plain_vcrpy_cassette(tmp_path: Path) -> Path:
    """A cassette written by vcrpy alone (no filters) of signed calls to an emulator on port 0."""
    path = tmp_path / "plain.yaml"
    recorder = vcr.VCR(record_mode="all")
    with serve(Emulator()) as url, recorder.use_cassette(str(path)):
        host = url.split("/")[2]
        for verb, params in (("GET", {"app": APP, "limit": 2}), ("POST", {"app": APP, "limit": 1})):
            connection = http.client.HTTPConnection(host)
            query = _signed(params, verb)
            headers = {"Authorization": TOKEN, "Cookie": COOKIE}
            if verb == "GET":
                connection.request("GET", f"/iaas/?{query}", headers=headers)
            else:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                connection.request("POST", "/iaas/", body=query, headers=headers)
            try:
                assert connection.getresponse().read().startswith(b'{"action"')
            finally:
                connection.close()
    return path


def test_our_scrubber_cleans_a_cassette_written_by_plain_vcrpy(plain_vcrpy_cassette: Path) -> None:
    path = plain_vcrpy_cassette
    before = path.read_text(encoding="utf-8")
    assert secrets_in(path)  # vcrpy wrote the key id and the signatures as they were sent

    result = scrub_file(path)

    after = path.read_text(encoding="utf-8")
    assert secrets_in(path) == []
    assert scan_file(path) == []
    assert TOKEN not in after
    assert COOKIE not in after
    assert not result.rewritten
    assert sorted(str(item) for item in set(result.scrubbed)) == [
        "form access_key_id",
        "form signature",
        "query access_key_id",
        "query signature",
        "request header Authorization",
        "request header Cookie",
    ]
    # Byte for byte, except where a secret was: the same lines, and each changed one held a secret.
    old_lines, new_lines = before.splitlines(), after.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [old for old, new in zip(old_lines, new_lines, strict=True) if old != new]
    assert changed
    assert all(
        "signature=" in line
        or DEMO_CREDENTIALS.access_key_id in line
        or TOKEN in line
        or COOKIE in line
        for line in changed
    )


def test_a_scrubbed_vcrpy_cassette_still_loads_in_vcrpy_and_judges_clean(
    plain_vcrpy_cassette: Path,
) -> None:
    scrub_file(plain_vcrpy_cassette)

    requests, _ = deserialize(plain_vcrpy_cassette.read_text(encoding="utf-8"), yamlserializer)[:2]
    verdict = judge([cassette_format.load(plain_vcrpy_cassette)])

    assert [r.method for r in requests] == ["GET", "POST"]
    assert verdict.judged == 2
    assert verdict.violations() == 0


def test_scrubbing_twice_changes_nothing_the_second_time(plain_vcrpy_cassette: Path) -> None:
    scrub_file(plain_vcrpy_cassette)
    once = plain_vcrpy_cassette.read_bytes()

    again = scrub_file(plain_vcrpy_cassette)

    assert again.scrubbed == ()
    assert again.summary() == f"{plain_vcrpy_cassette}: clean"
    assert plain_vcrpy_cassette.read_bytes() == once


def test_a_dry_run_reports_without_writing(plain_vcrpy_cassette: Path) -> None:
    before = plain_vcrpy_cassette.read_bytes()

    result = scrub_file(plain_vcrpy_cassette, dry_run=True)

    assert result.scrubbed
    assert plain_vcrpy_cassette.read_bytes() == before
    assert DEMO_CREDENTIALS.access_key_id not in result.summary()


def test_a_query_keeps_every_byte_but_the_secret_values() -> None:
    query = "b=1&access_key_id=QYX&zone=pek3a&login_passwd=p%40ss&signature_method=HmacSHA256&x=&signature=a%2Bb%3D"

    clean, found = scrub_query(query)

    assert clean == (
        "b=1&access_key_id=REDACTED&zone=pek3a&login_passwd=REDACTED"
        "&signature_method=HmacSHA256&x=&signature=REDACTED"
    )
    assert [item.name for item in found] == ["access_key_id", "login_passwd", "signature"]


def test_response_cookies_token_headers_and_echoed_key_ids_are_scrubbed() -> None:
    interaction: dict[str, Any] = {
        "request": {
            "method": "GET",
            "uri": "https://api.qingcloud.com/iaas/?action=DescribeClusterJobs&api_token=t0k3n",
            "body": None,
            "headers": {"X-Auth-Token": ["abc"], "Accept": ["*/*"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["application/json"]},
            "body": {
                "string": '{"ret_code":1200,"message":"AuthFailure, access key [QYSOMEONESKEYID12345] is unknown"}'
            },
        },
    }

    scrub_interaction(interaction)

    assert interaction["request"]["uri"].endswith("&api_token=REDACTED")
    assert interaction["request"]["headers"] == {"X-Auth-Token": [REDACTED], "Accept": ["*/*"]}
    assert interaction["response"]["headers"]["Set-Cookie"] == [REDACTED, REDACTED]
    assert "[REDACTED] is unknown" in interaction["response"]["body"]["string"]


def test_a_known_secret_is_scrubbed_wherever_it_appears() -> None:
    interaction: dict[str, Any] = {
        "request": {"method": "GET", "uri": "http://h/iaas/?a=1", "body": None, "headers": {}},
        "response": {
            "status": {"code": 200},
            "headers": {},
            "body": {"string": "echo: my-staging-secret-42"},
        },
    }

    scrub_interaction(interaction, secrets=["my-staging-secret-42"])

    assert interaction["response"]["body"]["string"] == "echo: REDACTED"


def test_a_secret_the_text_cannot_be_patched_for_is_written_by_rewriting_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "short.yaml"
    interaction = {
        "request": {
            "method": "GET",
            "uri": "http://h/iaas/?a=1",
            "body": None,
            "headers": {"Cookie": ["x=1"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {},
            "body": {"string": ""},
        },
    }
    cassette_format.write(path, cassette_format.document([interaction]))

    result = scrub_file(path)

    assert result.rewritten
    headers = cassette_format.load(path).interactions[0]["request"]["headers"]
    assert headers == {"Cookie": [REDACTED]}


def _interaction(
    uri: str = "http://h/iaas/?a=1",
    *,
    request_headers: dict[str, Any] | None = None,
    request_body: str | bytes | None = None,
    response_headers: dict[str, Any] | None = None,
    body: str | bytes = "",
) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST" if request_body else "GET",
            "uri": uri,
            "body": request_body,
            "headers": request_headers or {},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": response_headers or {},
            "body": {"string": body},
        },
    }


SIGNATURE = "32bseYy39DOlatuewpeuW5vpmW51sD1A/JdGynqSpP8="
ENCODED_SIGNATURE = "32bseYy39DOlatuewpeuW5vpmW51sD1A%2FJdGynqSpP8%3D"


def test_credential_names_in_any_letter_case_are_scrubbed() -> None:
    interaction = _interaction(
        f"http://h/iaas/?Access_Key_ID=AKID0042&SIGNATURE={ENCODED_SIGNATURE}&Signature_Method=H",
        request_body="zone=pek3a&ACCESS_KEY_ID=AKID0042&Signature=abc",
    )

    found = scrub_interaction(interaction)

    request = interaction["request"]
    assert request["uri"].endswith(
        f"?Access_Key_ID={REDACTED}&SIGNATURE={REDACTED}&Signature_Method=H"
    )
    assert request["body"] == f"zone=pek3a&ACCESS_KEY_ID={REDACTED}&Signature={REDACTED}"
    assert sorted({str(item) for item in found}) == [
        "form ACCESS_KEY_ID",
        "form Signature",
        "query Access_Key_ID",
        "query SIGNATURE",
    ]


def test_any_header_named_for_a_credential_is_scrubbed_and_the_others_kept() -> None:
    plain = {"Content-Type": ["application/json"], "Content-Length": ["2"], "Keep-Alive": ["5"]}
    interaction = _interaction(
        request_headers={"X-Api-Signature": ["sig"], "x-secret-key": "k", **plain},
        response_headers={"X-Auth-Token": ["t0k3n"], "Proxy-Authorization": ["Basic x"], **plain},
    )

    scrub_interaction(interaction)

    assert interaction["request"]["headers"] == {
        "X-Api-Signature": [REDACTED],
        "x-secret-key": REDACTED,
        **plain,
    }
    assert interaction["response"]["headers"] == {
        "X-Auth-Token": [REDACTED],
        "Proxy-Authorization": [REDACTED],
        **plain,
    }


def test_a_query_echoed_in_a_location_header_or_a_body_is_scrubbed() -> None:
    echoed = f"action=DescribeClusterJobs&access_key_id=AKID0042&signature={ENCODED_SIGNATURE}"
    interaction = _interaction(
        response_headers={"Location": [f"https://elsewhere.example/iaas/?{echoed}"]},
        body=f"<html>bad request: {echoed}</html>",
    )

    scrub_interaction(interaction)

    location = interaction["response"]["headers"]["Location"][0]
    assert location == (
        "https://elsewhere.example/iaas/?action=DescribeClusterJobs"
        f"&access_key_id={REDACTED}&signature={REDACTED}"
    )
    assert "AKID0042" not in interaction["response"]["body"]["string"]
    assert ENCODED_SIGNATURE not in interaction["response"]["body"]["string"]


def test_json_fields_of_request_and_response_bodies_are_scrubbed() -> None:
    interaction = _interaction(
        request_body='{"access_key_id": "AKID0042", "zone": "pek3a"}',
        body=(
            '{"ret_code":0,"session":{"token":"t0k3n-t0k3n","secret_access_key":"s3cr3t"},'
            f'"signature":"{SIGNATURE}","signature_method":"HmacSHA256"}}'
        ),
    )

    found = scrub_interaction(interaction)

    assert json.loads(interaction["request"]["body"]) == {
        "access_key_id": REDACTED,
        "zone": "pek3a",
    }
    assert json.loads(interaction["response"]["body"]["string"]) == {
        "ret_code": 0,
        "session": {"token": REDACTED, "secret_access_key": REDACTED},
        "signature": REDACTED,
        "signature_method": "HmacSHA256",
    }
    assert "response body field signature" in {str(item) for item in found}


def test_a_base64_body_is_decoded_checked_and_scrubbed() -> None:
    secret_body = f"access_key_id=QYABCDEFGHIJKLMNOPQR&signature={ENCODED_SIGNATURE}".encode()
    interaction = _interaction(
        request_body=base64.b64encode(secret_body).decode(),
        body=b"\xff\xfe binary, then " + secret_body,
    )

    found = scrub_interaction(interaction)

    decoded = base64.b64decode(interaction["request"]["body"])
    assert decoded == f"access_key_id={REDACTED}&signature={REDACTED}".encode()
    assert interaction["response"]["body"]["string"] == (
        b"\xff\xfe binary, then " + f"access_key_id={REDACTED}&signature={REDACTED}".encode()
    )
    assert "request body (base64) parameter signature" in {str(item) for item in found}


def test_known_secrets_are_scrubbed_percent_encoded_as_well() -> None:
    interaction = _interaction(
        response_headers={"X-Debug": ["key=my%2Fstaging%2Bsecret"]},
        body="echo my%2fstaging%2bsecret and my+staging+secret",
    )

    scrub_interaction(interaction, secrets=["my/staging+secret", "my staging secret"])

    assert "staging" not in json.dumps(interaction)


def _leaky_cassette(path: Path) -> None:
    interaction = _interaction(
        "http://h/iaas/?a=1&signature=abcdefgh%2B",
        response_headers={"X-Auth-Token": ["t0k3n-t0k3n"]},
    )
    cassette_format.write(path, cassette_format.document([interaction]))


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664])
def test_scrub_keeps_the_files_permission_bits(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "leaky.yaml"
    _leaky_cassette(path)
    path.chmod(mode)

    scrub_file(path)

    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert scan_file(path) == []


def test_scrub_through_a_symlink_scrubs_the_file_it_names_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared" / "leaky.yaml"
    shared.parent.mkdir()
    _leaky_cassette(shared)
    shared.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(shared)

    result = scrub_file(link)

    assert result.scrubbed
    assert link.is_symlink()
    assert link.resolve() == shared.resolve()
    assert scan_file(shared) == []
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640
    assert sorted(path.name for path in shared.parent.iterdir()) == ["leaky.yaml"]  # no temp left
