"""Scrubbing: what never reaches disk, and cleaning a cassette another tool wrote, in place."""

from __future__ import annotations

import http.client
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
