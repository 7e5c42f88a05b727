"""Finding, decoding and splitting the Audio Cats and Dogs dataset (fetching it: :mod:`~catdog_cnn.sound.fetch`)."""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from ..config import (
    CROSS_VALIDATION_FOLDS,
    DATA_ENV,
    DEFAULT_DATA_DIR,
    SAMPLE_RATE,
    SEED,
    VALIDATION_FRACTION,
    CatDogError,
)
from .audio import load_audio

__all__ = [
    "LABELS",
    "Clip",
    "Split",
    "find_data_dir",
    "check_layout",
    "load_wav",
    "load_clips",
    "read_split_table",
    "load_split",
    "fewer_training_files",
    "cross_validation_splits",
    "wav_format",
    "split_summary",
    "format_census",
]

LABELS = ("cat", "dog")  # label 0 is cat, label 1 is dog
AUDIO_FOLDER = "cats_dogs"
SPLIT_FILE = "train_test_split.csv"


@dataclass
class Clip:
    """One decoded recording.

    Attributes
    ----------
    name : str
        File name, e.g. ``"cat_1.wav"``.
    label : int
        0 for cat, 1 for dog.
    audio : np.ndarray, shape (n,)
        float32 samples in [-1, 1] at 16 kHz.
    """

    name: str
    label: int
    audio: np.ndarray = field(repr=False)

    @property
    def seconds(self) -> float:
        """Duration in seconds at the package sample rate."""
        return len(self.audio) / SAMPLE_RATE


@dataclass
class Split:
    """Train, validation and test clips, and the duplicates removed from them.

    ``dropped`` lists ``(dropped file, its duplicate in train, side)`` for every
    validation or test file whose decoded audio equals a training file's.
    """

    train: list[Clip]
    validation: list[Clip]
    test: list[Clip]
    dropped: list[tuple[str, str, str]]


def _missing_data_message(looked: Path, given: str | None = None) -> str:
    """One line: where the dataset was looked for and how to provide it. ``given`` says who named the folder."""
    head = f"{looked}: the Audio Cats and Dogs dataset is not there (expected {AUDIO_FOLDER}/ and {SPLIT_FILE})"
    if given:
        return f"{head}; {given} names it: point it at the folder that holds the dataset, or download it there " \
               f"with `catdog-cnn fetch-data --data-dir {looked}`."  # fmt: skip
    return (f"{head}; download it with `catdog-cnn fetch-data`, set {DATA_ENV} to the folder that holds it, or "
            "pass the folder (--data-dir DIR on the command line, data_dir= in Python).")  # fmt: skip


def check_layout(path: Path, given: str | None = None) -> Path:
    """Check that ``path`` holds the dataset as Kaggle ships it.

    Parameters
    ----------
    path : Path
        Folder expected to contain ``cats_dogs/*.wav`` and ``train_test_split.csv``.

    Returns
    -------
    Path
        The same folder, resolved.

    Raises
    ------
    CatDogError
        If the folder, the audio folder, its WAV files or the split table is missing.
    """
    path = Path(path).expanduser().resolve()
    audio = path / AUDIO_FOLDER
    if not (path / SPLIT_FILE).is_file() or not audio.is_dir() or not any(audio.glob("*.wav")):
        raise CatDogError(_missing_data_message(path, given))
    return path


