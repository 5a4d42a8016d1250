"""Where the toolkit writes: checked up front, written atomically, never a device replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.paths import check_writable, write_atomically


def test_a_file_is_replaced_whole_and_keeps_its_permission_bits(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [entry.name for entry in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_a_pipe_is_written_in_place_never_replaced(tmp_path: Path) -> None:
    # What /dev/stdout or /dev/full is to a move: a device a rename would replace (as root, it can).
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    write_atomically(pipe, b"through the pipe")
    reader.join(timeout=5)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_a_symlink_stays_a_link_to_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("folder", "{path} is a folder; name a file"),
        ("blocker/report.json", "cannot write {path}: {parent} is not a folder"),
    ],
    ids=["folder", "file-in-the-way"],
)
def test_a_destination_that_cannot_be_written_is_refused_before_anything_is_written(
    tmp_path: Path, name: str, problem: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "blocker").write_text("a file\n")
    path = tmp_path / name
    with pytest.raises(UsageError) as refused:
        check_writable(path)
    assert str(refused.value) == problem.format(path=path, parent=path.parent)


def test_a_destination_in_a_folder_still_to_be_made_is_fine(tmp_path: Path) -> None:
    check_writable(tmp_path / "new" / "deeper" / "report.json")
    assert list(tmp_path.iterdir()) == []  # nothing made by the check
