"""Writes the cassettes with known deviations in tests/cassettes/data (``python -m tests.cassettes.make_data``).

Each is small (the app with 40 jobs, a handful of interactions) and shows one thing offline:
``EXPECTED`` says which rules fail when it is checked, and tests/cassettes/test_judge.py holds the
committed files to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.cassettes import format as cassette_format
from conformance.cassettes.record import Recorder, provenance, write_recording
from conformance.client import ACTION, Client
from conformance.emulator import Emulator
from conformance.strategies.requests import MUTATIONS
from conformance.targets.emulator import EmulatorTarget
from tests.cassettes.helpers import APP, DATA, record

LISTING = {"app": APP, "limit": 100}

#: File -> the rules whose tests fail when it is checked in the documented profile.
EXPECTED: dict[str, set[str]] = {
    "limit-off-by-one.yaml": {"DCJ-PAGE-002"},
    "filter-misses-a-job.json": {"DCJ-FILTER-004", "DCJ-PAGE-005"},
    "paging-skips-jobs.yaml": {"DCJ-PAGE-004"},
    "signature-not-checked.yaml": {"DCJ-AUTH-001"},
    "stale-contract.yaml": set(),
    "other-action.yaml": set(),
}
#: Files that are not readable cassettes at all.
BROKEN = ("corrupt.yaml", "truncated.json")


def limit_off_by_one(path: Path) -> None:
    record(path, [{"app": APP, "limit": 5}], faults=["limit-off-by-one"])


def filter_misses_a_job(path: Path) -> None:
    # A correct recording, then one job taken out of the filtered answer (and its total lowered to
    # match): no single response shows it, only the comparison with the listings around it.
    record(path, [LISTING, {"app": APP, "status": ["successful"], "limit": 100}, LISTING])
    document = json.loads(path.read_text(encoding="utf-8"))
    response = document["interactions"][1]["response"]["body"]
    body = json.loads(response["string"])
    body["job_set"].pop(0)
    body["total_count"] -= 1
    response["string"] = json.dumps(body, separators=(",", ":"))
    cassette_format.write(path, document)


def paging_skips_jobs(path: Path) -> None:
    walk = [{"app": APP, "limit": 10, "offset": offset} for offset in range(0, 40, 10)]
    record(path, [LISTING, *walk, LISTING], faults=["offset-off-by-one"])


def signature_not_checked(path: Path) -> None:
    emulator = Emulator(faults=["signature-not-checked"])
    target = EmulatorTarget(emulator)
    client = Client(target)
    recorder = Recorder(target)
    client.observers.append(recorder)
    assert target.credentials is not None
    pairs = [("action", ACTION), ("zone", "pek3a"), ("app", APP), ("limit", "1")]
    wrong = MUTATIONS["wrong-signature"].apply(
        pairs, target.credentials, now=client.clock(), verb="GET", path=target.path
    )
    client.send_pairs(wrong, sign=False)
    recorded = provenance(target, len(recorder.interactions), zone="pek3a", app=APP)
    write_recording(path, recorder.interactions, recorded)


def stale_contract(path: Path) -> None:
    record(path, [{"app": APP, "limit": 2}])
    document = cassette_format.load(path).document
    document["conformance"]["contract"] = "0" * 64
    cassette_format.write(path, document)


def other_action(path: Path) -> None:
    # As plain vcrpy records another QingCloud call: no provenance, no toolkit metadata.
    uri = (
        "https://api.qingcloud.com/iaas/?action=DescribeInstances&zone=pek3a"
        "&access_key_id=REDACTED&signature=REDACTED"
    )
    body = {
        "action": "DescribeInstancesResponse",
        "instance_set": [],
        "total_count": 0,
        "ret_code": 0,
    }
    interaction: dict[str, Any] = {
        "request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": {"string": json.dumps(body)},
        },
    }
    cassette_format.write(path, cassette_format.document([interaction, interaction]))


def corrupt(path: Path) -> None:
    path.write_text(
        "interactions:\n- request: {method: GET, uri: [\nversion: 1\n", encoding="utf-8"
    )


def truncated(path: Path) -> None:
    record(path, [{"app": APP, "limit": 1}])
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])


WRITERS: dict[str, Callable[[Path], None]] = {
    "limit-off-by-one.yaml": limit_off_by_one,
    "filter-misses-a-job.json": filter_misses_a_job,
    "paging-skips-jobs.yaml": paging_skips_jobs,
    "signature-not-checked.yaml": signature_not_checked,
    "stale-contract.yaml": stale_contract,
    "other-action.yaml": other_action,
    "corrupt.yaml": corrupt,
    "truncated.json": truncated,
}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, write in WRITERS.items():
        write(DATA / name)
        print(f"wrote {DATA / name}")


if __name__ == "__main__":
    main()
