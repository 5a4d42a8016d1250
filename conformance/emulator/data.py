"""The jobs the emulator serves: a deterministic default data set, or a user's own JSON file.

A ``Job`` keeps the item exactly as it will be answered (key order included) and its compact JSON,
encoded once: the emulator joins those bytes into a response instead of re-serialising every call.

A ``--data`` file is a JSON object mapping an app id to a list of job items, each shaped like an item
of the page's ``job_set``. The zone of a job is the ``zone`` of its directive.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conformance.contract import FAILED, PENDING, SUCCESSFUL, WORKING
from conformance.errors import DataError

EXAMPLE_APP = "app-tg3lbp0a"
EXAMPLE_ZONE = "pek3a"
EXAMPLE_JOB_ID = "j-etkt94ebqra"
DEFAULT_SEED = 20180304

# The page's example item, verbatim (DescribeClusterJobs.seed.md, "Example Response"); a test keeps
# it identical to the page, directive string byte for byte.
EXAMPLE_JOB_JSON = r"""{
      "status":"successful",
      "job_id":"j-etkt94ebqra",
      "directive":"{\"sender\":{\"lang\":\"en\",\"user_id\":\"system\",\"console_id\":\"system\",\"root_user_id\":\"system\",\"role\":\"global_admin\",\"privilege\":10,\"channel\":\"internal\"},\"zone\":\"pek3a\",\"expires\":\"2018-03-04T05:38:58Z\",\"action\":\"CeaseResources\",\"clusters\":[\"cl-xi3aoihf\"],\"resource_ids\":[\"cl-xi3aoihf\"]}",
      "job_action":"CeaseResources",
      "create_time":"2018-03-04T05:37:58Z",
      "owner":"system",
      "status_time":"2018-03-04T05:38:05Z",
      "error_codes":"",
      "resource_ids":"cl-xi3aoihf",
      "resources":{
        "clusters":[
          "cl-xi3aoihf"
        ]
      },
      "extras":{}
    }"""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_USER_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Actions that name one cluster, and actions that may name several (the example's CeaseResources).
_SINGLE_ACTIONS = (
    "CreateCluster",
    "AddClusterNodes",
    "DeleteClusterNodes",
    "ResizeCluster",
    "UpdateClusterEnvironment",
    "ChangeClusterVxnet",
)
_MULTI_ACTIONS = (
    "StartClusters",
    "StopClusters",
    "RestartClusters",
    "DeleteClusters",
    "CeaseResources",
    "RecoverClusters",
    "UpgradeClusters",
)
_SYSTEM_SENDER: dict[str, Any] = {
    "lang": "en",
    "user_id": "system",
    "console_id": "system",
    "root_user_id": "system",
    "role": "global_admin",
    "privilege": 10,
    "channel": "internal",
}


@dataclass(frozen=True)
class Job:
    """One job as served: its item (never mutated; copy it to change it) and what it is found by."""

    app: str
    zone: str
    job_id: str
    status: str
    created: float  # create_time as epoch seconds: the sort key
    item: Mapping[str, Any]
    encoded: bytes  # the item as compact JSON, what a response is assembled from

    @property
    def sort_key(self) -> tuple[float, str]:
        """Newest ``create_time`` first, then ``job_id``: the listing order."""
        return (-self.created, self.job_id)


def job_from_item(app: str, item: Mapping[str, Any]) -> Job:
    """A ``Job`` from an item already known to be well-formed (see ``load_jobs`` for user input)."""
    directive = json.loads(item["directive"])
    created = parse_job_time(item["create_time"])
    if created is None:
        raise ValueError(f"create_time {item['create_time']!r} is not a date-time")
    return Job(
        app=app,
        zone=directive["zone"],
        job_id=item["job_id"],
        status=item["status"],
        created=created,
        item=item,
        encoded=encode_item(item),
    )


def encode_item(item: Mapping[str, Any]) -> bytes:
    """Compact JSON, as QingCloud writes it (and as ``exchange.json_response`` does)."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def format_job_time(seconds: float) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for epoch seconds (whole seconds, as the service writes them)."""
    moment = _EPOCH + timedelta(seconds=int(seconds))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_job_time(text: object) -> float | None:
    """Epoch seconds of an ISO 8601 date-time with ``Z`` or an offset; None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        # Python 3.10's fromisoformat does not read "Z".
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH).total_seconds()


def build_item(
    *,
    job_id: str,
    zone: str,
    action: str,
    clusters: list[str],
    owner: str,
    sender: Mapping[str, Any],
    created: float,
    status: str,
    status_time: float,
) -> dict[str, Any]:
    """A consistent item in the example's key order: the directive agrees with every field."""
    directive = {
        "sender": dict(sender),
        "zone": zone,
        # The example's directive expires one minute after the job was created.
        "expires": format_job_time(created + 60),
        "action": action,
        "clusters": list(clusters),
        "resource_ids": list(clusters),
    }
    return {
        "status": status,
        "job_id": job_id,
        "directive": json.dumps(directive, separators=(",", ":")),
        "job_action": action,
        "create_time": format_job_time(created),
        "owner": owner,
        "status_time": format_job_time(max(status_time, created)),
        "error_codes": "",
        "resource_ids": " ".join(clusters),
        "resources": {"clusters": list(clusters)},
        "extras": {},
    }


