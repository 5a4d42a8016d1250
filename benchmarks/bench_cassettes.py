"""How fast a cassette of 10,000 recorded interactions is judged, against parsing it and the naive path.

Run: ``python benchmarks/bench_cassettes.py [--interactions 10000] [--repeat 3] [--naive-sample 1000]``

The cassette is recorded from the emulator's data (the example app, 161 jobs) with a fixed clock and
seed, so every run measures the same bytes: 20-job pages as a suite run asks for them — walks of
``limit=20`` over the whole listing, windows at any offset, status filters, job-id filters — with
requests and repeats in about the proportions of a recorded suite run: about 12% of the bodies are
distinct (12% in a default suite run recorded here: cross-call checks list the same pages again and
again, and the judge judges each distinct answer once). It is written
once as YAML and once as JSON, then, in one process, best of ``--repeat``:

* **floor**: merely parsing the file: ``yaml.load`` with libyaml's ``CSafeLoader``, or
  ``json.loads`` for the JSON cassette;
* **ours**: ``judge([load(path)])``: reading the file, and every rule over every interaction
  (schemas, single-response rules, rejections, walks, brackets). The validator's verdict cache is
  emptied before every run, so nothing carries over between runs;
* **naive**: vcrpy's own YAML load (``vcr.serialize.deserialize``) and ``jsonschema.validate`` per
  response body, as a user would write it. Validating every body takes about a minute, so by default
  the first ``--naive-sample`` bodies are validated and the time is scaled up (said in the output).

Also printed: an ``Index`` lookup next to vcrpy scanning the same interactions with the same matcher.
Target: ours within 1.5x of the floor for both serializers; exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from conformance.cassettes import format as cassette_format
from conformance.cassettes.judge import Verdict, judge
from conformance.cassettes.match import Index, conformance_matcher, interaction_key
from conformance.cassettes.record import Recorder, provenance
from conformance.client import Client
from conformance.emulator import Emulator
from conformance.emulator.data import EXAMPLE_APP
from conformance.judgement import exchanges
from conformance.schemas import registry, schema
from conformance.targets.emulator import EmulatorTarget

TARGET = 1.5
PAGE = 20
_MOMENT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def record(count: int, seed: int = 0) -> dict[str, Any]:
    """A cassette document of ``count`` interactions answered by the emulator (deterministic)."""
    rng = random.Random(seed)
    # Time moves 10 ms per request, so time stamps vary as in a real recording (the judge may not
    # count on identical request texts), and the emulator, client and recorder agree on it.
    now = [_MOMENT.timestamp()]

    def advancing() -> datetime:
        now[0] += 0.01
        return datetime.fromtimestamp(now[0], timezone.utc)

    emulator = Emulator(clock=lambda: now[0])
    target = EmulatorTarget(emulator)
    client = Client(target, clock=advancing)
    recorder = Recorder(target, clock=lambda: datetime.fromtimestamp(now[0], timezone.utc))
    client.observers.append(recorder)
    jobs = [job for job in emulator.jobs if job.app == EXAMPLE_APP and job.zone == "pek3a"]
    total = len(jobs)
    by_status: dict[str, int] = {}
    for job in jobs:
        by_status[job.status] = by_status.get(job.status, 0) + 1
    statuses = sorted(by_status)
    # Status subsets with a full page to show; job-id sets from a fixed pool, as a suite reuses them.
    subsets = [
        [s for bit, s in enumerate(statuses) if mask >> bit & 1]
        for mask in range(1, 2 ** len(statuses))
    ]
    subsets = [s for s in subsets if sum(by_status[x] for x in s) >= PAGE]
    pool = [[job.job_id for job in rng.sample(jobs, PAGE)] for _ in range(700)]
    while len(recorder.interactions) < count:
        kind = rng.random()
        if kind < 0.1:
            for page in range(-(-total // PAGE)):  # a walk over the whole listing
                client.call({"app": EXAMPLE_APP, "limit": PAGE, "offset": page * PAGE})
        elif kind < 0.55:
            client.call({"app": EXAMPLE_APP, "limit": PAGE, "offset": rng.randrange(total - PAGE)})
        elif kind < 0.85:
            subset = rng.choice(subsets)
            matching = sum(by_status[s] for s in subset)
            offset = rng.randrange(matching - PAGE + 1)
            client.call({"app": EXAMPLE_APP, "status": subset, "limit": PAGE, "offset": offset})
        else:
            client.call({"app": EXAMPLE_APP, "jobs": rng.choice(pool), "limit": PAGE})
    interactions = recorder.interactions[:count]
    recorded = provenance(target, len(interactions), zone="pek3a", app=EXAMPLE_APP, now=_MOMENT)
    return cassette_format.document(interactions, recorded)


def best(run: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (a fresh heap and an empty verdict cache each)."""
    times = []
    for _ in range(repeat):
        exchanges._judged.cache_clear()
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(path: Path) -> Any:
    """Merely parsing the cassette file."""
    raw = path.read_bytes()
    if path.suffix == ".json":
        return json.loads(raw)
    return yaml.load(raw, Loader=yaml.CSafeLoader)


