"""``conformance cassettes check|scrub|scan PATH…``: the cassette commands.

Exit status as every command's: 0 fine, 1 found something (violations, values to scrub with
``--dry-run``, credentials), 2 a file that is not a readable cassette, or a ``--report`` that cannot be
written (one line on stderr). What a cassette holds is printed with its control characters escaped.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conformance.deviation import Profile, Severity
from conformance.errors import UsageError
from conformance.shown import shown

EXIT_OK, EXIT_FOUND = 0, 1
SHOWN_PER_RULE = 3


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``cassettes`` and its three commands to the CLI's subparsers."""
    cassettes: argparse.ArgumentParser = commands.add_parser(
        "cassettes",
        help="check, scrub and scan recorded cassettes (vcrpy format, YAML or JSON)",
        description="Judge recorded cassettes offline, scrub secrets from cassettes recorded by "
        "other tools, and scan cassettes for credentials.",
    )
    actions = cassettes.add_subparsers(title="commands", metavar="COMMAND", required=True)
    check = actions.add_parser(
        "check",
        help="judge every recorded interaction by every rule, offline",
        description="Judge every DescribeClusterJobs interaction of the cassettes by every rule "
        "that applies, offline (nothing is sent). Exits 1 on a violation.",
    )
    _paths(check)
    check.add_argument(
        "--profile",
        choices=[profile.value for profile in Profile],
        default=Profile.DOCUMENTED.value,
        help="documented (default) or strict (also exact error codes, no undocumented fields, "
        "and a stale cassette fails)",
    )
    check.add_argument("--report", type=Path, metavar="PATH", help="write a JSON report here")
    # The same reports as the suite's, declared once (conformance.options.REPORTS).
    from conformance.options import REPORTS

    for option in REPORTS:
        check.add_argument(f"--{option.name}", **option.keywords(defaults=False))
    check.set_defaults(command=_check)
    scrub = actions.add_parser(
        "scrub",
        help="scrub secrets from cassettes in place (e.g. recorded by vcrpy or pytest-recording)",
        description="Replace access_key_id, signature, token-like parameters, Authorization and "
        "Cookie headers and Set-Cookie with REDACTED, in place; everything else is kept byte for "
        "byte where the file allows it.",
    )
    _paths(scrub)
    scrub.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; exit 1 when a cassette has something to scrub",
    )
    scrub.set_defaults(command=_scrub)
    scan = actions.add_parser(
        "scan",
        help="fail when a cassette holds a credential-like value",
        description="Look for access key ids, signature values, the emulator's demo secret and "
        "the values of QINGCLOUD_ACCESS_KEY_ID / QINGCLOUD_SECRET_ACCESS_KEY. Exits 1 on a find.",
    )
    _paths(scan)
    scan.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="NAME",
        help="also look for the value of environment variable NAME (repeatable)",
    )
    scan.set_defaults(command=_scan)
    return cassettes


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="a cassette (.yaml, .yml, .json) or a folder"
    )


def _check(args: argparse.Namespace) -> int:
    from conformance.report import entry, render_entry
    from conformance.reports import Outputs
    from conformance.reports.terminal import coverage_lines
    from conformance.reports.verdict import under, under_line
    from conformance.rules import CATALOGUE
    from conformance.session import Session, SettingError, Settings

    outputs = Outputs(args.markdown, args.html, args.coverage_fail_under)
    try:  # before judging: a typo in --report must not cost the judgement
        settings = Settings(target=args.paths, profile=args.profile, report=args.report)
        run = Session(settings, outputs=outputs)
    except SettingError as error:
        raise UsageError(f"--{error.option}: {error}") from None
    verdict = run.judged()
    target, profile, report = run.open_target(), Profile(args.profile), run.report
    report.rules = len(CATALOGUE)
    for rule in CATALOGUE:
        outcome = verdict.outcome(rule.id)
        report.tested.append(rule.id)
        if not outcome.exercised:
            report.not_exercised[rule.id] = str(outcome.skip)
        kept = verdict.findings.get(rule.id, [])
        entries = [entry(f, url=target.url, emulator_options=target.replay_options) for f in kept]
        report.deviations += entries
        for item in entries[:SHOWN_PER_RULE]:
            if item["severity"] == Severity.VIOLATION.value:
                print(render_entry(item), end="\n\n")
        hidden = verdict.counts[rule.id] - min(len(kept), SHOWN_PER_RULE)
        if kept and kept[0].deviation.severity is Severity.VIOLATION and hidden > 0:
            print(f"… and {hidden} more finding(s) of {rule.id}\n")
    for rule in CATALOGUE:
        first = verdict.findings.get(rule.id, [None])[0]
        if first is not None:
            severity = first.deviation.severity.value
            print(f"{rule.id} [{severity}] {rule.title}: {verdict.counts[rule.id]} finding(s)")
    violations = verdict.violations()
    print(
        f"{verdict.judged} interaction(s) in {verdict.cassettes} cassette(s) judged offline "
        f"({verdict.foreign} not {_action()}, not judged), {profile.value} profile: "
        f"{violations} violation(s)"
    )
    unwritten = run.write()
    measured = run.coverage() if run.measured is None else run.measured
    for line in coverage_lines(measured):
        print(line)
    if run.report_written:
        print(shown(f"JSON report: {args.report}"))
    for line in run.written:
        print(shown(line))
    if unwritten:
        raise UsageError(str(unwritten[0]))
    if under(measured, outputs.coverage_fail_under):
        option = "--coverage-fail-under"
        print(shown(under_line(measured, outputs.coverage_fail_under or 0, option=option)))
        return EXIT_FOUND
    return EXIT_FOUND if violations else EXIT_OK


def _scrub(args: argparse.Namespace) -> int:
    from conformance.cassettes import format as cassette_format
    from conformance.cassettes.scrub import scrub_file

    changed = 0
    for path in cassette_format.discover(args.paths):
        result = scrub_file(path, dry_run=args.dry_run)
        changed += bool(result.scrubbed)
        print(
            shown(result.summary())
            + (" (dry run: nothing written)" if args.dry_run and result.scrubbed else "")
        )
    return EXIT_FOUND if args.dry_run and changed else EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from conformance.cassettes import format as cassette_format
    from conformance.cassettes.scan import SECRET_VARIABLES, known_secrets, scan_file

    secrets = known_secrets(variables=(*SECRET_VARIABLES, *args.secret_env))
    paths = cassette_format.discover(args.paths)
    leaks = [leak for path in paths for leak in scan_file(path, secrets)]
    for leak in leaks:
        print(shown(str(leak)))
    print(f"{len(paths)} cassette(s) scanned: {len(leaks)} credential-like value(s)")
    return EXIT_FOUND if leaks else EXIT_OK


def _action() -> str:
    from conformance.client import ACTION

    return ACTION
