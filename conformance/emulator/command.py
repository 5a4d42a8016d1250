"""``conformance emulator``: run the emulator as an HTTP server until SIGINT or SIGTERM.

The first line printed is ``listening on URL`` (flushed), so a script or a test can start the server
with ``--port 0`` and read where it went. Secrets from the environment are never printed.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from conformance import signing
from conformance.emulator.churn import ChurnSettings
from conformance.emulator.data import DEFAULT_SEED, Job, default_jobs, load_jobs
from conformance.emulator.faults import FAULTS, listing, resolve
from conformance.emulator.policy import Choices
from conformance.emulator.server import LATENCY_FORMS, latency_text, make_server, parse_latency
from conformance.emulator.service import DEMO_CREDENTIALS, Emulator
from conformance.errors import UsageError
from conformance.shown import shown

KEY_ID_VARIABLE = "QINGCLOUD_ACCESS_KEY_ID"
SECRET_VARIABLE = "QINGCLOUD_SECRET_ACCESS_KEY"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``emulator`` subcommand to an ``argparse`` subparsers object; returns its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "emulator",
        help="serve a local DescribeClusterJobs emulator over HTTP",
        description=(
            "Serve DescribeClusterJobs on http://HOST:PORT/iaas/ (GET and POST), checking "
            f"signatures with the key pair from {KEY_ID_VARIABLE}/{SECRET_VARIABLE}, or the "
            f"demo pair {DEMO_CREDENTIALS.access_key_id}/{DEMO_CREDENTIALS.secret_access_key.reveal()} "
            "when they are unset. Stops cleanly on SIGINT or SIGTERM."
        ),
    )
    configure(parser, recordings=True)
    return parser


#: What reads a recording for ``--data-from`` and ``--like``: the jobs its listing pages saw and
#: the choices it shows, each None when not asked for, the options that ask for the same, and one
#: note per choice saying whether the recording showed it. Cassettes are a later layer than the
#: emulator, so the ``conformance`` command hands this in (``conformance.targets.open``).
Recorded = Callable[
    [str | None, str | None],
    tuple[tuple[Job, ...] | None, Choices | None, Any, Sequence[str]],
]


def configure(parser: argparse.ArgumentParser, *, recordings: bool = False) -> None:
    """The emulator's options, on any parser (the subcommand's, or ``python -m``'s); with
    ``recordings``, ``--data-from`` and ``--like`` too."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (8080)")
    parser.add_argument("--data", metavar="FILE", help='serve these jobs: {"app-…": [job, …]}')
    if recordings:
        parser.add_argument(
            "--data-from",
            metavar="CASSETTE",
            help="serve the jobs a recording's listing pages saw (a cassette file or folder)",
        )
        parser.add_argument(
            "--like",
            metavar="CASSETTE",
            help="where the page leaves room, do as the recorded server did: cap or refuse a "
            "limit above the cap, the listing's order, an empty listing or an error for an app "
            "without jobs",
        )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="accept requests without checking key, signature or time",
    )
    parser.add_argument(
        "--churn", action="store_true", help="let jobs arrive and change status while serving"
    )
    parser.add_argument(
        "--churn-every",
        type=int,
        default=10,
        metavar="N",
        help="with --churn: one step every N requests (10)",
    )
    parser.add_argument(
        "--churn-seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="with --churn: and one step every S seconds (5)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"seed of the default data and of churn ({DEFAULT_SEED})",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="inject a named fault (repeatable; see --list-faults)",
    )
    parser.add_argument(
        "--list-faults",
        action="store_true",
        help="print the faults with the rule each breaks, and exit",
    )
    parser.add_argument(
        "--latency",
        default="0",
        metavar="MS",
        # Read as text and checked in build(): argparse's own error is two lines (usage, then
        # the complaint) and would not say which values are accepted.
        help="hold each answer MS milliseconds, as a distant server would (0)",
    )
    parser.add_argument(
        "--log-requests", action="store_true", help="print a line per request on stderr"
    )


def run(
    args: argparse.Namespace, *, out: TextIO | None = None, recorded: Recorded | None = None
) -> int:
    """Run the subcommand; returns the exit status. User errors raise ``ConformanceError``.
    ``recorded`` reads ``--data-from`` and ``--like`` recordings."""
    out = out or sys.stdout
    if args.list_faults:
        for line in listing():
            print(line, file=out)
        return 0
    emulator, notes = build(args, recorded=recorded)
    try:
        server = make_server(
            emulator,
            args.host,
            args.port,
            log_requests=args.log_requests,
            latency_ms=latency(args),
        )
    except OSError as error:  # the port is taken, the host is not this machine's, no permission
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
        ) from None
    stop = threading.Event()
    # Handlers first, then the URL: whoever reacts to the URL may signal at once.
    restore = _on_signals(stop.set)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
    )
    try:
        thread.start()
        print(f"listening on {server.url}", file=out, flush=True)
        for note in notes:
            print(shown(note), file=out, flush=True)
        # Waiting in short slices keeps the main thread able to run signal handlers promptly.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass  # a SIGINT from before the handlers were in place
    finally:
        restore()
        if thread.is_alive():  # shutdown() waits for a serving loop: one must have started
            server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    print("stopped", file=out, flush=True)
    return 0