def ours(path: Path) -> Verdict:
    """Reading the cassette and judging every interaction by every rule."""
    return judge([cassette_format.load(path)])


def naive(path: Path, sample: int) -> tuple[float, float, int]:
    """vcrpy's YAML load, then ``jsonschema.validate`` per body: (load s, validate s scaled, n)."""
    from vcr.serialize import deserialize
    from vcr.serializers import yamlserializer

    gc.collect()
    start = time.perf_counter()
    _requests, responses = deserialize(path.read_text(encoding="utf-8"), yamlserializer)[:2]
    loaded = time.perf_counter() - start
    response_schema, schemas_registry = schema("response"), registry()
    measured = responses[: sample or None]
    start = time.perf_counter()
    for response in measured:
        jsonschema.validate(
            json.loads(response["body"]["string"]), response_schema, registry=schemas_registry
        )
    validated = (time.perf_counter() - start) * len(responses) / max(1, len(measured))
    return loaded, validated, len(measured)


def lookups(document: dict[str, Any], count: int = 20) -> tuple[float, float]:
    """Seconds per lookup of recorded requests: our ``Index``, and vcrpy scanning the cassette with
    the same matcher (vcrpy's default ones never match a re-signed request: time_stamp differs)."""
    from vcr.matchers import requests_match
    from vcr.request import Request as VcrRequest

    raws = [interaction["request"] for interaction in document["interactions"]]
    index = Index((interaction_key(raw), position) for position, raw in enumerate(raws))
    wanted = random.Random(1).sample(raws, count)
    start = time.perf_counter()
    for raw in wanted:
        assert index.take(interaction_key(raw)) is not None
    ours_each = (time.perf_counter() - start) / count
    stored = [VcrRequest(**raw) for raw in raws]
    matchers = [conformance_matcher]
    start = time.perf_counter()
    for raw in wanted:
        request = VcrRequest(**raw)
        next(s for s in stored if requests_match(request, s, matchers))
    vcr_each = (time.perf_counter() - start) / count
    return ours_each, vcr_each


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--naive-sample", type=int, default=1000, help="bodies validated by the naive path (0: all)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    document = record(args.interactions)
    bodies = [i["response"]["body"]["string"] for i in document["interactions"]]
    twenty = sum(body.count('"job_id"') == PAGE for body in bodies)
    print(
        f"cassette: {len(bodies)} interactions, {twenty} with {PAGE}-job responses, "
        f"{len(set(bodies))} distinct bodies (recorded in {time.perf_counter() - started:.1f} s)"
    )
    missed = False
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".yaml", ".json"):
            path = Path(folder) / f"bench{suffix}"
            cassette_format.write(path, document)
            verdict = ours(path)
            # It must judge correctly before its speed means anything.
            assert verdict.judged == len(bodies), verdict.judged
            assert verdict.violations() == 0, verdict.ordered()[:1]
            base = best(functools.partial(floor, path), args.repeat)
            mine = best(functools.partial(ours, path), args.repeat)
            ratio = mine / base
            missed |= ratio > TARGET
            size = path.stat().st_size / 1e6
            print(
                f"{suffix[1:]:>4} ({size:.0f} MB): floor {base:.2f} s, ours {mine:.2f} s "
                f"= {ratio:.2f}x the floor (target <= {TARGET}x)"
            )
            if suffix == ".yaml":
                loaded, validated, sampled = naive(path, args.naive_sample)
                scaled = "" if sampled == len(bodies) else f", scaled up from {sampled} bodies"
                print(
                    f"naive: vcrpy YAML load {loaded:.2f} s + jsonschema.validate per body "
                    f"{validated:.1f} s{scaled} = {loaded + validated:.1f} s; "
                    f"ours is {(loaded + validated) / mine:.0f}x faster"
                )
        ours_each, vcr_each = lookups(document)
        print(
            f"lookup at {len(bodies)} interactions: Index {ours_each * 1e6:.1f} us, vcrpy's scan "
            f"with the same matcher {vcr_each * 1e3:.1f} ms ({vcr_each / ours_each:.0f}x)"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