def find_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Locate the dataset: explicit argument, then ``$CATDOG_DATA_DIR``, then ``data/`` in the project.

    Returns
    -------
    Path
        The dataset folder, checked by :func:`check_layout`.
    """
    given = "--data-dir (data_dir=)" if data_dir is not None else None
    if data_dir is None and os.environ.get(DATA_ENV):
        data_dir, given = os.environ[DATA_ENV], f"${DATA_ENV}"
    return check_layout(Path(data_dir if data_dir is not None else DEFAULT_DATA_DIR), given)


load_wav = load_audio  # the name this function had when the package read WAV only; it reads any format now


def read_split_table(data_dir: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """Read the dataset's ``train_test_split.csv``.

    Returns
    -------
    dict
        Column name (``train_cat``, ``train_dog``, ``test_cat``, ``test_dog``)
        to the list of file names in it, empty cells left out.
    """
    path = find_data_dir(data_dir) / SPLIT_FILE
    columns: dict[str, list[str]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key and value:
                    columns.setdefault(key, []).append(value)
    expected = {"train_cat", "train_dog", "test_cat", "test_dog"}
    if set(columns) != expected:
        raise CatDogError(f"{path}: expected columns {sorted(expected)}, found {sorted(columns)}.")
    return columns


def load_clips(names: list[str], label: int, data_dir: str | os.PathLike | None = None) -> list[Clip]:
    """Decode the named files of the dataset into :class:`Clip` objects."""
    audio_dir = find_data_dir(data_dir) / AUDIO_FOLDER
    return [Clip(name, label, load_wav(audio_dir / name)) for name in names]


def _fingerprint(audio: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(audio).tobytes()).hexdigest()


def _carve_validation(clips: list[Clip], fraction: float, rng: np.random.Generator) -> tuple[list[Clip], list[Clip]]:
    """Split clips into (train, validation) per class, by file."""
    train, validation = [], []
    for label in (0, 1):
        of_class = sorted((c for c in clips if c.label == label), key=lambda c: c.name)
        order = rng.permutation(len(of_class))
        n_val = round(fraction * len(of_class))
        validation += [of_class[i] for i in order[:n_val]]
        train += [of_class[i] for i in order[n_val:]]
    return train, validation


def load_split(
    data_dir: str | os.PathLike | None = None,
    *,
    validation_fraction: float = VALIDATION_FRACTION,
    seed: int = SEED,
) -> Split:
    """Load the official split, carve validation files from train, drop duplicates.

    Parameters
    ----------
    data_dir : path, optional
        Dataset folder (see :func:`find_data_dir`).
    validation_fraction : float
        Share of each class's training files held out for validation (0 for none).
    seed : int
        Seed of the stratified validation draw.

    Returns
    -------
    Split
        Clips of each side; validation files whose decoded audio duplicates a
        training file, and test files that duplicate any official training file
        (training or validation side), are removed and listed in ``dropped``.
    """
    table = read_split_table(data_dir)
    train_all = load_clips(table["train_cat"], 0, data_dir) + load_clips(table["train_dog"], 1, data_dir)
    test = load_clips(table["test_cat"], 0, data_dir) + load_clips(table["test_dog"], 1, data_dir)
    train, validation = _carve_validation(train_all, validation_fraction, np.random.default_rng(seed))
    # validation files must not repeat the files trained on; test files must not repeat any
    # official training file, whichever side of the validation carve it fell on
    prints = {c.name: _fingerprint(c.audio) for c in train_all}  # each training file hashed once
    seen = {
        "validation": {prints[c.name]: c.name for c in train},
        "test": {fingerprint: name for name, fingerprint in prints.items()},
    }
    dropped = []
    kept: dict[str, list[Clip]] = {"validation": [], "test": []}
    for side, clips in (("validation", validation), ("test", test)):
        for clip in clips:
            fingerprint = prints[clip.name] if side == "validation" else _fingerprint(clip.audio)
            twin = seen[side].get(fingerprint)
            if twin:
                dropped.append((clip.name, twin, side))
            else:
                kept[side].append(clip)
    return Split(train, kept["validation"], kept["test"], dropped)


def fewer_training_files(split: Split, fraction: float, *, seed: int = SEED) -> Split:
    """``split`` with only a random ``fraction`` of each class's training files (by file); the rest unchanged.

    For learning curves: how accuracy grows with the number of files trained on.
    """
    if not 0 < fraction <= 1:
        raise CatDogError(f"fraction of training files must be in (0, 1], not {fraction}")
    _, chosen = _carve_validation(split.train, fraction, np.random.default_rng(seed))  # the same per-class draw
    names = {c.name for c in chosen}
    kept = [c for c in split.train if c.name in names]  # in their order, so that all of them is the same split
    return Split(kept, split.validation, split.test, split.dropped)


def cross_validation_splits(
    clips: list[Clip],
    n_folds: int = CROSS_VALIDATION_FOLDS,
    *,
    validation_fraction: float = VALIDATION_FRACTION,
    seed: int = SEED,
) -> list[Split]:
    """One :class:`Split` per fold: each fold's files are the test side once (k-fold, by file, per class).

    Each class's files are shuffled and dealt to ``n_folds`` folds in turn, so
    every fold holds about the same number of cats and of dogs. For fold k the
    other folds' files are carved into training and validation files as
    :func:`load_split` carves the official training files. Every file is a test
    file exactly once. ``clips`` should hold no duplicates (``load_split`` drops them).
    """
    if not 2 <= n_folds <= min(sum(c.label == label for c in clips) for label in (0, 1)):
        raise CatDogError(f"n_folds must be from 2 to the number of files of the smaller class, not {n_folds}")
    rng = np.random.default_rng(seed)
    fold_of: dict[str, int] = {}
    for label in (0, 1):
        of_class = sorted(c.name for c in clips if c.label == label)
        for position, index in enumerate(rng.permutation(len(of_class))):
            fold_of[of_class[index]] = position % n_folds
    splits = []
    for fold in range(n_folds):
        rest = [c for c in clips if fold_of[c.name] != fold]
        train, validation = _carve_validation(rest, validation_fraction, rng)
        splits.append(Split(train, validation, [c for c in clips if fold_of[c.name] == fold], []))
    return splits


SUBTYPE_DTYPES = {"PCM_U8": "uint8", "PCM_S8": "int8", "PCM_16": "int16", "PCM_24": "int24", "PCM_32": "int32",
                  "FLOAT": "float32", "DOUBLE": "float64"}  # fmt: skip


def wav_format(path: str | os.PathLike) -> tuple[int, int, str]:
    """Sample rate, channel count and sample type of an audio file, read from its header alone.

    Returns
    -------
    tuple
        ``(rate in Hz, channels, sample type)``, e.g. ``(16000, 1, "int16")``; the
        type is libsndfile's subtype name where it is not plain PCM or float.
    """
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as err:
        raise CatDogError(f"{path}: not a readable audio file ({err})") from None
    return int(info.samplerate), int(info.channels), SUBTYPE_DTYPES.get(info.subtype, info.subtype)


def format_census(data_dir: str | os.PathLike | None = None) -> dict[tuple[int, int, str], int]:
    """How many of the dataset's WAV files share each (rate, channels, dtype) format."""
    census: dict[tuple[int, int, str], int] = {}
    for path in sorted((find_data_dir(data_dir) / AUDIO_FOLDER).glob("*.wav")):
        key = wav_format(path)
        census[key] = census.get(key, 0) + 1
    return census


def split_summary(split: Split) -> list[dict[str, object]]:
    """Files and seconds of audio per side and class, one row each.

    Returns
    -------
    list of dict
        Rows ``{"side", "class", "files", "seconds"}`` for train, validation, test.
    """
    rows = []
    for side in ("train", "validation", "test"):
        clips = getattr(split, side)
        for label, name in enumerate(LABELS):
            secs = [c.seconds for c in clips if c.label == label]
            rows.append({"side": side, "class": name, "files": len(secs), "seconds": round(sum(secs), 1)})
    return rows
