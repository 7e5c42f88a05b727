"""Folders a command writes whole (``export-web``, the book): checked before any work, built aside, then put in place.

A folder written here carries a marker file naming its writer and the entries it wrote. A later run replaces
such a folder; a folder holding anything else is refused unless ``force`` is given, and then only the writer's
own entries are put beside the others. The new folder is built in a temporary folder next to the target and
renamed into place, so a failure part-way (a full disk, a bad input) leaves the old folder as it was, or
nothing.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..config import CatDogError
from ..sound.inputs import printable

__all__ = ["MARKER", "owned_entries", "check_folder", "write_folder"]

MARKER = ".catdog-cnn-output"  # {"writer": ..., "files": [...]}: what the writer put in the folder


def owned_entries(folder: Path, writer: str) -> set[str]:
    """The entries of ``folder`` that ``writer`` wrote there, by its marker (empty without one)."""
    try:
        record = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return set()
    if not isinstance(record, dict) or record.get("writer") != writer or not isinstance(record.get("files"), list):
        return set()
    return {MARKER, *map(str, record["files"])}


def _foreign(folder: Path, writer: str) -> list[str]:
    mine = owned_entries(folder, writer)
    return sorted(p.name for p in folder.iterdir() if p.name not in mine)


def _overlaps(path: Path, place: Path) -> bool:
    return path == place or place in path.parents or path in place.parents


def check_folder(
    out: str | os.PathLike, writer: str, *, force: bool = False, protected: Iterable[Path] = (), option: str = "--out"
) -> Path:
    """``out`` as a folder ``writer`` may write, checked before any work; returns it resolved.

    Raises
    ------
    CatDogError
        If ``out`` is, holds or lies inside a ``protected`` folder; is a file; holds entries ``writer`` did not
        write (unless ``force``); or cannot be written. The message is one line naming the path and the fix.
    """
    name = printable(str(out))
    path = Path(out).expanduser().resolve()
    for place in protected:
        if _overlaps(path, Path(place).resolve()):
            raise CatDogError(f"{name}: is or overlaps {printable(str(place))}, whose files are the project's own; "
                              f"give {option} a folder of your own outside it.")  # fmt: skip
    if path.exists() and not path.is_dir():
        raise CatDogError(f"{name}: exists and is not a folder; give {option} a new or empty folder.")
    if path.is_dir():
        try:
            foreign = _foreign(path, writer)
        except OSError as err:
            raise CatDogError(
                f"{name}: cannot be read ({_reason(err)}); give {option} a folder you can read and write."
            ) from None
        if foreign and not force:
            shown = ", ".join(printable(f) for f in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise CatDogError(f"{name}: holds files catdog-cnn {writer} did not write ({shown}); give {option} "
                              "a new or empty folder, or add --force to write beside them.")  # fmt: skip
    folder = next(p for p in [path.parent, *path.parent.parents] if p.exists())
    writable = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    if not writable or (path.is_dir() and not os.access(path, os.W_OK | os.X_OK)):
        where = path if writable else folder
        raise CatDogError(f"{name}: cannot be written in {printable(str(where))} (not a writable folder); give "
                          f"{option} a folder you can write to.")  # fmt: skip
    return path


def _reason(err: OSError) -> str:
    return (err.strerror or type(err).__name__).lower()


def _put_beside(built: Path, path: Path) -> None:
    """Move every entry of ``built`` into the existing folder ``path``, replacing entries of the same names."""
    for entry in built.iterdir():
        target = path / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


def write_folder(
    out: str | os.PathLike, writer: str, build: Callable[[Path], None], *, force: bool = False
) -> list[Path]:
    """Build the folder ``out`` with ``build(tmp)`` in a temporary folder beside it, then put it in place.

    ``out`` must have passed :func:`check_folder`. Returns the files written (every file below ``out``).

    Raises
    ------
    CatDogError
        If writing fails (a full or read-only disk): ``out`` is left as it was.
    """
    path = Path(out).expanduser().resolve()
    name = printable(str(out))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as err:
        raise CatDogError(
            f"{name}: cannot be written ({_reason(err)}); give --out a folder you can write to."
        ) from None
    old, entries, merging = None, [], False
    try:
        build(tmp)
        entries = sorted(p.name for p in tmp.iterdir())
        (tmp / MARKER).write_text(json.dumps({"writer": f"{writer}", "files": entries}, indent=1) + "\n")
        if path.is_dir() and force and _foreign(path, writer):
            merging = True
            _put_beside(tmp, path)
        else:
            if path.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
                os.replace(path, old / path.name)
            os.replace(tmp, path)
    except OSError as err:
        if old is not None and not path.exists():
            os.replace(old / path.name, path)  # put the old folder back
        where = f" at {printable(str(err.filename))}" if err.filename else ""
        state = "some of its files may have been replaced" if merging else "it is as it was before"
        fix = "free some space or give --out another folder" if err.errno == errno.ENOSPC else \
            "give --out a folder you can write to"  # fmt: skip
        raise CatDogError(f"{name}: could not be written ({_reason(err)}{where}); {state}; {fix}.") from None
    finally:
        for leftover in (tmp, old):
            if leftover is not None and leftover.exists():
                with contextlib.suppress(OSError):
                    shutil.rmtree(leftover)
    written = [path / e for e in entries]
    return sorted(f for p in written for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
