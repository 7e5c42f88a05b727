"""One self-contained HTML page that explains the model's answer for any recording (``catdog-cnn explain``).

The page holds the recording's waveform with p(dog) per second and the evidence over time, the most
decisive second through every block of the network, the pooled components with their weights, and audio
players: the recording, its decisive second, and what the components that decided want to hear. Images
and sounds are embedded, so the page can be mailed or opened anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the report draws off screen, whatever backend the caller had
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..config import (  # noqa: E402
    DEFAULT_MODEL,
    EXPLAIN_AUDIO_SECONDS,
    EXPLAIN_SOUNDS,
    MODELS_DIR,
    SAMPLE_RATE,
    SEGMENT,
)
from ..sound.audio import AudioReader, Source, wav_bytes  # noqa: E402
from . import figures  # noqa: E402
from .decide import (  # noqa: E402
    SLICE,
    Decision,
    class_activation,
    decision,
    layer_title,
    most_decisive_slice,
    spread_over_slices,
)
from .manifest import write_atomic  # noqa: E402
from .numpy_net import NUMPY_BATCH, Layer, forward_batch  # noqa: E402
from .predict import predict_recording, spooled  # noqa: E402
from .report_path import check_output  # noqa: E402
from .report_words import CSS, HOW_TO_READ, PAGE, WORDS  # noqa: E402
from .spec import PREPARE, load_spec, read_sounds, run_folder  # noqa: E402

__all__ = ["Explanation", "explain_recording", "report_html", "write_report", "check_output"]


@dataclass
class Explanation:
    """What the report shows of one recording.

    ``result`` is what ``predict`` returns; ``envelope`` the recording's peak amplitude per
    :data:`ENVELOPE_SECONDS`; ``excerpt`` the stretch of audio the report plays (at most
    :data:`~catdog_cnn.config.EXPLAIN_AUDIO_SECONDS`, around the decisive second), starting at
    ``excerpt_start`` seconds; ``evidence`` (n, slices) the evidence for dog per 50-ms slice (NaN for silent
    windows); ``decisive`` the index of the window that speaks most clearly for the answer, ``window`` that
    window as the model saw it and ``decisive_slice`` its most decisive 50 ms; ``layers`` its activations of
    every ReLU layer; ``terms`` its decision terms; ``deciders`` the components that pushed hardest for the
    answer, and ``sounds`` what each of them wants to hear. ``resolution_seconds`` is how far apart the
    evidence's own values are: one per step of the last feature map (about 1/3 s for m5), spread over the slices.
    """

    name: str
    model: str
    result: dict[str, Any]
    envelope: np.ndarray
    excerpt: np.ndarray
    excerpt_start: float
    evidence: np.ndarray
    decisive: int | None
    window: np.ndarray | None
    decisive_slice: int | None
    layers: dict[str, np.ndarray]
    terms: Decision | None
    deciders: list[int]
    sounds: dict[int, np.ndarray]
    resolution_seconds: float | None = None


ENVELOPE_SECONDS = 0.01  # the report's waveform is drawn from the peak of every 10 ms


class _Evidence:
    """The NumPy network as ``predict`` calls it, keeping, while a recording streams, every audible window's
    evidence and the windows that speak most for dog and for cat, so that no more than a batch is ever held."""

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = layers
        self.rows: dict[int, np.ndarray] = {}
        self.best: dict[float, tuple[float, int, np.ndarray]] = {}  # toward -> (score, index, window)
        self.cam = np.zeros((0, 0))

    def predict(self, windows: np.ndarray) -> np.ndarray:
        """p(dog) of ``windows``; their class-activation maps are kept for :meth:`__call__`."""
        cams, p = [], []
        for i in range(0, len(windows), NUMPY_BATCH):
            acts = forward_batch(self.layers, windows[i : i + NUMPY_BATCH])
            cams.append(class_activation(self.layers, acts))
            p.append(acts[self.layers[-1].name][:, 0])
        self.cam = np.concatenate(cams) if cams else np.zeros((0, 0))
        return np.concatenate(p) if p else np.zeros(0)

    def __call__(self, indices: np.ndarray, windows: np.ndarray) -> None:
        evidence = spread_over_slices(self.cam, windows.shape[1])  # the windows ``predict`` was just given
        for i, row, window in zip(indices, evidence, windows, strict=True):
            self.rows[int(i)] = row
            for toward in (1.0, -1.0):  # ties go to the earlier window, as argmax would
                if toward not in self.best or toward * row.sum() > self.best[toward][0]:
                    self.best[toward] = (toward * float(row.sum()), int(i), np.array(window).ravel())

    def table(self, n: int) -> np.ndarray:
        out = np.full((n, SEGMENT // SLICE), np.nan)
        for i, row in self.rows.items():
            out[i] = row
        return out


def _second_pass(source: Source, decisive: int, *, seconds: float = EXPLAIN_AUDIO_SECONDS
                 ) -> tuple[np.ndarray, np.ndarray, float]:  # fmt: skip
    """The recording's peak envelope, and the excerpt of at most ``seconds`` around window ``decisive``."""
    step = round(ENVELOPE_SECONDS * SAMPLE_RATE)
    half = int(seconds * SAMPLE_RATE / 2)
    with AudioReader(source) as reader:
        total = round(reader.seconds * SAMPLE_RATE) if reader.seconds else None
        start = max(0, decisive * SEGMENT - half)
        if total is not None:
            start = max(0, min(start, total - 2 * half))
        peaks, excerpt, carry, at = [], [], np.zeros(0, np.float32), 0
        for block in reader.blocks():
            block = np.clip(block, -1.0, 1.0)
            lo, hi = max(start - at, 0), min(start + 2 * half - at, len(block))
            if lo < hi:
                excerpt.append(block[lo:hi])
            at += len(block)
            carry = np.concatenate([carry, np.abs(block)])
            n = len(carry) // step
            peaks.append(carry[: n * step].reshape(n, step).max(axis=1))
            carry = carry[n * step :]
    if len(carry):
        peaks.append(carry.max(keepdims=True))
    clip = np.concatenate(excerpt) if excerpt else np.zeros(0, np.float32)
    return np.concatenate(peaks) if peaks else np.zeros(0, np.float32), clip, start / SAMPLE_RATE


