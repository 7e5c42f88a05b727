"""Predicting recordings as users bring them, without TensorFlow: LiteRT on windows streamed from the file.

A recording is read in blocks (:class:`~catdog_cnn.sound.audio.AudioReader`), cut
into consecutive one-second windows as the blocks arrive, and each window that
is loud enough is scaled as the model was trained and classified by the
committed LiteRT twin of the model (``model.tflite`` beside ``model.keras``).
Memory stays bounded whatever the length of the file.

The rule for sound: a window is *audible* when, with its constant (DC) offset
removed, its RMS level reaches :data:`~catdog_cnn.config.SILENCE_DBFS` and at
least :data:`~catdog_cnn.config.MIN_SOUND_SECONDS` of it, in frames of
:data:`~catdog_cnn.config.SOUND_FRAME_SECONDS`, each with its own offset
removed, reach that level too. Any other window is *silent*: it is not called
cat or dog (its entry in ``segments`` is None) and does not count in the file's
p(dog). So a constant offset, a click of a few samples or a few milliseconds of
sound get no verdict. A file with no audible window gets ``label`` None and a
``note`` saying so. A file shorter than one window is zero-padded into one and
flagged ``padded``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..config import (
    LONG_INPUT_SECONDS,
    MIN_SOUND_SECONDS,
    SAMPLE_RATE,
    SEGMENT,
    SILENCE_DBFS,
    SOUND_FRAME_SECONDS,
    CatDogError,
)
from ..sound.audio import AudioReader, Source
from ..sound.data import LABELS
from ..sound.windows import peak_normalize
from .spec import run_folder, window_options

__all__ = ["Predictor", "level_dbfs", "sound_seconds", "audible", "spooled", "run_options", "load_predictor",
           "predict_recording"]  # fmt: skip

Predictor = Callable[[np.ndarray], np.ndarray]
PREDICT_BATCH = 256  # windows classified per call while a file streams in


def level_dbfs(windows: np.ndarray) -> np.ndarray:
    """RMS level of every row of ``windows`` (shape (n, segment)) in dB relative to full scale; -inf for zeros."""
    rms = np.sqrt(np.mean(np.square(windows, dtype=np.float64), axis=-1))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(rms)


def sound_seconds(
    windows: np.ndarray,
    *,
    silence_dbfs: float = SILENCE_DBFS,
    frame_seconds: float = SOUND_FRAME_SECONDS,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Seconds of every row of ``windows`` spent in frames whose level, each frame's offset removed, reaches
    ``silence_dbfs``."""
    frame = max(1, round(frame_seconds * sample_rate))
    n = windows.shape[-1] // frame
    frames = windows[:, : n * frame].reshape(len(windows), n, frame).astype(np.float64)
    frames -= frames.mean(axis=-1, keepdims=True)
    return (level_dbfs(frames) >= silence_dbfs).sum(axis=-1) * frame / sample_rate


