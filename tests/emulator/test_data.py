"""The default data set is deterministic and consistent; a user's --data file is checked record by record."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from conformance.contract import STATUSES
from conformance.documented import lines_of
from conformance.emulator import Emulator, default_jobs, load_jobs
from conformance.emulator.data import EXAMPLE_APP, EXAMPLE_JOB_ID, EXAMPLE_JOB_JSON, Job
from conformance.errors import DataError
from tests.emulator.helpers import BASE, assert_consistent, call


def _page_example_item() -> str:
    """The example item's text as printed in the page, between its braces."""
    text = "\n".join(lines_of("DescribeClusterJobs.seed.md"))
    example = text.split("Example Response:", 1)[1]
    start = example.index('    {\n      "status"')
    end = example.index("\n    }", start) + len("\n    }")
    return example[start:end].strip()


def test_the_example_job_is_the_pages_text_exactly() -> None:
    assert EXAMPLE_JOB_JSON.strip() == _page_example_item()


def test_the_example_job_is_served_with_its_directive_byte_for_byte() -> None:
    example = next(job for job in default_jobs() if job.job_id == EXAMPLE_JOB_ID)
    printed = json.loads(_page_example_item())
    assert example.item == printed
    assert list(example.item) == list(printed)
    assert f'"directive":{json.dumps(printed["directive"])}'.encode() in example.encoded
    assert (example.app, example.zone) == (EXAMPLE_APP, "pek3a")


def test_the_default_data_is_the_same_every_time_and_differs_by_seed() -> None:
    first, second = default_jobs(), default_jobs()
    assert [job.encoded for job in first] == [job.encoded for job in second]
    assert [job.job_id for job in default_jobs(seed=1)] != [job.job_id for job in first]


def test_the_default_data_has_what_the_issue_asks_for() -> None:
    jobs = default_jobs()
    groups = Counter((job.zone, job.app) for job in jobs)
    assert groups[("pek3a", EXAMPLE_APP)] >= 150
    assert len({app for _, app in groups}) >= 2
    assert {job.status for job in jobs if job.app == EXAMPLE_APP} == set(STATUSES)
    assert {len(job.job_id) for job in jobs} == {len("j-") + 8, len("j-") + 11}
    assert all(re.fullmatch(r"j-[a-z0-9]+", job.job_id) for job in jobs)
    assert len({job.job_id for job in jobs}) == len(jobs)
    assert any(len(job.item["resources"]["clusters"]) > 1 for job in jobs)
    owners = {job.item["owner"] for job in jobs}
    assert "system" in owners
    assert all(owner == "system" or re.fullmatch(r"usr-[A-Za-z0-9]{8}", owner) for owner in owners)


def test_each_default_page_of_20_has_a_multi_cluster_job(emulator: Emulator) -> None:
    # The resource-ids-mismatch fault only shows on multi-cluster jobs.
    for offset in range(0, 140, 20):
        items = call(emulator, {**BASE, "offset": offset})["job_set"]
        assert any(" " in item["resource_ids"] for item in items), offset


@pytest.mark.parametrize("job", default_jobs(), ids=lambda job: job.job_id)
def test_every_default_job_is_internally_consistent(job: Job) -> None:
    assert_consistent(job)
    assert json.loads(job.item["directive"])["sender"]["user_id"] == job.item["owner"]


# --- a user's data file ---------------------------------------------------------------------------


def _example() -> dict[str, Any]:
    item: dict[str, Any] = json.loads(EXAMPLE_JOB_JSON)
    return item


def test_a_data_file_is_served_in_place_of_the_default(write_data: Any) -> None:
    second = {**_example(), "job_id": "j-secondjb", "create_time": "2018-03-05T00:00:00Z"}
    path = write_data({"app-mine0001": [_example(), second]})
    jobs = load_jobs(path)
    emulator = Emulator(jobs=jobs, credentials=None)
    document = call(emulator, {"app": "app-mine0001", "zone": "pek3a"}, sign=False)
    assert [item["job_id"] for item in document["job_set"]] == ["j-secondjb", EXAMPLE_JOB_ID]
    assert document["job_set"][1] == _example()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a JSON object mapping app ids to lists of jobs"),
        ({}, "expected a JSON object mapping app ids to lists of jobs"),
        ({"app-x": {"job_id": "j-1"}}, "'app-x' must be a non-empty app id holding a list of jobs"),
        (
            {"app-x": [_example(), {**_example(), "status": "done"}]},
            "app-x[1] (job j-etkt94ebqra): /status: 'done' is not one of",
        ),
        (
            {"app-x": [{**_example(), "create_time": "yesterday"}]},
            "app-x[0] (job j-etkt94ebqra): /create_time:",
        ),
        ({"app-x": [{"job_id": "j-1"}]}, "app-x[0] (job j-1): /: 'create_time' is a required"),
        ({"app-x": ["j-1"]}, "app-x[0]: /: 'j-1' is not of type 'object'"),
        (
            {"app-x": [{**_example(), "directive": "{not json"}]},
            "app-x[0] (job j-etkt94ebqra): /directive: not JSON",
        ),
        (
            {"app-x": [{**_example(), "directive": json.dumps({"zone": "pek3a"})}]},
            "app-x[0] (job j-etkt94ebqra): /directive → /: 'sender' is a required property",
        ),
        (
            {"app-x": [_example()], "app-y": [_example()]},
            "app-y[0] (job j-etkt94ebqra): job_id repeats app-x[0]",
        ),
    ],
)
def test_a_bad_record_is_named_in_a_one_line_error(
    write_data: Any, document: object, message: str
) -> None:
    path = write_data(document)
    with pytest.raises(DataError) as raised:
        load_jobs(path)
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")
    assert message in text


@pytest.mark.parametrize(
    ("content", "message"), [("{oops", "not JSON"), (b"\xff\xfe", "not UTF-8")]
)
def test_an_unreadable_data_file_is_a_one_line_error(
    tmp_path: Any, content: str | bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_jobs(path)


def test_a_missing_data_file_is_a_one_line_error(tmp_path: Any) -> None:
    with pytest.raises(DataError, match="cannot read the data file"):
        load_jobs(tmp_path / "absent.json")
