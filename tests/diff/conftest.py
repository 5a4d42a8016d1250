"""What the diff tests share: an emulator over HTTP that counts what it answers, and a target that
records what it is sent (to make a recording of a server the emulator then learns from)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.cassettes.record import Recorder
from conformance.emulator import DEMO_CREDENTIALS, Emulator, serve
from conformance.exchange import Exchange, Request, Response
from conformance.targets.live import LiveTarget
from conformance.transport import Target


class CountingEmulator(Emulator):
    """An emulator that counts every request it answers: what a server's bill counts."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.answered = 0

    def handle(self, request: Request) -> Response:
        self.answered += 1
        return super().handle(request)


class Recording(Target):
    """A target that hands every exchange to a recorder, as a recorded run would."""

    def __init__(self, inner: Target, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder
        self.name, self.url, self.path = inner.name, inner.url, inner.path
        self.credentials = inner.credentials

    def send(self, request: Request) -> Response:
        response = self.inner.send(request)
        self.recorder(Exchange(request, response))
        return response


@pytest.fixture
def served() -> Iterator[Callable[[Emulator], tuple[str, LiveTarget]]]:
    """Serves an emulator on 127.0.0.1 port 0 (closed after the test): its URL, and a live target
    for it signing with the demo pair, uncapped."""
    with contextlib.ExitStack() as servers:

        def start(emulator: Emulator) -> tuple[str, LiveTarget]:
            url = servers.enter_context(serve(emulator))
            target = LiveTarget(url, credentials=DEMO_CREDENTIALS, rate=None)
            servers.callback(target.close)
            return url, target

        yield start
