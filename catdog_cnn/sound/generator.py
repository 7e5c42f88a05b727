"""Training windows drawn at random from the audio, and fixed evaluation windows.

Training follows the original notebook: per class, the training clips are
concatenated into one long stream, the stream is scaled, and 1-s windows are
drawn at random offsets, keeping only windows whose peak reaches a threshold.
Instead of drawing offsets one at a time and rejecting quiet ones, the peak of
every possible window is computed once (a running maximum), so a batch is one
vectorised draw among the offsets that pass: the same distribution, no loop.

How windows are scaled is an explicit choice (``normalization``):

``"class"``
    The original: each class's stream is divided by its own peak, so training
    loudness can differ by class (cats and dogs were recorded at different
    levels) while a test clip's class is unknown.
``"global"``
    Both streams are divided by one common peak.
``"window"``
    Every window is divided by its own peak, in training and at test time
    alike, so loudness carries no information. Each file is first scaled to
    its own peak, so the threshold selects the loud parts of every file, quiet
    recordings included.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.ndimage import maximum_filter1d

from .._keras import keras
from ..config import BATCH_SIZE, FEED_WORKERS, PEAK_THRESHOLD, SEGMENT, CatDogError
from .augment import Augmentation
from .data import LABELS, Clip
from .windows import EvalWindows, clip_windows, evaluation_windows, peak_normalize  # re-exported

__all__ = [
    "NORMALIZATIONS",
    "Augmentation",
    "WindowSampler",
    "SegmentBatches",
    "EvalWindows",
    "clip_windows",
    "evaluation_windows",
    "peak_normalize",
    "kept_fraction_curve",
    "level_by_class",
    "throughput",
]

NORMALIZATIONS = ("class", "global", "window")


def _file_scaled(audio: np.ndarray) -> np.ndarray:
    """``audio`` divided by its own peak, so the threshold is relative to each file."""
    peak = np.abs(audio).max()
    return audio / peak if peak > 0 else audio


def _resampled(stream: np.ndarray, starts: np.ndarray, rates: np.ndarray, segment: int) -> np.ndarray:
    """Windows read from ``starts`` at playback ``rates`` by linear interpolation, shape (n, segment)."""
    pos = starts[:, None] + np.arange(segment) * rates[:, None]
    pos = np.minimum(pos, len(stream) - 2)
    i = pos.astype(np.int64)
    frac = (pos - i).astype(np.float32)
    return stream[i] * (1 - frac) + stream[i + 1] * frac


def _window_peaks(stream: np.ndarray, segment: int) -> np.ndarray:
    """Peak |amplitude| of every window ``stream[i : i + segment]``, shape (n - segment + 1,)."""
    running = maximum_filter1d(np.abs(stream), size=segment)
    return running[segment // 2 : segment // 2 + len(stream) - segment + 1]


class WindowSampler:
    """Draws balanced batches of random 1-s windows from training clips.

    Parameters
    ----------
    clips : list of Clip
        Training clips of both classes.
    segment : int
        Window length in samples.
    threshold : float
        A window is kept when its peak reaches ``threshold`` after the stream
        is scaled (by its class peak for ``"class"`` and ``"window"``, by the
        common peak for ``"global"``): the original's rule.
    normalization : {"class", "global", "window"}
        How windows are scaled (see the module docstring).
    augmentation : Augmentation, optional
        Random changes applied to each drawn window before normalization.

    Windows are drawn among all kept offsets of a class, as in the original, so a long
    file gives more windows than a short one; a subclass may draw otherwise (:meth:`starts`).

    Raises
    ------
    CatDogError
        If a class has no clip, or no window of a class can reach the threshold.
    """

    def __init__(
        self,
        clips: list[Clip],
        *,
        segment: int = SEGMENT,
        threshold: float = PEAK_THRESHOLD,
        normalization: str = "class",
        augmentation: Augmentation | None = None,
    ) -> None:
        if normalization not in NORMALIZATIONS:
            raise CatDogError(f"normalization must be one of {NORMALIZATIONS}, not {normalization!r}")
        self.segment = segment
        self.normalization = normalization
        self.augmentation = augmentation
        self.streams: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self.file_starts: list[np.ndarray] = []  # per class: where each file begins in the class's stream
        for label, name in enumerate(LABELS):
            parts = [_file_scaled(c.audio) if normalization == "window" else c.audio for c in clips if c.label == label]
            if not parts:
                raise CatDogError(f"no {name} clip to draw training windows from")
            self.file_starts.append(np.cumsum([0] + [len(p) for p in parts[:-1]]))
            stream = np.concatenate(parts)
            if len(stream) < segment:
                stream = np.pad(stream, (0, segment - len(stream)))
            self.streams.append(stream)
        peaks = [np.abs(s).max() for s in self.streams]
        scales = {"class": peaks, "global": [max(peaks)] * 2, "window": peaks}[normalization]
        for label, (stream, scale) in enumerate(zip(self.streams, scales, strict=True)):
            stream /= scale if scale > 0 else 1.0
            offsets = np.flatnonzero(_window_peaks(stream, segment) >= threshold)
            if offsets.size == 0:
                raise CatDogError(
                    f"no {LABELS[label]} window reaches the peak threshold {threshold}; "
                    "lower the threshold or check that the audio is not silent"
                )
            self.offsets.append(offsets)

    def kept_fraction(self) -> list[float]:
        """Fraction of all possible window offsets of each class that pass the threshold."""
        return [len(o) / (len(s) - self.segment + 1) for o, s in zip(self.offsets, self.streams, strict=True)]

    def starts(self, label: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Where ``n`` windows of class ``label`` start in its stream: kept offsets, drawn uniformly."""
        return rng.choice(self.offsets[label], size=n)

    def batch(self, rng: np.random.Generator, batch_size: int = BATCH_SIZE) -> tuple[np.ndarray, np.ndarray]:
        """Draw one balanced batch.

        Returns
        -------
        x : np.ndarray, shape (batch_size, segment, 1)
            float32 windows.
        y : np.ndarray, shape (batch_size,)
            float32 labels (0 cat, 1 dog), half of each (the odd one out is a dog).
        """
        labels = rng.permutation(np.arange(batch_size) % 2).astype(np.float32)
        x = np.empty((batch_size, self.segment), np.float32)
        speed = self.augmentation.speed if self.augmentation else (1.0, 1.0)
        for label in (0, 1):
            rows = np.flatnonzero(labels == label)
            starts = self.starts(label, len(rows), rng)
            if speed == (1.0, 1.0):
                windows = np.lib.stride_tricks.sliding_window_view(self.streams[label], self.segment)
                x[rows] = windows[starts]  # one copy per window, no index array
            else:
                x[rows] = _resampled(self.streams[label], starts, rng.uniform(*speed, size=len(rows)), self.segment)
        if self.augmentation is not None:
            x, labels = self.augmentation(x, labels, rng)
        if self.normalization == "window":
            x = peak_normalize(x)
        return x[..., None], labels