def explain_recording(
    source: Source,
    model_dir: str | os.PathLike = DEFAULT_MODEL,
    *,
    sounds: int = EXPLAIN_SOUNDS,
    progress: Callable[[str], None] | None = None,
) -> Explanation:
    """Predict ``source`` with the NumPy network of ``model_dir``'s inference spec and gather everything the
    report shows (no TensorFlow).

    The recording is read twice, as a stream each time (a pipe is first copied to a temporary file), so
    memory stays bounded whatever its length: once to score every window and its evidence, once for the
    waveform's envelope and the excerpt the report plays. ``sounds`` deciding components get their sound
    from the run folder's ``sounds.npz`` (none if it has no such file); 0 plays none. ``progress`` is called
    with a line before each stage.
    """
    say = progress or (lambda line: None)
    if not (isinstance(source, (str, os.PathLike)) and Path(source).is_file()):
        with spooled(source) as copy:
            e = explain_recording(copy, model_dir, sounds=sounds, progress=progress)
        e.name = str(source)
        return e
    say("loading the model")
    spec = load_spec(model_dir)
    say("scoring every second of the recording")
    evidence = _Evidence(spec.layers)
    result = predict_recording(evidence.predict, source, name=str(source), normalization=spec.normalization,
                               min_peak=spec.min_peak, observe=evidence)  # fmt: skip
    table = evidence.table(len(result["segments"]))
    if result["label"] is None:
        envelope, excerpt, start = _second_pass(source, 0)
        return Explanation(str(source), str(model_dir), result, envelope, excerpt, start, table, None, None, None,
                           {}, None, [], {})  # fmt: skip
    toward = 1.0 if result["label"] == "dog" else -1.0
    _, decisive, window = evidence.best[toward]
    say(f"peeling the most decisive second ({decisive} s to {decisive + 1} s)")
    acts = forward_batch(spec.layers, window[None])
    terms = decision(spec.layers, acts)
    deciders = [int(i) for i in np.argsort(-toward * terms.contributions[0], kind="stable")[:sounds]]
    wanted = read_sounds(model_dir) if deciders else None
    if deciders and wanted is None:
        make = PREPARE.format(folder=run_folder(model_dir))
        say(f"no sounds of the components in the folder (write them with `{make}`)")
    heard = {i: wanted[i] for i in deciders} if wanted is not None else {}
    layers = {name: a[0] for name, a in acts.items() if name.startswith("relu_")}
    decisive_slice = most_decisive_slice(spec.layers, window)
    say("reading the recording again for its waveform and the excerpt to play")
    envelope, excerpt, start = _second_pass(source, decisive)
    resolution = 1 / class_activation(spec.layers, acts).shape[1]
    return Explanation(
        str(source), str(model_dir), result, envelope, excerpt, start, table, decisive, window, decisive_slice,
        layers, terms, deciders, heard, resolution,
    )  # fmt: skip


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _wav(samples: np.ndarray) -> str:
    return "data:audio/wav;base64," + base64.b64encode(wav_bytes(samples)).decode()


def _player(label: str, samples: np.ndarray) -> str:
    player = f'<audio controls src="{_wav(samples)}"></audio>'
    return f"<figure><figcaption>{html.escape(label)}</figcaption>{player}</figure>"


def _components_figure(terms: Decision) -> Figure:
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.4), layout="constrained", sharex=True)
    figures.components(terms.pooled[0], ax=axes[0], title="pooled components g", ylabel="mean output")
    figures.components(terms.weights, ax=axes[1], title="weights w of the sigmoid unit", ylabel="weight")
    figures.components(terms.contributions[0], ax=axes[2], title="w × g: each component's push towards dog",
                     ylabel="logit units")  # fmt: skip
    for ax in axes[:2]:
        ax.set_xlabel("")
    return fig


