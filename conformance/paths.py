"""Where the toolkit writes: checked before a run starts, so a typo does not cost the run."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.errors import UsageError


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
