"""The ``conformance`` command.

Exit status, as pytest's and the suite's: 0 conformant, 1 deviations found, 2 the input or the options
were wrong, or the output could not be written (one line on stderr says what and where; never a
traceback), 130 interrupted, and 141 when whoever read the output stopped reading (``| head``), as a
shell reports a command that a closed pipe ended. ``conformance run`` exits as pytest does.

Whatever came from outside (a file, a server, an argument) is printed with its control characters
escaped (``conformance.shown``): no byte of it can move the cursor, clear the screen or split a line.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from conformance import __version__
from conformance.arguments import worker_count
from conformance.deviation import Profile, Severity, render
from conformance.errors import ConformanceError, InputError, UsageError
from conformance.options import add_options, given_options
from conformance.shown import shown

EXIT_OK, EXIT_DEVIATIONS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE
#: The largest response body ``validate`` reads: a page of 100 jobs is ~60 kB.
MAX_RESPONSE = 64 * 1024 * 1024
# What a write to a full disk, a gone terminal or a full quota raises.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG})

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit 2, like every other input error."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes some arguments as given ("unrecognized arguments: …"): escaped here.
        self.exit(EXIT_ERROR, f"{self.prog}: error: {shown(message)} (see {self.prog} --help)\n")


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
    from conformance import cli_cassettes

    cli_cassettes.add_parser(commands)
    from conformance.emulator import command as emulator_command

    emulator_command.add_parser(commands).set_defaults(command=_emulator)
    from conformance.diff import command as diff_command

    diff_command.add_parser(commands)
    return parser


def _emulator(args: argparse.Namespace) -> int:
    from conformance.emulator import command as emulator_command
    from conformance.targets.open import recorded_emulator

    # The emulator cannot read cassettes itself (a later layer): this hands it the reader.
    return emulator_command.run(args, recorded=recorded_emulator)


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
        "Exit status is pytest's: 0 conformant, 1 deviations found, 4 the target was wrong or the run "
        "stopped; the options this command can check itself (--app, --zone, numbers, --report, "
        "--record, --accept) are checked before anything runs, and a wrong one exits 2.",
    )
    # The suite's options, declared once (conformance.options): what is given goes to the plugin.
    add_options(run.add_argument, defaults=False)
    run.add_argument(
        "-n", "--workers", type=worker_count, metavar="N", help="run on N processes (pytest-xdist)"
    )
    run.add_argument(
        "pytest_args",
        nargs="*",
        metavar="PYTEST_ARG",
        help="more pytest arguments, after -- (the run has no assert rewriting: --assert=plain)",
    )
    run.set_defaults(command=_run)


def _run(args: argparse.Namespace) -> int:
    # Checked now, not after a run that may have spent an hour's quota.
    _check_destinations(args)
    import pytest

    # The suite reports with its own messages, not rewritten asserts. Rewriting would cost each run
    # about 0.7 s (hypothesis's modules, which pytest rewrites too) where bytecode is not cached,
    # and warn that this process imported the package before pytest could rewrite it.
    argv = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q", "--assert=plain"]
    argv += given_options(args)
    if args.workers:
        argv += ["-n", str(args.workers)]
    return int(pytest.main([*argv, *args.pytest_args]))


def _check_destinations(args: argparse.Namespace) -> None:
    from conformance.paths import check_writable

    for option, given in (("--report", args.report), ("--record", args.record)):
        if given is None:
            continue
        try:
            if option == "--record":
                from conformance.cassettes.format import serializer_for

                serializer_for(Path(given))
            check_writable(Path(given))
        except ConformanceError as error:
            raise UsageError(f"{option}: {error}") from None
    for option, given in (("--markdown", args.markdown), ("--html", args.html)):
        if given is not None:
            try:
                check_writable(Path(given))
            except ConformanceError as error:
                raise UsageError(f"{option}: {error}") from None
    if args.accept is not None:
        from conformance.accept import load_accepted

        try:
            load_accepted(Path(args.accept))
        except ConformanceError as error:
            raise UsageError(f"--accept: {error}") from None


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
        from conformance.strategies.requests import MUTATIONS, mutation_named

        mutation = mutation_named(args.mutation)
        if mutation is None:
            raise UsageError(
                f"unknown --mutation {args.mutation!r}; choose from {', '.join(MUTATIONS)} "
                "(changed-after-signing:PARAMETER changes that parameter)"
            )
        signed = mutation.apply(pairs, credentials, now=utc_now(), verb=args.verb, path=args.path)
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

    # The bytes are judged, not a parsed copy: a member named twice shows only in the text.
    body = _read_response(args.response)
    request = None
    if args.request is not None:
        decoded = decode(args.request.lstrip("?"))
        for problem in decoded.problems:
            print(shown(f"note: --request: {problem.message}"), file=sys.stderr)
        request = decoded.params
    deviations = validate_response(body, request, profile=Profile(args.profile))
    for deviation in deviations:
        print(render(deviation), end="\n\n")
    violations = sum(deviation.severity is Severity.VIOLATION for deviation in deviations)
    other = len(deviations) - violations
    print(shown(f"{violations} violation(s), {other} other finding(s) in {args.response}"))
    return EXIT_DEVIATIONS if violations else EXIT_OK


def _read_response(path: Path) -> bytes:
    """A response body from a file (or stdin for '-'), checked to be JSON; an InputError names the
    file and the position when it is not, or cannot be read."""
    from conformance.documents import read_bytes
    from conformance.jsontext import loads

    name = "<stdin>" if str(path) == "-" else str(path)
    what = "a response body"
    if str(path) == "-":
        try:
            raw = sys.stdin.buffer.read(MAX_RESPONSE + 1)
        except OSError as error:
            raise InputError(f"cannot read {name}: {error.strerror or error}") from None
        if len(raw) > MAX_RESPONSE:
            raise InputError(f"{name} holds more than 64 MiB: too large for {what}")
    else:
        raw = read_bytes(path, limit=MAX_RESPONSE, what=what)
    try:
        loads(raw)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{name} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except ValueError as error:  # not UTF-8, nested past any reader, thousands of digits
        raise InputError(f"{name} is not JSON: {error}") from None
    return raw


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _open_closed_streams()
    try:
        try:
            _check_text(arguments)
            args = build_parser().parse_args(arguments)
            command: Command = args.command
            status = command(args)
        except SystemExit:  # argparse has printed help, the version, or a usage error
            sys.stdout.flush()
            raise
        # A closed or full stdout fails here, where it is handled, not at the interpreter's exit.
        sys.stdout.flush()
        return status
    except ConformanceError as error:
        _error(str(error))
        return EXIT_ERROR
    except BrokenPipeError:
        _discard_stdout()  # the reader has gone: what is left unwritten goes nowhere, quietly
        return EXIT_PIPE
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS or error.filename is not None:
            raise
        _discard_stdout()
        _error(f"cannot write the output: {error.strerror or error}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _open_closed_streams() -> None:
    """A stream the shell closed (``conformance rules >&-``) is None in Python: what would go to it
    goes nowhere, as it would to a closed pipe, instead of failing on a None."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def _check_text(arguments: Sequence[str]) -> None:
    """Every argument is text: bytes that are not UTF-8 reach Python as lone surrogates, which no
    request, signature, cassette or report can carry."""
    for position, argument in enumerate(arguments, start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(
                f"argument {position} ({shown(repr(argument), 40)}) is not UTF-8 text"
            ) from None


def _error(message: str) -> None:
    print(f"conformance: error: {shown(message)}", file=sys.stderr)


def _discard_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit neither fails nor complains."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stdout without a descriptor (captured in-process)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