def _model_name(model_dir: str) -> str:
    """A committed model by its name in the package (``catdog_cnn/models/m5``), any other by its path."""
    path = Path(model_dir).resolve()
    return f"catdog_cnn/models/{path.name}" if path.parent == MODELS_DIR.resolve() else str(model_dir)


def _summary_rows(e: Explanation) -> str:
    r = e.result
    rows = {
        "recording": e.name,
        "model": _model_name(e.model),
        "answer": r["label"] or "nothing audible",
        "p(dog), mean over audible seconds": "n/a" if r["p_dog"] is None else f"{r['p_dog']:.3f}",
        "duration": f"{r['seconds']:.2f} s, {len(r['segments'])} windows of 1 s, {r['silent_windows']} silent",
        "note": r["note"] or "",
    }
    tail = r["seconds"] - len(r["segments"]) * SEGMENT / SAMPLE_RATE
    if tail > 0.005:
        rows["not scored"] = f"the last {tail:.2f} s: shorter than a window, so no window covers it"
    return "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())


def _how_to_read(text: str) -> str:
    return f'<p class="how">{html.escape(text)}</p>'


def _overview_section(e: Explanation) -> list[str]:
    overview = figures.recording_overview(e.envelope, e.result["segments"], e.evidence, highlight=e.decisive,
                                        sample_rate=round(1 / ENVELOPE_SECONDS),
                                        resolution_seconds=e.resolution_seconds)  # fmt: skip
    end = e.excerpt_start + len(e.excerpt) / SAMPLE_RATE
    return [
        "<h2>Where the evidence sits</h2>",
        _how_to_read(HOW_TO_READ["overview"]),
        f'<img alt="waveform, p(dog) per second and the evidence over time" src="{_png(overview)}">',
        _player(f"the recording, {e.excerpt_start:.0f} s to {end:.0f} s", e.excerpt),
    ]


def _decisive_section(e: Explanation, terms: Decision, decisive: int, window: np.ndarray) -> list[str]:
    slice_ms = int(SLICE / SAMPLE_RATE * 1000)
    layers = figures.layer_stack(e.layers, titles={n: layer_title(n) for n in e.layers})
    return [
        f"<h2>The most decisive second: {decisive} s to {decisive + 1} s</h2>",
        f"<p>Its logit is {terms.logit[0]:.2f} (p(dog) {terms.p_dog[0]:.3f}). Silencing its "
        f"{slice_ms} ms from {(e.decisive_slice or 0) * slice_ms} ms on moves the decision most.</p>",
        _player("the decisive second, as the model hears it (scaled to its peak)", window),
        _how_to_read(HOW_TO_READ["layers"]),
        f'<img alt="the decisive second through every block" src="{_png(layers)}">',
        "<h2>The pooled components and their weights</h2>",
        _how_to_read(HOW_TO_READ["components"]),
        f"<p>The logit is the sum of the bottom row plus the unit's bias ({terms.bias:.2f}): exactly, "
        "for a globally average-pooled network.</p>",
        f'<img alt="pooled components, weights and their products" src="{_png(_components_figure(terms))}">',
    ]


def _sounds_section(e: Explanation, terms: Decision) -> list[str]:
    if not e.sounds:
        return []
    intro = (
        "<h2>What the deciding components want to hear</h2><p>Each sound was found by gradient ascent on the "
        "waveform, from quiet noise (catdog_cnn.look.hear.wants_to_hear).</p>" + _how_to_read(HOW_TO_READ["sounds"])
    )
    push = terms.contributions[0]
    return [intro] + [_player(f"component {i + 1} (push {push[i]:+.2f})", s) for i, s in e.sounds.items()]


def report_html(e: Explanation) -> str:
    """The report page of an :class:`Explanation`, as one HTML string with everything embedded."""
    title = html.escape(Path(e.name).name)
    parts = [
        f"<h1>Why {title} is {html.escape(e.result['label'] or 'neither')}</h1>",
        f"<table>{_summary_rows(e)}</table>",
    ]
    parts += _overview_section(e)
    words = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in WORDS.items())
    if e.terms is not None and e.decisive is not None and e.window is not None:
        parts += _decisive_section(e, e.terms, e.decisive, e.window) + _sounds_section(e, e.terms)
    parts.append(f"<h2>Words used here</h2><dl>{words}</dl>")
    return PAGE.format(title=title, css=CSS, body="\n".join(parts))


def write_report(source: Source, out: str | os.PathLike, model_dir: str | os.PathLike = DEFAULT_MODEL, *,
                 force: bool = False, **options: Any) -> Path:  # fmt: skip
    """Explain ``source`` (see :func:`explain_recording`) and write the page to ``out``; returns its path.

    ``out`` is checked first (:func:`check_output`), and written atomically.
    """
    path = check_output(out, source, force=force)
    page = report_html(explain_recording(source, model_dir, **options))
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, page)