class SegmentBatches(keras.utils.PyDataset):
    """``model.fit`` feed of ``steps`` random batches per epoch from a :class:`WindowSampler`.

    Batch ``i`` of epoch ``e`` is drawn from ``np.random.default_rng([seed, e, i])``,
    so the feed is repeatable whatever the order Keras asks for batches in.
    With ``fixed=True`` every epoch sees the same batches (a fixed validation set).
    ``workers`` threads prepare batches ahead of the network; the batches do not
    depend on it. With a single worker, Keras feeds the batches through a new
    ``tf.data`` iterator every epoch, which here stalled some epochs for 4-5 s.
    """

    def __init__(
        self,
        sampler: WindowSampler,
        *,
        steps: int,
        batch_size: int = BATCH_SIZE,
        seed: int = 0,
        fixed: bool = False,
        workers: int = FEED_WORKERS,
    ) -> None:
        super().__init__(workers=workers)
        self.sampler, self.steps, self.batch_size = sampler, steps, batch_size
        self.seed, self.fixed, self.epoch = seed, fixed, 0

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        epoch = 0 if self.fixed else self.epoch
        return self.sampler.batch(np.random.default_rng([self.seed, epoch, index]), self.batch_size)

    def on_epoch_end(self) -> None:
        self.epoch += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """This epoch's batches joined into one array of windows and one of labels."""
        windows, labels = zip(*(self[i] for i in range(len(self))), strict=True)
        return np.concatenate(windows), np.concatenate(labels)


def kept_fraction_curve(
    clips: list[Clip], thresholds: np.ndarray, *, normalization: str = "class", segment: int = SEGMENT
) -> np.ndarray:
    """Share of window offsets of each class that pass each peak threshold.

    Returns
    -------
    np.ndarray, shape (len(thresholds), 2)
        Columns cat, dog.
    """
    sampler = WindowSampler(clips, threshold=0.0, normalization=normalization, segment=segment)
    peaks = [_window_peaks(s, segment) for s in sampler.streams]
    return np.array([[np.mean(p >= t) for p in peaks] for t in thresholds])


def level_by_class(sampler: WindowSampler, *, n: int = 2048, seed: int = 0) -> dict[str, float]:
    """Median RMS level (dBFS) of ``n`` drawn windows of each class: what loudness tells the model.

    Returns
    -------
    dict
        ``{"cat": dB, "dog": dB}``.
    """
    x, y = sampler.batch(np.random.default_rng(seed), n)
    rms_db = 20 * np.log10(np.sqrt(np.mean(x[..., 0] ** 2, axis=1)) + 1e-12)
    return {name: round(float(np.median(rms_db[y == label])), 1) for label, name in enumerate(LABELS)}


def throughput(sampler: WindowSampler, *, n_batches: int = 200, batch_size: int = BATCH_SIZE) -> float:
    """Windows per second that ``sampler`` draws, timed over ``n_batches`` batches."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(n_batches):
        sampler.batch(rng, batch_size)
    return n_batches * batch_size / (time.perf_counter() - start)
