"""The suite's options, declared once: the plugin's ``--conformance-X`` and ``conformance run --X``.

Each option is a name, a type that checks the value (``conformance.arguments``: one line naming the
option and what it accepts), a default and a help line. The plugin adds them to one pytest option
group, prefixed; ``conformance run`` adds them to its parser without defaults and hands what was
given to pytest as ``--conformance-X=value``, so the plugin's defaults are the only ones.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.arguments import (
    app_id,
    non_negative_float,
    percent,
    positive_float,
    positive_int,
    zone_id,
)

PREFIX = "conformance-"
PROFILES = ("documented", "strict")
DEFAULT_APP = "app-tg3lbp0a"
#: The default request budget of a run against a live endpoint: a tenth of the hourly API quota
#: QingCloud's overview grants (2,000), so a CI job leaves most of it to everyone else.
LIVE_BUDGET = 200
#: The in-process emulator's: its requests cost microseconds, so the exploration may be thorough.
EMULATOR_BUDGET = 3000


def cassette_path(text: str) -> Path:
    """A path named as a cassette is: ``*.yaml``, ``*.yml`` or ``*.json``."""
    path = Path(text)
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise argparse.ArgumentTypeError(
            f"a cassette is named *.yaml, *.yml or *.json, got {text!r}"
        )
    return path


@dataclass(frozen=True)
class Option:
    """One option of the suite: ``--conformance-{name}`` in pytest, ``--{name}`` in ``conformance run``."""

    name: str
    help: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None

    def value(self, given: Any) -> Any:
        """What the option is: as given, or its default when it was not."""
        return self.default if given is None else given

    @property
    def dest(self) -> str:
        """The attribute ``conformance run``'s namespace holds it under."""
        return self.name.replace("-", "_")

    @property
    def pytest_dest(self) -> str:
        """The attribute ``config.option`` holds it under."""
        return (PREFIX + self.name).replace("-", "_")

    def keywords(self, *, defaults: bool) -> dict[str, Any]:
        """``add_argument`` keywords (pytest's ``addoption`` takes the same); without ``defaults``
        an option not given is None, so that only what the user typed is passed on."""
        given = {
            "type": self.type,
            "metavar": self.metavar,
            "choices": self.choices,
            # argparse runs a text default through ``type``, and the app's and the zone's types read
            # the request schema: a plain pytest run would pay for it. The default is this
            # module's own, already right; ``value`` supplies it.
            "default": None if isinstance(self.default, str) and self.type else self.default,
            "help": self.help,
        }
        if not defaults:
            given["default"] = None
        return {key: value for key, value in given.items() if value is not None or key == "default"}


OPTIONS: tuple[Option, ...] = (
    Option(
        "target",
        "emulator (default; 'emulator:FAULT,…' or 'emulator:churn' to vary it), an http(s):// "
        "endpoint, or a cassette file or folder",
        metavar="TARGET",
    ),
    Option(
        "app",
        f"the app whose jobs are listed (default {DEFAULT_APP})",
        type=app_id,
        default=DEFAULT_APP,
        metavar="APP",
    ),
    Option("zone", "the zone (default pek3a)", type=zone_id, default="pek3a", metavar="ZONE"),
    Option(
        "profile",
        "documented: what the page says (default); strict: also exact error codes, no "
        "undocumented fields",
        default="documented",
        choices=PROFILES,
    ),
    Option(
        "max-examples",
        "hypothesis examples per probe, and per search of a broken rule (default 25)",
        type=positive_int,
        default=25,
        metavar="N",
    ),
    Option(
        "max-pages",
        "pages of 100 jobs read to learn the target's jobs (default 5)",
        type=positive_int,
        default=5,
        metavar="N",
    ),
    Option(
        "rate",
        "at most this many requests per second to a live endpoint, shared by xdist workers "
        "(default 10; 0 = no cap)",
        type=non_negative_float,
        default=10.0,
        metavar="PER_SECOND",
    ),
    Option(
        "timeout",
        "seconds a live endpoint has for a whole answer, per attempt (default 10; with its "
        "retries a request takes at most 3 times this)",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
    ),
    Option(
        "max-time",
        "stop the run after this many seconds; the rules not reached are reported as not "
        "checked (default: no limit)",
        type=positive_float,
        metavar="SECONDS",
    ),
    Option(
        "budget",
        "send at most N requests to the target, learning and retries included, shared by xdist "
        "workers: the boundary cases first, then exploration and searches with what is left "
        f"(default {LIVE_BUDGET} for an http(s):// endpoint, {EMULATOR_BUDGET} for the in-process "
        "emulator)",
        type=positive_int,
        metavar="N",
    ),
    Option(
        "concurrency",
        "requests in flight at once to the target, within --conformance-rate; a paging walk keeps "
        "its order (default 4)",
        type=positive_int,
        default=4,
        metavar="N",
    ),
    Option("seed", "the hypothesis seed (default: random, printed)", type=int, metavar="SEED"),
    Option("report", "write a JSON report here", type=Path, metavar="PATH"),
    Option(
        "replay",
        "first send again the failing requests of this earlier JSON report, and say which still "
        "fail",
        type=Path,
        metavar="REPORT.json",
    ),
    Option(
        "record",
        "write every interaction of the run to this vcrpy cassette (.yaml, .yml or .json), "
        "secrets scrubbed",
        type=cassette_path,
        metavar="PATH",
    ),
    Option(
        "accept",
        "known deviations (YAML or JSON: a list of {rule, reason}): reported as expected failures",
        type=Path,
        metavar="FILE",
    ),
    Option(
        "diff-against",
        "also compare the target with this one (any target form; a cassette's recorded requests "
        "are sent again): the run fails when they behave differently (conformance diff)",
        metavar="TARGET",
    ),
)


#: What a run shows besides the JSON report (``conformance.reports.Outputs``): kept apart from
#: ``OPTIONS``, which are what the run does (``session.Settings``); declared, given and checked alike.
REPORTS: tuple[Option, ...] = (
    Option(
        "markdown",
        "write a Markdown summary here (verdict, deviations, coverage); also appended to "
        "$GITHUB_STEP_SUMMARY when that is set",
        type=Path,
        metavar="PATH",
    ),
    Option(
        "html",
        "write a self-contained HTML report here (one file, nothing fetched)",
        type=Path,
        metavar="PATH",
    ),
    Option(
        "coverage-fail-under",
        "fail the run when its documentation coverage is under PERCENT (0-100)",
        type=percent,
        metavar="PERCENT",
    ),
)


def add_options(add: Callable[..., Any], *, prefix: str = "", defaults: bool = True) -> None:
    """Declare every option with ``add`` (pytest's ``group.addoption`` or argparse's
    ``add_argument``), named ``--{prefix}{name}``."""
    for option in (*OPTIONS, *REPORTS):
        add(f"--{prefix}{option.name}", **option.keywords(defaults=defaults))


def given_options(namespace: argparse.Namespace) -> list[str]:
    """What ``conformance run`` was given, as the plugin's ``--conformance-X=value`` arguments."""
    return [
        f"--{PREFIX}{option.name}={value}"
        for option in (*OPTIONS, *REPORTS)
        if (value := getattr(namespace, option.dest, None)) is not None
    ]