def example_job() -> Job:
    """The page's example job, exactly as printed."""
    return job_from_item(EXAMPLE_APP, json.loads(EXAMPLE_JOB_JSON))


def default_jobs(seed: int = DEFAULT_SEED) -> tuple[Job, ...]:
    """The default data set: the same jobs for the same seed, whatever the clock says.

    ``app-tg3lbp0a`` in pek3a (161 jobs, the example among them), a second app in pek3a and the
    example app again in sh1a, so that zones and apps both separate listings.
    """
    rng = random.Random(seed)
    taken = {EXAMPLE_JOB_ID}
    jobs = [example_job()]
    groups = (
        (EXAMPLE_ZONE, EXAMPLE_APP, 160),
        (EXAMPLE_ZONE, "app-5vq6jh0c", 40),
        ("sh1a", EXAMPLE_APP, 12),
    )
    for zone, app, count in groups:
        jobs.extend(_group(rng, zone, app, count, taken))
    return tuple(sorted(jobs, key=lambda job: job.sort_key))


def _group(rng: random.Random, zone: str, app: str, count: int, taken: set[str]) -> list[Job]:
    clusters = [_identifier(rng, "cl-", 8) for _ in range(max(4, count // 10))]
    users = ["usr-" + "".join(rng.choice(_USER_ALPHABET) for _ in range(8)) for _ in range(3)]
    start = (datetime(2017, 9, 1, tzinfo=timezone.utc) - _EPOCH).total_seconds()
    end = (datetime(2018, 6, 1, tzinfo=timezone.utc) - _EPOCH).total_seconds()
    # Distinct whole seconds, newest first: the first few are still pending or working.
    moments = sorted(rng.sample(range(int(start), int(end)), count), reverse=True)
    jobs = []
    for position, created in enumerate(moments):
        status = _status(rng, position)
        # Every seventh job spans several clusters, so that each page of 20 holds a few.
        multi = position % 7 == 2
        action = rng.choice(_MULTI_ACTIONS if multi else _SINGLE_ACTIONS + _MULTI_ACTIONS)
        chosen = rng.sample(clusters, rng.randint(2, 3)) if multi else [rng.choice(clusters)]
        owner = "system" if action == "CeaseResources" else rng.choice(users)
        sender = _SYSTEM_SENDER if owner == "system" else _user_sender(rng, owner)
        # Jobs after 2018 have AppCenter's 11-character ids, older ones the 8-character kind.
        length = 11 if created >= 1514764800 else 8
        job_id = _unique(rng, taken, length)
        status_time = created + {PENDING: 0, WORKING: rng.randint(1, 9)}.get(
            status, rng.randint(3, 900)
        )
        item = build_item(
            job_id=job_id,
            zone=zone,
            action=action,
            clusters=chosen,
            owner=owner,
            sender=sender,
            created=created,
            status=status,
            status_time=status_time,
        )
        jobs.append(job_from_item(app, item))
    return jobs


def _status(rng: random.Random, position: int) -> str:
    # The newest jobs are still in flight; older ones ended, one in five of them badly.
    if position < 2:
        return PENDING
    if position < 4:
        return WORKING
    return FAILED if rng.random() < 0.2 else SUCCESSFUL


def _user_sender(rng: random.Random, owner: str) -> dict[str, Any]:
    return {
        "lang": rng.choice(("zh_CN", "en")),
        "user_id": owner,
        "console_id": "qingcloud",
        "root_user_id": owner,
        "role": "user",
        "privilege": 1,
        "channel": rng.choice(("console", "api")),
    }


def _identifier(rng: random.Random, prefix: str, length: int) -> str:
    return prefix + "".join(rng.choice(_ID_ALPHABET) for _ in range(length))


def _unique(rng: random.Random, taken: set[str], length: int) -> str:
    # Bounded: with 36**8 ids a collision is rare, a hundred in a row impossible in practice.
    for _ in range(100):
        candidate = _identifier(rng, "j-", length)
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise RuntimeError("could not draw a fresh job id in 100 tries")


def new_job_id(rng: random.Random, taken: Iterable[str]) -> str:
    """A fresh 11-character job id (for jobs that arrive while the emulator runs)."""
    return _unique(rng, set(taken), 11)


# --- a user's data file --------------------------------------------------------------------------


#: The largest ``--data`` file read: some hundred thousand jobs of a kilobyte each.
MAX_DATA = 512 * 1024 * 1024


def load_jobs(path: str | Path) -> tuple[Job, ...]:
    """The jobs of a ``--data`` file, validated; ``DataError`` names the first bad record."""
    from conformance.jsontext import MAX_DEPTH, nested_deeper

    source = str(path)
    try:
        with Path(path).open("rb") as file:
            raw = file.read(MAX_DATA + 1)  # a device or pipe that never ends is not a data file
    except OSError as error:
        raise DataError(f"{source}: cannot read the data file: {error.strerror}") from None
    if len(raw) > MAX_DATA:
        raise DataError(f"{source}: the data file holds more than {MAX_DATA // 2**20} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{source}: the data file is not UTF-8 text") from None
    try:
        # NaN and Infinity are not JSON: the emulator would serve them, and no client reads them.
        document = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise DataError(f"{source}: not JSON: it nests too deep to read") from None
    except ValueError as error:
        raise DataError(f"{source}: not JSON: {error}") from None
    if nested_deeper(document, MAX_DEPTH):
        raise DataError(f"{source}: nests more than {MAX_DEPTH} levels deep; a job nests 3")
    return parse_jobs(document, source)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def parse_jobs(document: object, source: str = "<data>") -> tuple[Job, ...]:
    """Jobs from a parsed data document: ``{"app-…": [job item, …], …}``."""
    if not isinstance(document, dict) or not document:
        raise DataError(
            f'{source}: expected a JSON object mapping app ids to lists of jobs, e.g. {{"{EXAMPLE_APP}": [{{…}}]}}'
        )
    # Imported here: jsonschema and the schema files are only needed when a user brings data.
    from conformance.schemas import validator

    job_schema, directive_schema = validator("job"), validator("directive")
    jobs: list[Job] = []
    seen: dict[str, str] = {}
    for app, items in document.items():
        if not app or not isinstance(items, list):
            raise DataError(f"{source}: {app!r} must be a non-empty app id holding a list of jobs")
        for index, item in enumerate(items):
            where = f"{source}: {app}[{index}]"
            if isinstance(item, dict) and isinstance(item.get("job_id"), str):
                where += f" (job {item['job_id']})"
            problem = _first_problem(job_schema, item)
            if problem is None:
                problem = _directive_problem(directive_schema, item)
            if problem is None and item["job_id"] in seen:
                problem = f"job_id repeats {seen[item['job_id']]}"
            if problem is None and parse_job_time(item["create_time"]) is None:
                problem = f"/create_time: {item['create_time']!r} is not a date-time"
            if problem is not None:
                raise DataError(f"{where}: {problem}")
            seen[item["job_id"]] = f"{app}[{index}]"
            jobs.append(job_from_item(app, item))
    return tuple(sorted(jobs, key=lambda job: job.sort_key))


def _first_problem(validator: Any, instance: object) -> str | None:
    errors = sorted(
        validator.iter_errors(instance), key=lambda error: list(map(str, error.absolute_path))
    )
    if not errors:
        return None
    error = errors[0]
    pointer = "".join(f"/{part}" for part in error.absolute_path) or "/"
    return f"{pointer}: {_one_line(error.message)}"


def _directive_problem(validator: Any, item: Mapping[str, Any]) -> str | None:
    # The job schema only says the directive is a string; the emulator routes by its zone and
    # promises consistent answers, so it must hold a valid directive.
    try:
        directive = json.loads(item["directive"])
    except ValueError as error:
        return f"/directive: not JSON ({error})"
    problem = _first_problem(validator, directive)
    return None if problem is None else f"/directive → {problem}"


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
