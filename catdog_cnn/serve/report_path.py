"""Where `catdog-cnn explain` may write its page, checked before any work (and before TensorFlow is loaded)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..config import CatDogError
from ..sound.audio import Source
from ..sound.inputs import printable

__all__ = ["GENERATOR", "check_output"]

GENERATOR = '<meta name="generator" content="catdog-cnn explain">'  # marks a page the report wrote


def _is_report(path: Path) -> bool:
    with contextlib.suppress(OSError), open(path, "rb") as f:
        return GENERATOR.encode() in f.read(4096)
    return False


def check_output(out: str | os.PathLike, source: Source | None = None, *, force: bool = False) -> Path:
    """``out`` as a path the report may be written to, checked before any work is done.

    A report written earlier is replaced; any other existing file only with ``force``, and never the
    recording itself.

    Raises
    ------
    CatDogError
        If ``out`` is a folder, is the recording, is another existing file (without ``force``), or its
        folder cannot be created or written.
    """
    path = Path(out)
    name = printable(str(path))
    if path.is_dir():
        raise CatDogError(f"{name}: is a folder; give --out a file name, such as {name}/report.html.")
    if path.exists():
        if isinstance(source, (str, os.PathLike)) and Path(source).exists() and path.samefile(source):
            raise CatDogError(f"{name}: is the recording being explained; give --out another file name.")
        if not force and not _is_report(path):
            raise CatDogError(f"{name}: exists and is not a report of catdog-cnn explain; give --out another file "
                              "name, or add --force to replace it.")  # fmt: skip
    folder = next(p for p in [path.parent, *path.parent.parents] if p.exists())
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CatDogError(f"{name}: cannot be written in {printable(str(folder))} (not a writable folder); give "
                          "--out a path in a folder you can write to.")  # fmt: skip
    return path
