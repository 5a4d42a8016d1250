"""Where the toolkit writes: checked before a run starts, so a typo does not cost the run."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from conformance.errors import InputError, UsageError


def check_writable(path: Path) -> None:
    """Raise ``UsageError`` (one line, naming ``path``) when a file cannot be written there.

    The file itself need not exist: its nearest existing folder must be a writable folder. Nothing
    is created, so a run that stops before writing leaves nothing behind.
    """
    if path.is_dir():
        raise UsageError(f"{path} is a folder; name a file")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: {folder} is not a folder")
    if not os.access(folder if not path.exists() else path, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that a reader, or a failure, never leaves half a file.

    A regular file is written beside its place and moved there, so a full disk leaves the old one
    whole. It keeps its permission bits (a 0640 cassette stays 0640; a new one gets the umask's). A
    symbolic link stays a link: the file it names is replaced, never the link by a copy (which would
    fork a cassette shared through links, and leave the secrets in the file it named). Anything else
    that is there — a device such as ``/dev/stdout``, a pipe — is written in place: a move would
    replace the device itself. An ``InputError`` names the path when it cannot be written.
    """
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        if target.exists() and not target.is_file():
            with open(target, "wb") as stream:
                stream.write(payload)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = _mode_of(target)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            # mkstemp makes the file private (0600); a cassette is meant to be committed and shared.
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def _mode_of(path: Path) -> int:
    """The permission bits ``path`` has, or a new file's (0666 less the umask) when it is not there."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
