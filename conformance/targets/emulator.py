"""The built-in emulator as a target: in-process, no sockets, the suite's default."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.emulator import ChurnSettings, Emulator, Fault
from conformance.errors import UsageError
from conformance.exchange import Request, Response
from conformance.targets.base import Target


class EmulatorTarget(Target):
    """Sends each request straight to ``Emulator.handle``.

    Give an ``Emulator`` you built yourself, or ``faults`` and ``churn`` for a fresh one with the
    default data set. The target signs with the emulator's own key pair, so a correct client is
    always accepted; an emulator built with ``credentials=None`` gets unsigned requests.
    """

    url = None  # in-process: there is no address a replay command could use

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        faults: Iterable[str | Fault] = (),
        churn: ChurnSettings | bool | None = None,
    ) -> None:
        faults = tuple(faults)
        if emulator is not None and (faults or churn):
            # Silently dropping them would run a correct emulator the user thought was faulty.
            raise UsageError(
                "give EmulatorTarget either an Emulator or faults/churn for a new one, not both: "
                "pass faults and churn to Emulator(...) instead"
            )
        self.emulator = emulator if emulator is not None else Emulator(faults=faults, churn=churn)
        self.credentials = self.emulator.credentials
        self.path = "/iaas/"
        self.name = _name(self.emulator)
        options = [f"--fault {fault.name}" for fault in self.emulator.faults]
        if self.emulator.churn is not None:
            options.append("--churn")
        self.replay_options = " ".join(options) or None

    def send(self, request: Request) -> Response:
        """Answer in-process; the emulator never raises for anything a client can send."""
        return self.emulator.handle(request)

    def __repr__(self) -> str:
        return f"EmulatorTarget({self.name!r})"


def _name(emulator: Emulator) -> str:
    """``emulator``, ``emulator[fault,…]``, each with ``+churn`` when the data changes."""
    names = [fault.name for fault in emulator.faults]
    faults = f"[{','.join(names)}]" if names else ""
    return f"emulator{faults}{'+churn' if emulator.churn is not None else ''}"
