"""Commands that replay a finding: curl, with credentials as environment variable references.

A signed request cannot be replayed byte for byte (its time stamp expires in 60 s), so the command
re-signs the recorded parameters with ``conformance sign``, which reads the key pair from
QINGCLOUD_ACCESS_KEY_ID / QINGCLOUD_SECRET_ACCESS_KEY (or the emulator's demo pair with --demo).
No value of a credential is ever printed.

Everything in the command that came from outside (the endpoint's URL, a recorded path and query,
an emulator option read from a cassette) is quoted with ``shlex.quote``, so pasting the line runs
curl and ``conformance sign`` and nothing else, whatever a server or a cassette put there. Control
characters, spaces and quotes in those words are percent-encoded (the path the same way in the URL
and in what is signed), so a command is one line per step and reads the same to every reader.
"""

from __future__ import annotations

import shlex
from urllib.parse import parse_qsl

from conformance import wire
from conformance.contract import SIGNING_PARAMS
from conformance.exchange import Request

EMULATOR_PORT = 8080


def unsigned_query(request: Request) -> str:
    """The request's parameters without anything signing added, in their order."""
    raw = request.body.decode("utf-8", "replace") if request.method == "POST" else request.query
    pairs = [
        (name, value)
        for name, value in parse_qsl(raw, keep_blank_values=True)
        if name not in SIGNING_PARAMS
    ]
    return wire.query_string(pairs)


def reproduce(
    request: Request,
    *,
    url: str | None,
    emulator_options: str | None = None,
    mutation: str | None = None,
) -> str:
    """A shell command that sends ``request`` again, freshly signed.

    ``url`` is the live endpoint; None means the in-process emulator, which the command first starts
    over HTTP with ``emulator_options`` (its faults, churn: options separated by spaces).
    """
    path = _inert(request.path)
    setup = ""
    if url is None:
        url = f"http://127.0.0.1:{EMULATOR_PORT}{path}"
        # The replay signs with the demo pair, so the emulator must check that pair, not the one
        # a user may have in the environment.
        serve = [
            *("env", "-u", "QINGCLOUD_ACCESS_KEY_ID", "-u", "QINGCLOUD_SECRET_ACCESS_KEY"),
            *("conformance", "emulator", "--port", str(EMULATOR_PORT)),
            *(emulator_options or "").split(),
        ]
        setup = f"{_command(serve)} &\n"
    sign = ["conformance", "sign"]
    if setup:
        sign.append("--demo")
    if request.method == "POST":
        sign += ["--verb", "POST"]
    if path != "/iaas/":
        sign += ["--path", path]
    if mutation:
        sign += ["--mutation", mutation]
    sign.append(unsigned_query(request))
    # Inside "$(…)" the shell parses the command afresh, so the quoted words stay single words.
    signed = f'"$({_command(sign)})"'
    if request.method == "POST":
        return f"{setup}curl -sS --data {signed} {_command([url])}"
    return f"{setup}curl -sS {_command([url + '?'])}{signed}"


def _command(words: list[str]) -> str:
    return " ".join(shlex.quote(_inert(word)) for word in words)


# Control characters (C0, DEL, C1), spaces and quotes, percent-encoded as a URL may have them: a
# command stays one line, cannot drive a terminal, and every word of "$(…)" reads as one word to a
# reader that does not nest quotes there (shlex, a person) as well as to the shell.
_INERT = {
    **{code: f"%{code:02X}" for code in (*range(0x21), *range(0x7F, 0xA0))},
    **{ord(char): f"%{ord(char):02X}" for char in "\"'\\`"},
}


def _inert(word: str) -> str:
    return word.translate(_INERT)
