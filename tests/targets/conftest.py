"""Fixtures for the target tests: servers on 127.0.0.1 port 0, stopped and closed after each test."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest

from conformance.emulator import Emulator
from tests.targets.servers import CountingServer, ScriptedServer, serving, stop


@pytest.fixture
def emulator_server() -> Iterator[CountingServer]:
    """The correct emulator over HTTP on 127.0.0.1 (port 0), counting connections."""
    server = CountingServer(("127.0.0.1", 0), Emulator(), log=lambda line: None)
    thread = serving(server)
    yield server
    stop(server, thread)


@pytest.fixture
def scripted() -> Iterator[Callable[[list[str]], ScriptedServer]]:
    """Starts a ScriptedServer for a script of steps; all are stopped after the test."""
    started: list[tuple[ScriptedServer, threading.Thread]] = []

    def start(script: list[str]) -> ScriptedServer:
        server = ScriptedServer(script)
        started.append((server, serving(server)))
        return server

    yield start
    for server, thread in started:
        stop(server, thread)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections into its backlog and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture(scope="session")
def tls_server_context(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A server-side TLS context for 127.0.0.1, self-signed, and its certificate's path."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate with")
    folder = tmp_path_factory.mktemp("tls")
    key, certificate = str(folder / "key.pem"), str(folder / "certificate.pem")
    options = [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
    ]
    subprocess.run(
        [openssl, *options, "-keyout", key, "-out", certificate],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context, certificate
