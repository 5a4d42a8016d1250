"""The built-in emulator as a target: in-process, no sockets, the suite's default."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from conformance.emulator import ChurnSettings, Emulator, Fault
from conformance.emulator.server import LATENCY_FORMS, hold, latency_text, parse_latency
from conformance.errors import UsageError
from conformance.exchange import Request, Response
from conformance.targets.base import Target


class EmulatorTarget(Target):
    """Sends each request straight to ``Emulator.handle``.

    Give an ``Emulator`` you built yourself, or ``faults`` and ``churn`` for a fresh one with the
    default data set. The target signs with the emulator's own key pair, so a correct client is
    always accepted; an emulator built with ``credentials=None`` gets unsigned requests.
    ``latency_ms`` holds each answer that long in the calling thread, as ``conformance emulator
    --latency`` does over HTTP, so a run here paces itself like one against a distant server.
    """

    url = None  # in-process: there is no address a replay command could use

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        faults: Iterable[str | Fault] = (),
        churn: ChurnSettings | bool | None = None,
        latency_ms: float = 0,
    ) -> None:
        faults = tuple(faults)
        held = parse_latency(latency_ms)
        if held is None:
            raise UsageError(f"latency_ms must be {LATENCY_FORMS}, not {latency_ms!r}")
        if emulator is not None and (faults or churn):
            # Silently dropping them would run a correct emulator the user thought was faulty.
            raise UsageError(
                "give EmulatorTarget either an Emulator or faults/churn for a new one, not both: "
                "pass faults and churn to Emulator(...) instead"
            )
        self.emulator = emulator if emulator is not None else Emulator(faults=faults, churn=churn)
        self.credentials = self.emulator.credentials
        self.path = "/iaas/"
        self.latency_ms = held
        self.concurrent = bool(held)  # in-process, only a held answer leaves time to overlap
        self._never = threading.Event()  # what a held answer waits on: nothing ends it early
        # The name leaves the latency out: it names what answers (a recording keeps it as its
        # endpoint), and a held answer is the same answer.
        self.name = _name(self.emulator)
        options = [f"--fault {fault.name}" for fault in self.emulator.faults]
        if self.emulator.churn is not None:
            options.append("--churn")
        if held:
            options.append(f"--latency {latency_text(held)}")
        self.replay_options = " ".join(options) or None

    def send(self, request: Request) -> Response:
        """Answer in-process, ``latency_ms`` later; the emulator never raises for anything a
        client can send."""
        response = self.emulator.handle(request)
        if self.latency_ms:
            hold(self.latency_ms, self._never)
        return response

    def __repr__(self) -> str:
        held = f", latency_ms={latency_text(self.latency_ms)}" if self.latency_ms else ""
        return f"EmulatorTarget({self.name!r}{held})"


def _name(emulator: Emulator) -> str:
    """``emulator``, ``emulator[fault,…]``, each with ``+churn`` when the data changes."""
    names = [fault.name for fault in emulator.faults]
    faults = f"[{','.join(names)}]" if names else ""
    return f"emulator{faults}{'+churn' if emulator.churn is not None else ''}"
