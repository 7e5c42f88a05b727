"""Fetching what the package does not ship: the Audio Cats and Dogs dataset, verified against its checksums."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .config import DATA_ENV, DATASET_HANDLE, DEFAULT_DATA_DIR, CatDogError
from .data import AUDIO_FOLDER, SPLIT_FILE, check_layout

__all__ = ["CHECKSUMS", "fetch_data"]

CHECKSUMS = Path(__file__).with_name("SHA256SUMS.cats_dogs")


def _download_failed_message(handle: str, dest: Path, reason: str) -> str:
    return (
        f"downloading the dataset failed ({reason}). Get it another way: set {DATA_ENV} to a folder that holds "
        f"it, or pass --data-dir DIR, or download it by hand from https://www.kaggle.com/datasets/{handle} and "
        f"unpack it so that {dest}/{AUDIO_FOLDER}/*.wav and {dest}/{SPLIT_FILE} exist."
    )


def _kagglehub_download(handle: str) -> Path:
    try:
        import kagglehub
    except ImportError as err:  # pragma: no cover - kagglehub is a dependency
        raise CatDogError("fetch-data needs kagglehub: pip install kagglehub") from err
    return Path(kagglehub.dataset_download(handle))


def _read_checksums() -> dict[str, str]:
    sums = {}
    for line in CHECKSUMS.read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def _verify_checksums(audio_dir: Path) -> None:
    """Compare every WAV in ``audio_dir`` with the published SHA-256 sums."""
    expected = _read_checksums()
    present = {p.name for p in audio_dir.glob("*.wav")}
    missing = sorted(set(expected) - present)
    if missing:
        raise CatDogError(
            f"{audio_dir}: {len(missing)} files are missing (first: {missing[0]}); "
            "delete the folder and run `catdog-cnn fetch-data` again."
        )
    for name, digest in expected.items():
        actual = hashlib.sha256((audio_dir / name).read_bytes()).hexdigest()
        if actual != digest:
            raise CatDogError(
                f"{audio_dir / name}: checksum mismatch (corrupt download); "
                "delete the folder and run `catdog-cnn fetch-data` again."
            )


def fetch_data(
    dest: str | os.PathLike = DEFAULT_DATA_DIR,
    *,
    download: Callable[[str], Path] = _kagglehub_download,
    handle: str = DATASET_HANDLE,
) -> Path:
    """Download the dataset from Kaggle into ``dest`` and verify it.

    Public Kaggle datasets download without credentials. The download lands in
    kagglehub's cache; the files are then copied into ``dest``, their layout
    checked and every WAV compared with the published SHA-256 sums.

    Parameters
    ----------
    dest : path
        Folder to create; nothing is done if it already holds a valid copy.
    download : callable
        ``download(handle) -> folder`` returning where the files were downloaded
        (``kagglehub.dataset_download`` by default; tests pass a local stand-in).
    handle : str
        Kaggle dataset handle.

    Returns
    -------
    Path
        The dataset folder.
    """
    dest = Path(dest).expanduser().resolve()
    if dest.exists():
        check_layout(dest)
        _verify_checksums(dest / AUDIO_FOLDER)
        return dest
    try:
        source = Path(download(handle))
    except CatDogError:
        raise
    except Exception as err:  # requests, kagglehub and the OS each raise their own kinds when offline
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CatDogError(_download_failed_message(handle, dest, f"{type(err).__name__}: {reason}")) from None
    found = [p.parent for p in source.rglob(SPLIT_FILE)]
    if not found:
        raise CatDogError(f"{source}: the download has no {SPLIT_FILE}; the dataset layout has changed.")
    root = check_layout(found[0])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        staging = Path(tmp) / dest.name
        staging.mkdir()
        shutil.copy2(root / SPLIT_FILE, staging / SPLIT_FILE)
        shutil.copytree(root / AUDIO_FOLDER, staging / AUDIO_FOLDER)
        _verify_checksums(staging / AUDIO_FOLDER)
        staging.rename(dest)
    return dest
