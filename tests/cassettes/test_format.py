"""Cassette files: YAML and JSON both, vcrpy reads ours, and a broken file is one clear line."""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from conformance.cassettes import format as cassette_format
from conformance.cassettes import match
from conformance.cassettes.interaction import to_response
from conformance.client import Client
from conformance.emulator import Emulator, serve
from conformance.errors import CassetteError
from conformance.targets.emulator import EmulatorTarget
from tests.cassettes.helpers import APP, record, record_http

CALLS: list[dict[str, Any]] = [
    {"app": APP, "limit": 5},
    {"app": APP, "status": ["successful", "failed"], "limit": 3, "offset": 2},
    {"app": ""},
]


@pytest.fixture(params=[".yaml", ".json"])
def suffix(request: pytest.FixtureRequest) -> str:
    """Each serializer, by the suffix that picks it."""
    value: str = request.param
    return value


def test_what_is_recorded_comes_back_byte_identical_in_either_serializer(
    tmp_path: Path, suffix: str
) -> None:
    emulator = Emulator()
    expected = [Client(EmulatorTarget(emulator)).call(params).response for params in CALLS]

    cassette = cassette_format.load(record(tmp_path / f"c{suffix}", CALLS, emulator=emulator))

    replayed = [to_response(raw["response"]) for raw in cassette.interactions]
    assert [r.body for r in replayed] == [r.body for r in expected]
    assert [r.status for r in replayed] == [r.status for r in expected]
    assert cassette.serializer == suffix[1:]
    assert cassette.provenance is not None
    assert cassette.provenance.contract == cassette_format.contract_hash()
    assert cassette.provenance.interactions == len(CALLS)


def test_a_body_that_is_not_utf8_survives_either_serializer(tmp_path: Path, suffix: str) -> None:
    interaction = {
        "request": {"method": "GET", "uri": "http://h/iaas/?a=1", "body": None, "headers": {}},
        "response": {
            "status": {"code": 500, "message": "Internal Server Error"},
            "headers": {"Content-Type": ["text/html"]},
            "body": {"string": b"\xff\xfe<html>"},
        },
    }
    path = tmp_path / f"binary{suffix}"

    cassette_format.write(path, cassette_format.document([interaction]))

    loaded = cassette_format.load(path).interactions[0]["response"]
    assert to_response(loaded).body == b"\xff\xfe<html>"


def test_vcrpy_loads_our_cassettes_with_its_own_serializers(tmp_path: Path) -> None:
    for suffix, serializer in ((".yaml", yamlserializer), (".json", jsonserializer)):
        path = record(tmp_path / f"c{suffix}", CALLS)

        requests, responses = deserialize(path.read_text(encoding="utf-8"), serializer)[:2]

        assert [r.method for r in requests] == ["GET"] * len(CALLS)
        assert all(r["status"]["code"] == 200 for r in responses)
        assert b'"ret_code":1100' in responses[2]["body"]["string"]


def test_vcrpy_replays_our_cassette_with_the_conformance_matcher(tmp_path: Path) -> None:
    # Recorded over HTTP, replayed by vcrpy itself after the server is gone: the request it sees is
    # signed at another time, so only the conformance matcher (signing parameters ignored) finds it.
    with serve(Emulator()) as url:
        path = record_http(tmp_path / "http.yaml", url, [{"app": APP, "limit": 2}])
        host = url.split("/")[2]
    query = f"action=DescribeClusterJobs&zone=pek3a&app={APP}&limit=2&time_stamp=2030-01-01T00%3A00%3A00Z"

    replayer = match.configure(vcr.VCR(**match.vcr_config()))
    with replayer.use_cassette(str(path)):
        connection = http.client.HTTPConnection(host)
        try:
            connection.request("GET", f"/iaas/?{query}")
            body = connection.getresponse().read()
        finally:
            connection.close()

    assert body.startswith(b'{"action":"DescribeClusterJobsResponse","total_count":40,')


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("interactions:\n- request: {method: GET\n  uri: x\nversion: 1\n", "line 3, column 6"),
        ("interactions: [\n  {request: 1},\n", "line 3, column 1"),
        ('interactions:\n- request:\n    uri: "http://h/iaas/?access_key_id=QY', "line 3"),
    ],
)
def test_a_corrupt_or_truncated_yaml_cassette_is_one_line_with_the_position(
    tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CassetteError) as caught:
        cassette_format.load(path)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path} is not valid YAML: ")
    assert where in message
    assert "QY" not in message  # the offending text is never quoted: it may be a credential


def test_a_truncated_json_cassette_names_the_line_and_column(tmp_path: Path) -> None:
    whole = record(tmp_path / "whole.json", CALLS).read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(
        CassetteError, match=r"cut\.json is not valid JSON: .* at line \d+, column \d+$"
    ):
        cassette_format.load(path)


def test_a_yaml_cassette_cut_between_interactions_is_caught_by_its_provenance(
    tmp_path: Path,
) -> None:
    text = record(tmp_path / "whole.yaml", CALLS).read_text(encoding="utf-8")
    # Cut just before the last interaction, and keep the closing key so the YAML stays valid.
    cut = text[: text.rindex("\n- request:")] + "\nversion: 1\n"
    path = tmp_path / "cut.yaml"
    path.write_text(cut, encoding="utf-8")

    with pytest.raises(CassetteError, match=r"holds 2 interactions but was recorded with 3"):
        cassette_format.load(path)


def test_a_vcrpy_cassette_cut_before_its_version_is_called_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("interactions: []\n", encoding="utf-8")

    with pytest.raises(CassetteError, match=r"'version' is None.*\(was the file cut short\?\)"):
        cassette_format.load(path)


def test_an_interaction_without_a_response_names_its_number_and_line(tmp_path: Path) -> None:
    path = tmp_path / "half.yaml"
    path.write_text(
        "interactions:\n"
        "- request: {method: GET, uri: 'http://h/', body: null, headers: {}}\n"
        "  response: {status: {code: 200}, headers: {}, body: {string: ''}}\n"
        "- request: {method: GET, uri: 'http://h/', body: null, headers: {}}\n"
        "version: 1\n",
        encoding="utf-8",
    )

    with pytest.raises(CassetteError, match=r"interaction 2 has no response \(line 4, column 3\)$"):
        cassette_format.load(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", "a list: a cassette of vcrpy before 1.0"),
        ("just text", "not a vcrpy cassette"),
        ("{version: 1}", "it has no 'interactions' list"),
        ("!!python/object/apply:os.system ['true']", "a safe loader builds no Python objects"),
    ],
)
def test_what_is_not_a_cassette_is_refused_with_what_it_is(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CassetteError, match=expected):
        cassette_format.load(path)


def test_a_folder_is_searched_for_cassettes_and_other_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    record(tmp_path / "nested" / "b.json", CALLS)
    record(tmp_path / "a.yml", CALLS)
    (tmp_path / "notes.txt").write_text("not a cassette", encoding="utf-8")

    assert cassette_format.discover([tmp_path]) == [
        tmp_path / "a.yml",
        tmp_path / "nested" / "b.json",
    ]
    with pytest.raises(CassetteError, match=r"notes\.txt: a cassette is named \*\.yaml"):
        cassette_format.discover([tmp_path / "notes.txt"])
    with pytest.raises(CassetteError, match="no such cassette file or folder"):
        cassette_format.discover([tmp_path / "missing.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CassetteError, match="a folder with no cassette"):
        cassette_format.discover([tmp_path / "empty"])
