"""A status line a person at a terminal can watch: requests sent, the probe under way, deviations
confirmed so far.

A live run spends tens of seconds to minutes inside the first test that surveys a probe, while
pytest shows nothing. ``Progress`` writes one short line after whatever pytest has on its current
line and rewrites it in place, at most ``every`` seconds apart; ``clear`` takes it away before pytest
writes again (the plugin calls it from the hooks pytest writes in). It is told what happens as a
client observer (each exchange) and through ``conformance.probes.search.WATCHERS`` (each probe).

Only on a terminal: ``wanted`` says no to a stream that is not a TTY, to ``-q``, to CI (the ``CI`` or
``BUILD_NUMBER`` variable, as pytest reads it) and to xdist, whose workers' requests the controller
cannot see while they run. When it is not wanted nothing is built, observed or written: the run
pays nothing. Nothing here imports pytest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

#: Seconds between two drawings of the line: a few times a second, as a person reads.
EVERY = 0.25
# Narrower than this and the line says too little to be worth drawing.
_NARROWEST = 24


def wanted(*, isatty: bool, verbosity: int, environ: Mapping[str, str], workers: bool) -> bool:
    """Whether to show the line: a terminal, not ``-q``, not CI, not xdist."""
    ci = any(name in environ for name in ("CI", "BUILD_NUMBER"))
    return isatty and verbosity >= 0 and not ci and not workers


def terminal(stream: IO[str]) -> IO[str] | None:
    """A second handle on ``stream``'s terminal, or None when it is not a terminal.

    pytest captures file descriptor 1 while a test runs, and a survey runs inside a test: a line
    written through ``stream`` then would land in the test's captured output. A duplicate of the
    descriptor, taken while nothing is captured, still reaches the terminal.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    if not os.isatty(fd):
        return None
    return os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="replace")


class Progress:
    """The status line. ``write`` puts text on the terminal (flushed); ``room`` says how many
    columns are left on pytest's current line; ``requests`` and ``deviations`` are read at each
    drawing, ``budget`` (None: none) is shown beside the requests."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        room: Callable[[], int],
        requests: Callable[[], int],
        deviations: Callable[[], int],
        budget: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        every: float = EVERY,
    ) -> None:
        self.write = write
        self.room = room
        self.requests = requests
        self.deviations = deviations
        self.budget = budget
        self.clock = clock
        self.every = every
        self.what: str | None = None
        self._shown = 0  # columns of the line on the terminal now
        self._drawn_at: float | None = None

    def __call__(self, exchange: Any) -> None:
        """A client observer: one more request was answered."""
        self.tick()

    def doing(self, what: str | None) -> None:
        """What the run is doing now ("surveying the paging probe"; None: between things)."""
        self.what = what
        self.tick()

    def text(self) -> str:
        """The line as it reads now."""
        requests = self.requests()
        used = f"{requests}/{self.budget}" if self.budget is not None else str(requests)
        deviations = self.deviations()
        parts = [
            f"{used} request{'s' if requests != 1 else ''}",
            *([self.what] if self.what else []),
            f"{deviations} deviation{'s' if deviations != 1 else ''} confirmed",
        ]
        return "[conformance: " + ", ".join(parts) + "]"

    def tick(self) -> None:
        """Draw the line again, unless it was drawn less than ``every`` seconds ago."""
        now = self.clock()
        if self._drawn_at is not None and now - self._drawn_at < self.every:
            return
        self._drawn_at = now
        self.draw()

    def draw(self) -> None:
        """Draw the line now, after what pytest has on its current line, cut to fit in it."""
        room = self.room() - 2  # a space before it, and never the last column (it would wrap)
        text = self.text() if room >= _NARROWEST else ""
        if len(text) > room:
            text = text[: room - 1] + "]"
        self.write(self._erase() + (" " + text if text else ""))
        self._shown = len(text) + 1 if text else 0

    def clear(self) -> None:
        """Take the line away, leaving pytest's line as pytest wrote it."""
        if self._shown:
            self.write(self._erase())
            self._shown = 0
        self._drawn_at = None  # the next tick draws at once: pytest just moved on

    def _erase(self) -> str:
        # Back over the columns written, then erase to the end of the line (ECMA-48 CUB and EL).
        return f"\x1b[{self._shown}D\x1b[K" if self._shown else ""
