"""One self-contained HTML page that explains the model's answer for any recording (``catdog-cnn explain``).

The page holds the recording's waveform with p(dog) per second and the evidence per 50 ms, the most
decisive second through every block of the network, the pooled components with their weights, and audio
players: the recording, its decisive second, and what the components that decided want to hear. Images
and sounds are embedded, so the page can be mailed or opened anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the report draws off screen, whatever backend the caller had
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import attribution, plots  # noqa: E402
from .audio import load_audio, wav_bytes  # noqa: E402
from .config import (  # noqa: E402
    DEFAULT_MODEL,
    EXPLAIN_AUDIO_SECONDS,
    EXPLAIN_SOUNDS,
    MODELS_DIR,
    SAMPLE_RATE,
    SEGMENT,
)
from .hear import ASCENT_STEPS, wants_to_hear  # noqa: E402
from .peel import Decision, activations, decision, feature_layer, layer_title  # noqa: E402
from .predict import predict_recording, run_options  # noqa: E402
from .runs import load_run, predictor  # noqa: E402
from .windows import clip_windows, peak_normalize  # noqa: E402

__all__ = ["Explanation", "explain_recording", "report_html", "write_report"]


@dataclass
class Explanation:
    """What the report shows of one recording.

    ``result`` is what ``predict`` returns; ``windows`` (n, segment) the windows as the model saw them;
    ``evidence`` (n, slices) the evidence for dog per 50 ms (NaN for silent windows); ``decisive`` the index
    of the window that speaks most clearly for the answer, ``decisive_slice`` its most decisive 50 ms;
    ``layers`` that window's activations of every ReLU layer; ``terms`` its decision terms; ``deciders``
    the components that pushed hardest for the answer, and ``sounds`` what each of them wants to hear.
    """

    name: str
    model: str
    result: dict[str, Any]
    audio: np.ndarray
    windows: np.ndarray
    evidence: np.ndarray
    decisive: int | None
    decisive_slice: int | None
    layers: dict[str, np.ndarray]
    terms: Decision | None
    deciders: list[int]
    sounds: dict[int, np.ndarray]


def explain_recording(
    source: str | os.PathLike,
    model_dir: str | os.PathLike = DEFAULT_MODEL,
    *,
    sounds: int = EXPLAIN_SOUNDS,
    steps: int = ASCENT_STEPS,
) -> Explanation:
    """Predict ``source`` with the Keras model of ``model_dir`` and gather everything the report shows.

    ``sounds`` deciding components get a sound of their own, each found by ``steps`` steps of
    :func:`~catdog_cnn.hear.wants_to_hear`; 0 skips them (the slowest part).
    """
    model, _ = load_run(model_dir)
    options = run_options(model_dir)
    result = predict_recording(predictor(model), source, **options, quiet=True)
    audio = np.clip(load_audio(source), -1.0, 1.0)
    windows = clip_windows(audio, normalization="none")  # one per segment, as predict cut them
    if options["normalization"] == "window":
        windows = peak_normalize(windows)
    audible = np.array([p is not None for p in result["segments"]])
    evidence = np.full((len(windows), SEGMENT // attribution.SLICE), np.nan)
    if audible.any():
        evidence[audible] = attribution.dog_evidence(model, windows[audible, :, None])
    if result["label"] is None:
        return Explanation(str(source), str(model_dir), result, audio, windows, evidence, None, None, {}, None, [], {})
    toward = 1.0 if result["label"] == "dog" else -1.0
    score = np.where(audible, toward * np.nan_to_num(evidence).sum(axis=1), -np.inf)
    decisive = int(np.argmax(score))
    window = windows[decisive][None, :, None]
    acts = activations(model, window)
    terms = decision(model, window, acts=acts)
    deciders = [int(i) for i in np.argsort(-toward * terms.contributions[0], kind="stable")[:sounds]]
    heard = {i: wants_to_hear(model, layer=feature_layer(model), unit=i, steps=steps) for i in deciders if steps > 0}
    layers = {name: a[0] for name, a in acts.items() if name.startswith("relu_")}
    decisive_slice = attribution.most_decisive_slice(model, windows[decisive])
    return Explanation(
        str(source), str(model_dir), result, audio, windows, evidence, decisive, decisive_slice, layers, terms,
        deciders, heard,
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
    plots.components(terms.pooled[0], ax=axes[0], title="pooled components g", ylabel="mean output")
    plots.components(terms.weights, ax=axes[1], title="weights w of the sigmoid unit", ylabel="weight")
    plots.components(terms.contributions[0], ax=axes[2], title="w × g: each component's push towards dog",
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
    return "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())


CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
img{max-width:100%}table{border-collapse:collapse}th,td{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}
figure{display:inline-block;margin:.5em 1.5em .5em 0}figcaption{font-size:.9em;color:#555}"""


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>catdog-cnn: {title}</title><style>{css}</style></head>
<body>
{body}
</body></html>
"""


def _overview_section(e: Explanation) -> list[str]:
    overview = plots.recording_overview(e.audio, e.result["segments"], e.evidence, highlight=e.decisive)
    half = int(EXPLAIN_AUDIO_SECONDS * SAMPLE_RATE / 2)
    start = max(0, min(int(e.decisive or 0) * SEGMENT - half, len(e.audio) - 2 * half))
    end = min(len(e.audio), start + 2 * half)
    return [
        "<h2>Where the evidence sits</h2>",
        f'<img alt="waveform, p(dog) per second and evidence per 50 ms" src="{_png(overview)}">',
        _player(f"the recording, {start / SAMPLE_RATE:.0f} s to {end / SAMPLE_RATE:.0f} s", e.audio[start:end]),
    ]


def _decisive_section(e: Explanation, terms: Decision, decisive: int) -> list[str]:
    slice_ms = int(attribution.SLICE / SAMPLE_RATE * 1000)
    layers = plots.layer_stack(e.layers, titles={n: layer_title(n) for n in e.layers})
    return [
        f"<h2>The most decisive second: {decisive} s to {decisive + 1} s</h2>",
        f"<p>Its logit is {terms.logit[0]:.2f} (p(dog) {terms.p_dog[0]:.3f}). Silencing its "
        f"{slice_ms} ms from {(e.decisive_slice or 0) * slice_ms} ms on moves the decision most.</p>",
        _player("the decisive second, as the model hears it (scaled to its peak)", e.windows[decisive]),
        f'<img alt="the decisive second through every block" src="{_png(layers)}">',
        "<h2>The pooled components and their weights</h2>",
        f"<p>The logit is the sum of the bottom row plus the unit's bias ({terms.bias:.2f}): exactly, "
        "for a globally average-pooled network.</p>",
        f'<img alt="pooled components, weights and their products" src="{_png(_components_figure(terms))}">',
    ]


def _sounds_section(e: Explanation, terms: Decision) -> list[str]:
    if not e.sounds:
        return []
    intro = (
        "<h2>What the deciding components want to hear</h2><p>Each sound was found by gradient ascent on the "
        "waveform, from quiet noise (catdog_cnn.hear.wants_to_hear).</p>"
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
    if e.terms is not None and e.decisive is not None:
        parts += _decisive_section(e, e.terms, e.decisive) + _sounds_section(e, e.terms)
    return PAGE.format(title=title, css=CSS, body="\n".join(parts))


def write_report(source: str | os.PathLike, out: str | os.PathLike, model_dir: str | os.PathLike = DEFAULT_MODEL,
                 **options: Any) -> Path:  # fmt: skip
    """Explain ``source`` (see :func:`explain_recording`) and write the page to ``out``; returns its path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(explain_recording(source, model_dir, **options)), encoding="utf-8")
    return path
