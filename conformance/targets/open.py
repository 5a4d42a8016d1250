"""``open_target``: from the ``--conformance-target`` text to a ``Target``.

Each kind's module is imported only when its form is asked for, so a live run never loads the
emulator and an emulator run never loads PyYAML.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.errors import UsageError
from conformance.targets.base import Target

if TYPE_CHECKING:
    from conformance.emulator import Job
    from conformance.emulator.policy import Choices

CHURN = "churn"
LATENCY = "latency="
#: Serve the jobs a recording's listing pages saw; adopt its choices where the page leaves room.
DATA_FROM = "data-from="
LIKE = "like="
FORMS = (
    "emulator, emulator:FAULT[,FAULT…] (fault names, churn, latency=MS, data-from=CASSETTE and "
    "like=CASSETTE, e.g. emulator:churn,latency=40,limit-off-by-one), "
    "http://HOST[:PORT]/iaas/, https://…, or a cassette file or folder"
)


def open_target(
    spec: str,
    *,
    env: Mapping[str, str] = os.environ,
    config_path: Path | None = None,
    timeout: float = 10.0,
    rate: float | None = 10.0,
    retries: int = 3,
) -> Target:
    """The target ``spec`` names.

    ``emulator`` and ``emulator:FAULT,…`` (fault names, ``churn``, and ``latency=MS`` to hold each
    answer MS milliseconds) are the in-process emulator;
    ``http://…`` and ``https://…`` a live endpoint, signed with ``load_credentials(env,
    config_path)`` and sent with ``timeout``, ``rate`` and ``retries``; an existing file or folder a
    cassette. Anything else raises ``UsageError`` listing the accepted forms.
    """
    text = spec.strip()
    if text == "emulator" or text.startswith("emulator:"):
        return _emulator(text)
    if text.lower().startswith(("http://", "https://")):
        from conformance.targets.credentials import load_credentials
        from conformance.targets.live import LiveTarget

        credentials = load_credentials(env, config_path, url=text)
        return LiveTarget(
            text, credentials=credentials, timeout=timeout, retries=retries, rate=rate
        )
    if text and Path(text).exists():
        return _cassette(Path(text))
    raise UsageError(f"unknown target {spec!r}; use {FORMS}")


def _emulator(text: str) -> Target:
    from conformance.emulator import FAULTS
    from conformance.emulator.server import LATENCY_FORMS, parse_latency
    from conformance.targets.emulator import EmulatorTarget

    _, _, listed = text.partition(":")
    names = [name.strip() for name in listed.split(",")] if listed else []
    valid = (
        f"valid names: {CHURN}, {', '.join(FAULTS)}; and {LATENCY}MS, {DATA_FROM}CASSETTE, "
        f"{LIKE}CASSETTE"
    )
    if text != "emulator" and (not names or "" in names):
        raise UsageError(f"target {text!r} lists an empty fault name; {valid}")
    latencies = [name for name in names if name.startswith(LATENCY)]
    if len(latencies) > 1:
        raise UsageError(f"target {text!r} gives {LATENCY}MS {len(latencies)} times; give it once")
    latency = 0.0
    if latencies:
        given = latencies[0].removeprefix(LATENCY)
        held = parse_latency(given)
        if held is None:
            raise UsageError(
                f"target {text!r} has latency {given!r}; {LATENCY}MS takes {LATENCY_FORMS}"
            )
        latency = held
    recordings = {
        prefix: [name.removeprefix(prefix) for name in names if name.startswith(prefix)]
        for prefix in (DATA_FROM, LIKE)
    }
    for prefix, paths in recordings.items():
        if len(paths) > 1 or "" in paths:
            raise UsageError(f"target {text!r} must give {prefix}CASSETTE once, with a path")
    settings = {CHURN, *latencies} | {p + g for p, paths in recordings.items() for g in paths}
    unknown = [name for name in names if name not in settings and name not in FAULTS]
    if unknown:
        raise UsageError(f"unknown fault {unknown[0]!r} in target {text!r}; {valid}")
    faults = [name for name in names if name not in settings]
    churn = True if CHURN in names else None
    data_from, like = recordings[DATA_FROM], recordings[LIKE]
    if not (data_from or like):
        return EmulatorTarget(faults=faults, churn=churn, latency_ms=latency)
    from conformance.emulator import Emulator

    jobs, choices, options, _ = recorded_emulator(
        data_from[0] if data_from else None, like[0] if like else None
    )
    target = EmulatorTarget(
        Emulator(jobs=jobs, faults=faults, churn=churn, choices=choices), latency_ms=latency
    )
    # A replay starts an emulator over HTTP with the same data and choices.
    target.replay_options = " ".join(filter(None, (target.replay_options, *options)))
    return target


def recorded_emulator(
    data_from: str | None, like: str | None
) -> tuple[tuple[Job, ...] | None, Choices | None, list[str], tuple[str, ...]]:
    """The jobs of ``data_from``'s listing pages and ``like``'s choices (None: the emulator's own),
    the ``conformance emulator`` options that ask for the same, and one note per choice saying
    whether the recording showed it (``Learned.notes``). ``CassetteError`` (one line) when a
    recording cannot be read or holds no listing."""
    from conformance.cassettes import format as cassette_format
    from conformance.cassettes.learned import choices_made, jobs_seen

    def read(path: str) -> list[cassette_format.Cassette]:
        return [cassette_format.load(file) for file in cassette_format.discover([path])]

    jobs = jobs_seen(read(data_from), source=data_from) if data_from else None
    learned = choices_made(read(like)) if like else None
    options = [f"--data-from {data_from}"] if data_from else []
    options += [f"--like {like}"] if like else []
    if learned is None:
        return jobs, None, options, ()
    return jobs, learned.choices, options, learned.notes


def _cassette(path: Path) -> Target:
    # Imported here: replaying cassettes needs YAML and vcrpy's format, a live run needs neither.
    from conformance.targets.cassette import CassetteTarget

    return CassetteTarget(path)