def audible(
    windows: np.ndarray,
    *,
    silence_dbfs: float = SILENCE_DBFS,
    min_sound_seconds: float = MIN_SOUND_SECONDS,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Which rows of ``windows`` (shape (n, segment)) hold sound enough to be judged (the module's rule)."""
    offset_free = windows - windows.mean(axis=-1, keepdims=True, dtype=np.float64)
    loud = level_dbfs(offset_free) >= silence_dbfs
    sound = sound_seconds(windows, silence_dbfs=silence_dbfs, sample_rate=sample_rate)
    return loud & (sound >= min_sound_seconds - 1e-9)


def run_options(run_dir: str | os.PathLike) -> dict[str, Any]:
    """How a run folder's model scales and selects its windows (``normalization``, ``min_peak``), from its
    inference spec (:func:`~catdog_cnn.serve.spec.window_options`).

    ``run_dir`` may also name a model file in the folder.
    """
    return window_options(run_dir)


def load_predictor(run_dir: str | os.PathLike) -> Predictor:
    """The LiteRT model of a run folder, as a numpy-in, numpy-out probability function.

    Raises
    ------
    CatDogError
        If the folder has no ``model.tflite``, or one that is stale or corrupted (see
        :func:`~catdog_cnn.serve.manifest.verified`); the message gives the command that makes it.
    """
    from .litert import LiteRTPredictor
    from .manifest import LITERT_FILE, read_verified

    tflite = run_folder(run_dir) / LITERT_FILE
    if not tflite.is_file():
        raise CatDogError(
            f"{tflite}: no LiteRT model; make it with `catdog-cnn export-litert --model {tflite.parent}` "
            "or predict with `--runtime keras`."
        )
    return LiteRTPredictor(read_verified(tflite.parent, LITERT_FILE))


def _windows(blocks: Iterable[np.ndarray], segment: int) -> Iterator[np.ndarray]:
    """Consecutive whole windows, stacked per block, shape (k, segment); a recording shorter than one is zero-padded."""
    carry = np.zeros(0, dtype=np.float32)
    seen = 0
    for block in blocks:
        carry = np.concatenate([carry, block])
        n = len(carry) // segment
        if n:
            seen += n
            yield carry[: n * segment].reshape(n, segment)
            carry = carry[n * segment :]
    if not seen and len(carry):
        yield np.pad(carry, (0, segment - len(carry)))[None]


class _Blocks:
    """Passes blocks through, counting their samples and moving a progress bar (seconds of audio) if there is one."""

    def __init__(self, blocks: Iterator[np.ndarray], bar: Any, sample_rate: int) -> None:
        self.blocks, self.bar, self.sample_rate, self.samples = blocks, bar, sample_rate, 0

    def __iter__(self) -> Iterator[np.ndarray]:
        for block in self.blocks:
            self.samples += len(block)
            if self.bar is not None:
                self.bar.update(min(self.samples / self.sample_rate, self.bar.total) - self.bar.n)
            yield block


def _progress_bar(reader: AudioReader, quiet: bool) -> Any:
    """A tqdm bar on stderr for an input longer than a minute, else None."""
    if quiet or not reader.seconds or reader.seconds <= LONG_INPUT_SECONDS:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=round(reader.seconds), unit="s", desc=reader.name, file=sys.stderr, leave=False)


@contextlib.contextmanager
def spooled(source: Source) -> Iterator[Path]:
    """A temporary file holding what ``source`` (a stream, or a path to a pipe) sends, copied in chunks."""
    with tempfile.TemporaryDirectory(prefix="catdog-cnn-") as tmp:
        copy = Path(tmp) / "input"
        stream = open(source, "rb") if isinstance(source, (str, os.PathLike)) else contextlib.nullcontext(source)
        with stream as f, open(copy, "wb") as out:
            shutil.copyfileobj(f, out)
        yield copy


def _peak(source: Source, name: str) -> float:
    """The recording's absolute peak, read in a first pass (for ``min_peak``)."""
    with AudioReader(source, name=name) as reader:
        peak = max((float(np.abs(b).max()) for b in reader.blocks() if len(b)), default=0.0)
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
    return min(peak, 1.0)


def predict_recording(
    predict: Predictor,
    source: Source,
    *,
    name: str | None = None,
    normalization: str = "window",
    min_peak: float = 0.0,
    silence_dbfs: float = SILENCE_DBFS,
    segment: int = SEGMENT,
    sample_rate: int = SAMPLE_RATE,
    quiet: bool = False,
    observe: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> dict[str, Any]:
    """Classify one recording, streaming it through ``predict`` window by window.

    Parameters
    ----------
    predict : callable
        Windows of shape (n, segment, 1) to p(dog), shape (n,): :func:`load_predictor`'s
        function or :func:`~catdog_cnn.nets.runs.predictor` of a Keras model.
    source : path or binary file
        Anything :class:`~catdog_cnn.sound.audio.AudioReader` reads.
    normalization, min_peak
        As the model was trained (:func:`run_options`); see :func:`~catdog_cnn.sound.windows.clip_windows`.
    silence_dbfs : float
        Windows whose RMS level is below this are silent: not classified.
    quiet : bool
        No progress bar (otherwise one on stderr for inputs longer than a minute).
    observe : callable, optional
        Called as ``observe(indices, windows)`` with each batch of audible windows as the model sees
        them (scaled), and their indices in the recording, while the recording streams.

    Returns
    -------
    dict
        ``label`` ("cat", "dog", or None when nothing is audible), ``p_dog`` (mean over the
        audible windows, or None), ``segments`` (per window, in order: p(dog), or None for a
        silent one), ``seconds`` (duration), ``silent_windows``, ``padded`` (shorter than one
        window, so zero-padded), ``ended_early`` (fewer samples than the header promised) and
        ``note`` (a sentence on any of these, or None).

    Raises
    ------
    CatDogError
        If the recording cannot be read (see :class:`~catdog_cnn.sound.audio.AudioReader`) or holds no samples.
    """
    if normalization not in ("window", "none"):
        raise CatDogError(f"evaluation normalization must be 'window' or 'none', not {normalization!r}")
    name = name or str(source)
    if min_peak > 0 and not (isinstance(source, (str, os.PathLike)) and Path(source).is_file()):
        with spooled(source) as copy:  # two passes over a stream: through a file on disk, never in memory
            return predict_recording(predict, copy, name=name, normalization=normalization, min_peak=min_peak,
                                     silence_dbfs=silence_dbfs, segment=segment, sample_rate=sample_rate,
                                     quiet=quiet, observe=observe)  # fmt: skip
    peak = _peak(source, name) if min_peak > 0 else None
    segments: list[float | None] = []
    with AudioReader(source, name=name) as reader:
        bar = _progress_bar(reader, quiet)
        blocks = _Blocks(reader.blocks(sample_rate=sample_rate), bar, sample_rate)
        for windows in _windows(blocks, segment):
            windows = np.clip(windows, -1.0, 1.0)
            p, x, chosen = _classify(predict, windows, normalization, peak, min_peak, silence_dbfs)
            if observe is not None and len(chosen):
                observe(len(segments) + chosen, x)
            segments.extend(p)
        if bar is not None:
            bar.close()
    if blocks.samples == 0:
        raise CatDogError(f"{name}: the file holds no audio samples.")
    return _summary(
        segments,
        seconds=blocks.samples / sample_rate,
        padded=blocks.samples < segment,
        ended_early=reader.ended_early,
        silence_dbfs=silence_dbfs,
        window_seconds=segment / sample_rate,
    )


def _classify(
    predict: Predictor, windows: np.ndarray, normalization: str, peak: float | None, min_peak: float, silence: float
) -> tuple[list[float | None], np.ndarray, np.ndarray]:
    """p(dog) of every audible window of ``windows`` (shape (n, segment)), None for the others; and the
    audible windows as the model saw them, with their indices in ``windows``."""
    judged = audible(windows, silence_dbfs=silence)
    if peak is not None:
        judged &= np.abs(windows).max(axis=1) >= min_peak * peak
    chosen = np.flatnonzero(judged)
    x = windows[chosen]
    if normalization == "window":
        x = peak_normalize(x)
    p = np.full(len(windows), np.nan)
    for i in range(0, len(x), PREDICT_BATCH):
        batch = x[i : i + PREDICT_BATCH, :, None].astype(np.float32)
        p[chosen[i : i + PREDICT_BATCH]] = np.asarray(predict(batch), dtype=float).ravel()
    return [None if np.isnan(v) else round(float(v), 4) for v in p], x, chosen


def _summary(
    segments: list[float | None],
    *,
    seconds: float,
    padded: bool,
    ended_early: bool,
    silence_dbfs: float,
    window_seconds: float,
) -> dict[str, Any]:
    heard = [p for p in segments if p is not None]
    p_dog = round(float(np.mean(heard)), 4) if heard else None  # the label follows the number shown
    notes = []
    rule = f"{MIN_SOUND_SECONDS:g} s above {silence_dbfs:g} dBFS"
    if not heard:
        notes.append(f"no sound to judge: no window holds {rule}")
    elif len(heard) < len(segments):
        notes.append(f"{len(segments) - len(heard)} of {len(segments)} windows silent (less than {rule})")
    if padded:
        notes.append(f"shorter than the {window_seconds:g} s window ({seconds:.2f} s): padded with silence")
    if ended_early:
        notes.append("the file ends before its header says: predicted what is there")
    return {
        "label": LABELS[int(p_dog > 0.5)] if p_dog is not None else None,
        "p_dog": p_dog,
        "segments": segments,
        "seconds": round(seconds, 3),
        "silent_windows": len(segments) - len(heard),
        "padded": padded,
        "ended_early": ended_early,
        "note": "; ".join(notes) or None,
    }
