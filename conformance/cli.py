"""The ``conformance`` command.

Exit status, as pytest's and the suite's: 0 conformant, 1 deviations found, 2 the input or the options
were wrong (one line on stderr says what and where; never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from conformance import __version__
from conformance.arguments import non_negative_float, positive_int
from conformance.deviation import Profile, Severity, render
from conformance.errors import ConformanceError, InputError, UsageError

EXIT_OK, EXIT_DEVIATIONS, EXIT_ERROR = 0, 1, 2

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit 2, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand; each subcommand sets ``args.command`` to its function."""
    parser = _Parser(prog="conformance", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=_Parser, required=True
    )
    _add_validate(commands)
    _add_run(commands)
    _add_rules(commands)
    _add_sign(commands)
    from conformance.cassettes import command as cassettes_command

    cassettes_command.add_parser(commands)
    from conformance.emulator import command as emulator_command

    emulator_command.add_parser(commands).set_defaults(command=emulator_command.run)
    return parser


def _add_validate(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="check one response body against the contract",
        description="Check one DescribeClusterJobs response body (success or error) against the contract. "
        "Exits 1 when there is a violation; undocumented fields and notes are printed but do not fail.",
    )
    validate.add_argument(
        "response", metavar="RESPONSE.json", type=Path, help="the response body ('-' reads stdin)"
    )
    validate.add_argument(
        "--request",
        metavar="QUERY",
        help="the query it answered, e.g. 'app=app-tg3lbp0a&jobs.1=j-etkt94ebqra&limit=1&zone=pek3a': "
        "enables the paging, filter and zone checks",
    )
    _add_profile(validate)
    validate.set_defaults(command=_validate)


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run the conformance suite against a target",
        description="Run the conformance suite (pytest --pyargs conformance.suite) against a target. "
        "Exit status is pytest's: 0 conformant, 1 deviations found, 4 the target or an option was wrong.",
    )
    run.add_argument(
        "--target",
        default="emulator",
        help="emulator (default), emulator:FAULT,…, emulator:churn, "
        "an http(s):// endpoint, or a cassette file or folder",
    )
    run.add_argument("--app", help="the app whose jobs are listed (default app-tg3lbp0a)")
    run.add_argument("--zone", help="the zone (default pek3a)")
    _add_profile(run)
    run.add_argument(
        "--max-examples",
        type=positive_int,
        metavar="N",
        help="hypothesis examples per probe, and per search of a broken rule (25)",
    )
    run.add_argument(
        "--max-pages",
        type=positive_int,
        metavar="N",
        help="pages of 100 jobs read to learn the jobs (5)",
    )
    run.add_argument("--seed", type=int, help="the hypothesis seed (default: random, printed)")
    run.add_argument(
        "--rate",
        type=non_negative_float,
        metavar="PER_SECOND",
        help="request cap for a live endpoint (10; 0 = none)",
    )
    run.add_argument("--report", metavar="PATH", help="write the JSON report here")
    run.add_argument(
        "--record",
        metavar="PATH",
        help="write every interaction to this vcrpy cassette (.yaml or .json), secrets scrubbed",
    )
    run.add_argument(
        "--accept", metavar="FILE", help="known deviations with reasons (YAML or JSON)"
    )
    run.add_argument(
        "-n", "--workers", type=positive_int, metavar="N", help="run on N processes (pytest-xdist)"
    )
    run.add_argument(
        "pytest_args",
        nargs="*",
        metavar="PYTEST_ARG",
        help="more pytest arguments, after -- (the run has no assert rewriting: --assert=plain)",
    )
    run.set_defaults(command=_run)


def _run(args: argparse.Namespace) -> int:
    import pytest

    options = {
        "--conformance-target": args.target,
        "--conformance-app": args.app,
        "--conformance-zone": args.zone,
        "--conformance-profile": args.profile,
        "--conformance-max-examples": args.max_examples,
        "--conformance-max-pages": args.max_pages,
        "--conformance-seed": args.seed,
        "--conformance-rate": args.rate,
        "--conformance-report": args.report,
        "--conformance-record": args.record,
        "--conformance-accept": args.accept,
    }
    # The suite reports with its own messages, not rewritten asserts. Rewriting would cost each run
    # about 0.7 s (hypothesis's modules, which pytest rewrites too) where bytecode is not cached,
    # and warn that this process imported the package before pytest could rewrite it.
    argv = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q", "--assert=plain"]
    argv += [f"{name}={value}" for name, value in options.items() if value is not None]
    if args.workers:
        argv += ["-n", str(args.workers)]
    return int(pytest.main([*argv, *args.pytest_args]))


