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
from conformance.deviation import Profile, Severity, render
from conformance.errors import ConformanceError, InputError

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