def build(
    args: argparse.Namespace, *, recorded: Recorded | None = None
) -> tuple[Emulator, list[str]]:
    """The emulator the options describe, and the start-up notes to print after the URL."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, not {args.port}")
    held = latency(args)
    faults = resolve(args.fault)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    data_from, like = getattr(args, "data_from", None), getattr(args, "like", None)
    if data_from and args.data:
        raise UsageError("give --data or --data-from, not both")
    learned, choices = None, None
    if data_from or like:
        if recorded is None:
            raise UsageError("--data-from and --like need the conformance command")
        learned, choices, _, shown_choices = recorded(data_from, like)
    jobs = learned or (load_jobs(args.data) if args.data else default_jobs(seed))
    churn = None
    if args.churn:
        # The range test also refuses nan, which every comparison calls false, and inf.
        if args.churn_every < 1 or not 0 < args.churn_seconds < math.inf:
            raise UsageError("--churn-every must be 1 or more and --churn-seconds positive")
        churn = ChurnSettings(
            seed=seed, every_requests=args.churn_every, every_seconds=args.churn_seconds
        )
    credentials, notes = (
        (None, ["authentication: off (--no-auth)"]) if args.no_auth else _credentials()
    )
    source = (
        f"the listing pages of {data_from}" if data_from else args.data
    ) or f"default data set (seed {seed})"
    notes.append(f"data: {source}, {len(jobs)} jobs")
    if choices is not None:
        # Each choice says whether the recording showed it: one it does not stays the emulator's.
        notes.append(f"like {like}: " + "; ".join(shown_choices or choices.lines()))
    if faults:
        notes.append("faults: " + ", ".join(f"{f.name} ({f.rule})" for f in faults))
    if churn is not None:
        notes.append(
            f"churn: a step every {churn.every_requests} requests and {churn.every_seconds} s"
        )
    if held:
        notes.append(f"latency: each answer held {latency_text(held)} ms")
    emulator = Emulator(
        jobs=jobs, faults=faults, credentials=credentials, churn=churn, choices=choices
    )
    return emulator, notes


def latency(args: argparse.Namespace) -> float:
    """``--latency`` in milliseconds; ``UsageError`` naming the accepted values when it is none."""
    held = parse_latency(args.latency)
    if held is None:
        raise UsageError(f"--latency must be {LATENCY_FORMS}, not {args.latency!r}")
    return held


def _credentials() -> tuple[signing.Credentials, list[str]]:
    key_id, secret = os.environ.get(KEY_ID_VARIABLE), os.environ.get(SECRET_VARIABLE)
    if key_id and secret:
        # The pair came from the environment: never echo the secret, nor the whole key id (a CI
        # log is read by many); its first letters say which key it is.
        return signing.Credentials(key_id, secret), [
            f"access key id: {signing.redact_key_id(key_id)} (from {KEY_ID_VARIABLE})"
        ]
    if key_id or secret:
        missing = SECRET_VARIABLE if key_id else KEY_ID_VARIABLE
        raise UsageError(
            f"{missing} is not set but its partner is; set both, or neither for the demo pair"
        )
    demo = DEMO_CREDENTIALS
    # The demo pair is published (the README, the emulator's --help): showing its secret is the point.
    note = (
        f"access key id: {demo.access_key_id} (the documented demo pair; secret "
        f"{demo.secret_access_key.reveal()}; set {KEY_ID_VARIABLE} and {SECRET_VARIABLE} to use your own)"
    )
    return demo, [note]


def _on_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """Route SIGINT and SIGTERM to ``stop``; returns a function that restores the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers; the caller stops us itself
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, lambda *_: stop())

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m conformance.emulator``: the subcommand on its own."""
    from conformance.errors import ConformanceError

    parser = argparse.ArgumentParser(prog="python -m conformance.emulator", description=__doc__)
    configure(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ConformanceError as error:
        print(f"error: {shown(str(error))}", file=sys.stderr)
        return 2


__all__ = ["FAULTS", "add_parser", "build", "configure", "latency", "main", "run"]
