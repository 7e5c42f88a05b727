"""What users name on the command line, turned into recordings: files, folders, glob patterns and ``-``."""

from __future__ import annotations

import glob
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .audio import AUDIO_EXTENSIONS, Source

__all__ = ["Input", "expand_inputs", "STDIN"]

STDIN = "-"


@dataclass
class Input:
    """One recording to predict, or why an argument gave none.

    ``name`` is what output lines call it; ``source`` is a path or an in-memory
    file (standard input), None when ``error`` says what is wrong.
    """

    name: str
    source: Source | None
    error: str | None = None


def _audio_files(folder: Path, extensions: Sequence[str]) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in extensions)


def _from_folder(folder: Path, name: str, extensions: Sequence[str]) -> Iterator[Input]:
    files = _audio_files(folder, extensions)
    if not files:
        yield Input(name, None, f"is a directory with no audio files in it (looked for {' '.join(extensions)}).")
    yield from (Input(str(f), f) for f in files)


def expand_inputs(
    args: Sequence[str], *, stdin: BinaryIO | None = None, extensions: Sequence[str] = AUDIO_EXTENSIONS
) -> Iterator[Input]:
    """The recordings named by ``args``, in order.

    A folder stands for every file in it and its subfolders whose extension is
    in ``extensions``; a glob pattern (``*``, ``?``, ``[``, and ``**`` for any
    depth) that names no existing file stands for its matches; ``-`` for the
    audio on ``stdin``, read into memory. Any other argument is passed on as a
    path, so a missing file is reported when it is opened.

    Yields
    ------
    Input
        One per recording, or one with an ``error`` for an argument that names none.
    """
    for arg in args:
        path = Path(arg)
        if arg == STDIN:
            data = stdin.read() if stdin is not None else b""
            yield Input(STDIN, io.BytesIO(data)) if data else Input(STDIN, None, "no audio on standard input.")
        elif path.is_dir():
            yield from _from_folder(path, arg, extensions)
        elif not path.exists() and glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                yield Input(arg, None, "no file matches this pattern.")
            for match in map(Path, matches):
                yield from _from_folder(match, str(match), extensions) if match.is_dir() else [Input(str(match), match)]
        else:
            yield Input(arg, path)
