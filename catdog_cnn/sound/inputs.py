"""What users name on the command line, turned into recordings: files, folders, glob patterns and ``-``.

Folders and patterns are walked with links followed, but every folder is entered once and every file
given once, whatever links lead to it again, so a walk always ends. A folder that cannot be read is
reported and skipped; the walk goes on.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .audio import AUDIO_EXTENSIONS, Source

__all__ = ["Input", "expand_inputs", "printable", "walk", "STDIN"]

STDIN = "-"


@dataclass
class Input:
    """One recording to predict, or why an argument gave none.

    ``name`` is what output lines call it; ``source`` is a path or an open binary stream (standard
    input), None when ``error`` says what is wrong.
    """

    name: str
    source: Source | None
    error: str | None = None


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (a newline as ``\\n``), so it stays one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _reason(err: OSError) -> str:
    return (err.strerror or type(err).__name__).lower()


def walk(root: Path, *, max_depth: int | None = None) -> Iterator[tuple[Path, bool, str | None]]:
    """Everything below ``root`` as ``(path, is_folder, error)``, each real folder and file once, in name order
    (in each folder, what is not a link first).

    Links are followed; a folder already entered (by its device and inode) is not entered again, and a
    file already given is not given again, so links to a parent cannot make the walk loop. A folder that
    cannot be read comes with ``error`` set and is not entered. ``max_depth`` limits how many folders deep
    the walk goes (None: no limit).
    """
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, depth: int) -> Iterator[tuple[Path, bool, str | None]]:
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                return
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: (e.is_symlink(), e.name))  # a file by its own name first
        except OSError as err:
            yield folder, True, f"cannot read this folder ({_reason(err)}): skipped"
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                info = entry.stat()  # follows links; a dangling link fails here
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                yield path, True, None
                if max_depth is None or depth < max_depth:
                    yield from visit(path, depth + 1)
            elif (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                yield path, False, None

    yield from visit(root, 1)


def _audio(path: Path, extensions: Sequence[str]) -> bool:
    return path.suffix.lower() in extensions


def _from_folder(folder: Path, name: str, extensions: Sequence[str]) -> Iterator[Input]:
    found = False
    for path, is_folder, error in walk(folder):
        if error:
            yield Input(str(path), None, error)
        elif not is_folder and _audio(path, extensions):
            found = True
            yield Input(str(path), path)
    if not found:
        yield Input(name, None, f"is a directory with no audio files in it (looked for {' '.join(extensions)}).")


def _matches(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether path components ``parts`` match pattern components, ``**`` standing for any number of folders."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_matches(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    if not parts or (parts[0].startswith(".") and not pattern[0].startswith(".")):
        return False
    return fnmatch.fnmatchcase(parts[0], pattern[0]) and _matches(parts[1:], pattern[1:])


def _identity(source: Source | None) -> tuple[int, int] | None:
    try:
        info = source.stat() if isinstance(source, Path) else None
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if info else None


def _from_pattern(arg: str, extensions: Sequence[str]) -> Iterator[Input]:
    parts = Path(arg).parts
    fixed = next(i for i, p in enumerate(parts) if glob.has_magic(p))
    root, pattern = Path(*parts[:fixed]) if fixed else Path("."), parts[fixed:]
    depth = None if "**" in pattern else len(pattern)
    found, given = False, set()
    for path, is_folder, error in walk(root, max_depth=depth):
        if error:
            yield Input(str(path), None, error)
        elif _matches(path.relative_to(root).parts, pattern):
            found = True
            name = str(path if fixed else path.relative_to(root))
            for item in _from_folder(path, name, extensions) if is_folder else [Input(name, path)]:
                key = _identity(item.source)
                if key is None or key not in given:  # a file both matched and inside a matched folder: once
                    given.add(key)
                    yield item
    if not found:
        yield Input(arg, None, "no file matches this pattern.")


def expand_inputs(
    args: Sequence[str], *, stdin: BinaryIO | None = None, extensions: Sequence[str] = AUDIO_EXTENSIONS
) -> Iterator[Input]:
    """The recordings named by ``args``, in order.

    A folder stands for every file in it and its subfolders whose extension is
    in ``extensions``; a glob pattern (``*``, ``?``, ``[``, and ``**`` for any
    depth) that names no existing file stands for its matches; ``-`` for the
    audio on ``stdin``, streamed as it arrives. Any other argument is passed on
    as a path, so a missing or unreadable file is reported when it is opened.

    Yields
    ------
    Input
        One per recording, or one with an ``error`` for an argument or a folder that gives none.
    """
    for arg in args:
        path = Path(arg)
        if arg == STDIN:
            yield Input(STDIN, stdin) if stdin is not None else Input(STDIN, None, "no audio on standard input.")
            continue
        try:
            is_folder, exists = path.is_dir(), path.exists()
        except OSError as err:  # a folder above it that cannot be entered
            yield Input(arg, None, f"cannot reach it ({_reason(err)}); check the permissions of its folders.")
            continue
        if is_folder:
            yield from _from_folder(path, arg, extensions)
        elif not exists and glob.has_magic(arg):
            yield from _from_pattern(arg, extensions)
        else:
            yield Input(arg, path)
