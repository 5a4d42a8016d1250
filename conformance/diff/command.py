"""``conformance diff TARGET_A TARGET_B``: where two targets of the contract behave differently.

Exit status: 0 they agree, 1 they differ, 2 an option or a file is wrong (an unknown target, a
corrupt cassette: one line), 4 a target cannot be used (unreachable, refuses to list: one line), as
``conformance run`` says so; 4 too, with one line, for a ``--budget`` that cannot pay for learning
and the boundary cases (refused before a case is asked, as ``conformance run`` refuses one), and
for a diff that compared nothing or left boundary cases uncompared: green means judged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.arguments import app_id, non_negative_float, positive_float, positive_int, zone_id
from conformance.errors import ConformanceError, RunStopped, TargetError
from conformance.options import DEFAULT_APP, PROFILES
from conformance.shown import shown

EXIT_AGREE, EXIT_DIFFER, EXIT_UNUSABLE = 0, 1, 4


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``diff`` subcommand to an ``argparse`` subparsers object; returns its parser."""
    from conformance.targets.open import FORMS

    parser: argparse.ArgumentParser = commands.add_parser(
        "diff",
        help="compare two targets in contract terms (emulator, endpoint, cassette)",
        description=(
            "Send the same requests (every probe's boundary cases, then generated ones; for a "
            "cassette, its recorded requests) to two targets and compare the answers in contract "
            "terms: accepted or refused, ret_code and token, fields and types, paging and "
            "filters against each one's own listing, what the page leaves open. Exit 0 when "
            f"they agree, 1 when they differ, 2 for a wrong option, 4 for an unusable target. "
            f"A target is {FORMS}."
        ),
    )
    parser.add_argument("target_a", metavar="TARGET_A")
    parser.add_argument("target_b", metavar="TARGET_B")
    parser.add_argument("--app", type=app_id, default=DEFAULT_APP, help=f"({DEFAULT_APP})")
    parser.add_argument("--zone", type=zone_id, default="pek3a", help="(pek3a)")
    parser.add_argument("--profile", choices=PROFILES, default="documented")
    parser.add_argument(
        "--budget",
        type=positive_int,
        metavar="N",
        help="at most N requests to each target (default: what one run of the suite may send it)",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="generated requests after the boundary cases (25)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated requests (0)")
    parser.add_argument("--max-pages", type=positive_int, default=5, metavar="N")
    parser.add_argument("--rate", type=non_negative_float, default=10.0, metavar="PER_SECOND")
    parser.add_argument("--timeout", type=positive_float, default=10.0, metavar="SECONDS")
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the diff as JSON here")
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="write it as Markdown here")
    parser.add_argument("--html", type=Path, metavar="PATH", help="write it as one HTML file here")
    parser.set_defaults(command=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Compare the two targets; print the differences; write the reports asked for."""
    from conformance.diff.engine import DiffSettings, TooSmall, diff
    from conformance.paths import check_writable
    from conformance.reports.write import OutputError, distinct
    from conformance.targets import open_target

    if args.max_examples < 0:
        raise ConformanceError(f"--max-examples must be 0 or more, not {args.max_examples}")
    outputs = {"report": args.report, "markdown": args.markdown, "html": args.html}
    try:
        distinct(outputs)
    except OutputError as error:
        raise ConformanceError(f"--{error.option}: {error}") from None
    for option, path in outputs.items():
        if path is not None:
            try:
                check_writable(path)
            except ConformanceError as error:
                raise ConformanceError(f"--{option}: {error}") from None
    settings = DiffSettings(
        app=args.app,
        zone=args.zone,
        profile=args.profile,
        budget=args.budget,
        max_examples=args.max_examples,
        seed=args.seed,
        max_pages=args.max_pages,
        rate=args.rate or None,
        timeout=args.timeout,
    )
    rate = settings.rate
    targets = [
        open_target(spec, rate=rate, timeout=args.timeout)
        for spec in (args.target_a, args.target_b)
    ]
    try:
        found = diff(targets[0], targets[1], settings).to_json()
    except TooSmall as error:
        print(f"conformance: error: --budget: {shown(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (TargetError, RunStopped) as error:
        print(f"conformance: error: {shown(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        for target in targets:
            target.close()
    from conformance.reports.diff import terminal_lines

    for line in terminal_lines(found):
        print(line)
    write(found, outputs)
    if not found["agree"]:
        return EXIT_DIFFER  # each difference shown was seen twice: true however far the diff got
    if found["incomplete"]:
        print(f"conformance: error: no verdict: {found['incomplete']}", file=sys.stderr)
        return EXIT_UNUSABLE
    return EXIT_AGREE


def write(found: dict[str, Any], outputs: dict[str, Path | None]) -> None:
    """Write the JSON, Markdown and HTML reports the options name."""
    import json

    from conformance.paths import write_atomically
    from conformance.reports import diff as rendered

    texts = {
        "report": lambda: json.dumps({"diff": found}, ensure_ascii=False, indent=2) + "\n",
        "markdown": lambda: "\n".join(rendered.markdown(found)) + "\n",
        "html": lambda: rendered.page(found),
    }
    for option, path in outputs.items():
        if path is not None:
            write_atomically(path, texts[option]().encode("utf-8"))
            print(f"{option}: {path}")