def _add_rules(commands: Any) -> None:
    rules = commands.add_parser(
        "rules", help="print the rule catalogue", description="Print the rule catalogue."
    )
    rules.add_argument("--markdown", action="store_true", help="as docs/RULES.md")
    rules.set_defaults(command=_rules)


def _rules(args: argparse.Namespace) -> int:
    from conformance.rules import CATALOGUE, to_markdown

    if args.markdown:
        print(to_markdown(), end="")
        return EXIT_OK
    for rule in CATALOGUE:
        print(f"{rule.id:<18} {rule.severity.value:<12} {rule.title}")
        print(f"{'':<31} {rule.documented}")
    return EXIT_OK


def _add_sign(commands: Any) -> None:
    sign = commands.add_parser(
        "sign",
        help="sign a query with QingCloud signature v1 (for replaying a finding with curl)",
        description="Print QUERY signed now with the key pair from QINGCLOUD_ACCESS_KEY_ID and "
        "QINGCLOUD_SECRET_ACCESS_KEY (or ~/.qingcloud/config.yaml), or the emulator's demo pair with --demo. "
        "Only a query with action=DescribeClusterJobs, once, is signed; anything else exits 2.",
    )
    sign.add_argument(
        "query",
        metavar="QUERY",
        help="the parameters, e.g. 'action=DescribeClusterJobs&app=…&zone=pek3a'",
    )
    sign.add_argument(
        "--demo", action="store_true", help="sign with the emulator's published demo key pair"
    )
    sign.add_argument(
        "--verb", choices=["GET", "POST"], default="GET", help="the HTTP method signed for (GET)"
    )
    sign.add_argument("--path", default="/iaas/", help="the request path signed for (/iaas/)")
    sign.add_argument(
        "--mutation", help="break the signature the way a suite probe did (see the finding)"
    )
    sign.set_defaults(command=_sign)


def _sign(args: argparse.Namespace) -> int:
    from urllib.parse import parse_qsl

    from conformance import readonly, signing, wire
    from conformance.client import utc_now

    # Read-only by hand too: refused before any key is read, whatever the key pair.
    query = args.query.lstrip("?")
    refused = readonly.refusal(query)
    if refused is not None:
        raise UsageError(f"refusing to sign: {refused}")
    if args.demo:
        from conformance.emulator import DEMO_CREDENTIALS

        credentials = DEMO_CREDENTIALS
    else:
        from conformance.targets import load_credentials

        credentials = load_credentials()
    pairs = parse_qsl(query, keep_blank_values=True)
    if args.mutation:
        from conformance.strategies.requests import MUTATIONS

        if args.mutation not in MUTATIONS:
            raise UsageError(
                f"unknown --mutation {args.mutation!r}; choose from {', '.join(MUTATIONS)}"
            )
        signed = MUTATIONS[args.mutation].apply(
            pairs, credentials, now=utc_now(), verb=args.verb, path=args.path
        )
    else:
        signed = signing.sign(pairs, credentials, verb=args.verb, path=args.path, now=utc_now())
    print(wire.query_string(signed))
    return EXIT_OK


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=[profile.value for profile in Profile],
        default=Profile.DOCUMENTED.value,
        help="documented: what the page says (default); strict: also exact error codes and no undocumented fields",
    )


def _validate(args: argparse.Namespace) -> int:
    from conformance.validate import validate_response
    from conformance.wire import decode

    body = _read_json_file(args.response)
    request = None
    if args.request is not None:
        decoded = decode(args.request.lstrip("?"))
        for problem in decoded.problems:
            print(f"note: --request: {problem.message}", file=sys.stderr)
        request = decoded.params
    deviations = validate_response(body, request, profile=Profile(args.profile))
    for deviation in deviations:
        print(render(deviation), end="\n\n")
    violations = sum(deviation.severity is Severity.VIOLATION for deviation in deviations)
    print(
        f"{violations} violation(s), {len(deviations) - violations} other finding(s) in {args.response}"
    )
    return EXIT_DEVIATIONS if violations else EXIT_OK


def _read_json_file(path: Path) -> Any:
    """A JSON document from a file (or stdin for '-'); an InputError names the file and the position."""
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror or error}") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{name} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise InputError(f"{name} is not JSON: {error}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Command = args.command
    try:
        return command(args)
    except ConformanceError as error:
        print(f"conformance: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
