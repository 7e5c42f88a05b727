"""What a run folder holds: every model file's SHA-256 in ``manifest.json``, written atomically, checked on use.

A run folder's answers come from three files: ``model.keras`` (the network),
``config.json`` (how it scales its windows) and ``model.tflite`` (the LiteRT
twin ``predict`` runs). ``manifest.json`` records the SHA-256 of each, and for
the twin the SHA-256 of the ``model.keras`` it was converted from::

    {"files": {"model.keras": "…", "config.json": "…", "model.tflite": "…"},
     "made_from": {"model.tflite": "<SHA-256 of model.keras>"}}

:func:`verified` refuses a file that differs from its record (corrupted or
replaced) and a twin made from another ``model.keras`` (stale), with one line
that names the file and the command that remakes it. Files are written to a
temporary name and renamed into place, the manifest last, so a reader sees the
old run or the new one, never half of each. :func:`writing` locks a folder
while a process writes it, so a second writer is refused rather than silently
overwritten.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..config import CatDogError

__all__ = ["MANIFEST", "KERAS_FILE", "CONFIG_FILE", "sha256", "write_atomic", "read_manifest", "record", "verified",
           "read_verified", "writing"]  # fmt: skip

MANIFEST = "manifest.json"
KERAS_FILE = "model.keras"
CONFIG_FILE = "config.json"
LITERT_FILE = "model.tflite"
LOCK_FILE = ".writing"  # held (flock) while a process writes the folder; it holds that process id


def sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place; returns ``path``.

    A reader sees the old content or the new one, never part of it; an interrupted write leaves no file behind.
    """
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_verified(folder: str | os.PathLike, name: str) -> bytes:
    """The bytes of ``folder/name``, read once and checked against the manifest (see :func:`verified`)."""
    content = (Path(folder) / name).read_bytes()
    verified(folder, name, content=content)
    return content


def read_manifest(folder: str | os.PathLike) -> dict | None:
    """The folder's manifest, or None when it has none.

    Raises
    ------
    CatDogError
        If ``manifest.json`` is there but unreadable.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest.get("files"), dict):
            raise ValueError("no 'files' record")
    except (ValueError, UnicodeDecodeError, AttributeError) as err:
        raise CatDogError(f"{path}: not a valid manifest ({err}); retrain into this folder, or remake the LiteRT "
                          f"model with `catdog-cnn export-litert --model {folder}`.") from None  # fmt: skip
    return manifest


def record(folder: str | os.PathLike, names: list[str], *, made_from: Mapping[str, str] | None = None) -> None:
    """Record the SHA-256 of the files ``names`` of ``folder`` in its manifest (others' records are kept).

    ``made_from`` maps a file to the file it was made from (``{"model.tflite": "model.keras"}``).
    """
    folder = Path(folder)
    manifest = read_manifest(folder) or {"files": {}}
    manifest.setdefault("made_from", {})
    for name in names:
        manifest["files"][name] = sha256(folder / name)
    for name, source in (made_from or {}).items():
        manifest["made_from"][name] = manifest["files"][source]
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def verified(folder: str | os.PathLike, name: str, *, content: bytes | None = None) -> Path:
    """The path of ``folder/name`` once it matches what the manifest says of it.

    Pass the file's ``content`` when it has been read already: that is what is checked, so the bytes used
    are the bytes verified. ``model.tflite`` must be recorded, with the ``model.keras`` it was made from;
    ``model.keras`` and ``config.json`` are checked when the folder has a manifest (folders written before
    manifests had none).

    Raises
    ------
    CatDogError
        If the file is corrupted or replaced since it was written, or is a LiteRT model made from another
        ``model.keras``, or its record is missing.
    """
    folder = Path(folder)
    path, manifest = folder / name, read_manifest(folder)
    remake = {
        LITERT_FILE: f"`catdog-cnn export-litert --model {folder}`",
        KERAS_FILE: "retraining into the folder",
        CONFIG_FILE: "retraining into the folder",
    }.get(name, f"`catdog-cnn prepare --model {folder}`")
    if manifest is None or name not in manifest["files"]:
        if name != LITERT_FILE:
            return path
        raise CatDogError(f"{path}: {MANIFEST} does not record it, so nothing says which model.keras it was made "
                          f"from; remake it with {remake}, or predict with --runtime keras.")  # fmt: skip
    digest = hashlib.sha256(content).hexdigest() if content is not None else sha256(path)
    if digest != manifest["files"][name]:
        raise CatDogError(f"{path}: differs from the SHA-256 in {MANIFEST}: the file is corrupted or was replaced "
                          f"after it was written; restore it or remake it by {remake}.")  # fmt: skip
    made_from = manifest.get("made_from", {}).get(name)
    if name == LITERT_FILE or (made_from is not None and (folder / KERAS_FILE).is_file()):
        keras_now = sha256(folder / KERAS_FILE) if (folder / KERAS_FILE).is_file() else None
        if made_from != keras_now:
            other = ", or predict with --runtime keras" if name == LITERT_FILE else ""
            raise CatDogError(f"{path}: was made from another {KERAS_FILE} than the one beside it (stale); remake "
                              f"it with {remake}{other}.")  # fmt: skip
    return path


def _owner(lock: Path) -> str:
    with contextlib.suppress(OSError):
        return f" (process {lock.read_text().strip()})"
    return ""


@contextlib.contextmanager
def writing(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold ``folder`` for writing: create it if needed, refuse if another process holds it.

    If the block fails or is interrupted and the folder did not exist before, it is removed, so an
    interrupted run leaves the old folder as it was or nothing at all.

    Raises
    ------
    CatDogError
        If another process is writing the folder.
    """
    folder = Path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CatDogError(f"{folder}: cannot create the run folder ({err.strerror}); choose another --out.") from None
    lock = folder / LOCK_FILE
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CatDogError(f"{folder}: another process is writing this run folder{_owner(lock)}; wait for it "
                              "to finish, or choose another --out.") from None  # fmt: skip
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield folder
        except BaseException:
            if created:
                shutil.rmtree(folder, ignore_errors=True)
            raise
    finally:  # the lock file stays: removing it would let two writers lock two different files
        os.close(fd)
