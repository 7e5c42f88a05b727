"""Interactive explorers (ipywidgets 8): slide through windows and peel the network's layers.

The explorer computes a window's activations once when the sample changes and
redraws by updating existing artists of one Matplotlib figure, rendered into a
fixed-size image widget: no flicker, and every redraw is timed. The model can be
switched (the committed ones, or any run folder), and the windows can be the test
windows or the seconds of a recording of the user's own (a path or an upload).
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import ipywidgets as w
import numpy as np

from .._keras import keras
from ..config import EXPLORER_MAX_SECONDS, SAMPLE_RATE, CatDogError
from ..nets.runs import load_run
from ..serve.predict import run_options
from ..sound.audio import load_audio, wav_bytes  # wav_bytes re-exported: the explorer's player plays it
from ..sound.data import LABELS
from ..sound.windows import EvalWindows, clip_windows
from .attribution import SLICE
from .explorer_figure import ExplorerFigure, Shown
from .hear import wants_to_hear
from .peel import (
    activation_model,
    activations,
    class_activation,
    decision,
    feature_layer,
    frequency_responses,
    layer_title,
    peelable_layers,
    sigmoid_unit,
)

__all__ = ["LayerExplorer", "kernel_slider", "wav_bytes", "recording_windows"]

HEAR_STEPS = 128  # gradient steps when the explorer finds what a unit wants to hear (a few seconds)


def recording_windows(audio: np.ndarray, name: str, *, normalization: str = "window") -> EvalWindows:
    """The 1-s windows of a user's recording as :class:`~catdog_cnn.sound.windows.EvalWindows`, its label
    unknown (NaN)."""
    x = clip_windows(np.clip(audio, -1.0, 1.0), normalization=normalization)
    return EvalWindows(x[..., None].astype(np.float32), np.full(len(x), np.nan, np.float32),
                       np.zeros(len(x), int), [name], np.array([-1]))  # fmt: skip


class LayerExplorer:
    """Sliders over windows and layers, with four views of what the network does, and the controls to change both.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`~catdog_cnn.nets.model.build_model`.
    windows : EvalWindows
        The test windows to explore (e.g. ``evaluation_windows(split.test)``).
    models : dict, optional
        Run folders the model menu offers, by name (e.g. the committed ``original`` and ``m5``).
    name : str, optional
        Which of ``models`` ``model`` is (else it is listed as "given model").

    Attributes
    ----------
    widget : ipywidgets.VBox
        What to display in the notebook.
    sample, layer, filter : ipywidgets controls
        Sample slider, layer slider (1 = first peelable layer; it shows the layer's name) and filter selector.
    figure : ExplorerFigure
        The picture, redrawn from a :class:`~catdog_cnn.look.explorer_figure.Shown` on every change.
    model_choice, model_path, recording_path, upload : ipywidgets controls
        The model menu, a run-folder box, a recording box and an upload button.
    redraw_seconds : list of float
        Duration of every redraw so far.
    decisive_slice : int
        The 50-ms slice of the shown window whose silencing moves the decision most (shaded).
    """

    def __init__(
        self,
        model: keras.Model,
        windows: EvalWindows,
        *,
        models: dict[str, str | os.PathLike] | None = None,
        name: str | None = None,
    ) -> None:
        self.test_windows = self.windows = windows
        self.paths = {k: Path(v) for k, v in (models or {}).items()}
        self.name = name or "given model"
        self.loaded = {self.name: model}
        self.redraw_seconds: list[float] = []
        self._quiet = True  # no redraw while controls are being set up
        self._make_controls()
        self._set_model(model)
        self._quiet = False
        self.redraw()

    def _make_controls(self) -> None:
        wide = w.Layout(width="60%")
        self.sample = w.IntSlider(0, 0, max(len(self.windows.x) - 1, 0), description="sample",
                                  continuous_update=False, layout=wide)  # fmt: skip
        self.layer = w.IntSlider(1, 1, 1, readout=False, continuous_update=False, style={"description_width": "13em"},
                                 layout=wide)  # fmt: skip
        self.filter = w.Dropdown(options=[("all", -1)], value=-1, description="filter")
        self.model_choice = w.Dropdown(options=list(dict.fromkeys([self.name, *self.paths])), value=self.name,
                                       description="model")  # fmt: skip
        self.model_path = w.Text(placeholder="or a run folder", layout=w.Layout(width="16em"))
        self.model_button = w.Button(description="load model")
        self.recording_path = w.Text(placeholder="a recording of your own (path)", layout=w.Layout(width="20em"))
        self.recording_button = w.Button(description="load recording")
        self.upload = w.FileUpload(accept="audio/*,video/*", multiple=False, description="upload")
        self.test_button = w.Button(description="test windows")
        self.hear_button = w.Button(description="what it wants to hear", layout=w.Layout(width="13em"))
        self.info, self.message = w.HTML(), w.HTML()
        self.audio = w.Audio(format="wav", autoplay=False, loop=False)
        self.wanted = w.Audio(format="wav", autoplay=False, loop=False)
        self.image = w.Image(format="png", layout=w.Layout(width="900px", height="675px"))
        for control in (self.sample, self.layer, self.filter):
            control.observe(lambda _: self.redraw(), names="value")
        self.model_choice.observe(lambda change: self.choose_model(change["new"]), names="value")
        self.model_button.on_click(lambda _: self.load_model(self.model_path.value))
        self.recording_button.on_click(lambda _: self.load_recording(self.recording_path.value))
        self.upload.observe(lambda _: self._uploaded(), names="value")
        self.test_button.on_click(lambda _: self.set_windows(self.test_windows))
        self.hear_button.on_click(lambda _: self.hear())
        self.widget = w.VBox([
            w.HBox([self.model_choice, self.model_path, self.model_button]),
            w.HBox([self.test_button, self.recording_path, self.recording_button, self.upload]),
            w.HBox([self.sample, self.filter]), self.layer,
            w.HBox([self.info, self.audio]), w.HBox([self.hear_button, self.wanted]), self.message, self.image,
        ])  # fmt: skip
        self.widget.add_class("catdog-explorer")

    def _set_model(self, model: keras.Model) -> None:
        """Show ``model``: its layers on the slider, its filters in the menu, a figure of its shape."""
        quiet, self._quiet = self._quiet, True
        self.model, self.peeled = model, activation_model(model)
        names = peelable_layers(model)
        self.layers = names[: names.index(feature_layer(model)) + 1]
        self.weights, self.bias = sigmoid_unit(model)
        self.freqs, self.gain_db = frequency_responses(model)
        self.layer.max = len(self.layers)
        self.layer.value = min(self.layer.value, len(self.layers))
        self.layer.description = layer_title(self.layers[self.layer.value - 1])
        self.filter.options = [("all", -1)] + [(str(i + 1), i) for i in range(self.gain_db.shape[0])]
        self.filter.value = -1
        self._cached_sample = -1
        self.figure = ExplorerFigure(len(self.weights), self.freqs, self.gain_db, self.windows.x.shape[1])
        self._quiet = quiet

    def _say(self, text: str) -> None:
        self.message.value = f"<span style='color:#a00'>{text}</span>" if text else ""

    def choose_model(self, name: str) -> None:
        """Switch to the model named in the menu (loading its run folder the first time)."""
        try:
            if name not in self.loaded:
                self.loaded[name] = load_run(self.paths[name])[0]
        except CatDogError as err:
            self._say(str(err))
            return
        self.name = name
        self._set_model(self.loaded[name])
        self._say("")
        self.redraw()

    def load_model(self, path: str | os.PathLike) -> None:
        """Add the run folder ``path`` to the model menu and show its model."""
        folder = Path(path).expanduser()
        try:
            self.loaded[folder.name] = load_run(folder)[0]
        except CatDogError as err:
            self._say(str(err))
            return
        self.paths[folder.name] = folder
        self.model_choice.options = list(dict.fromkeys([*self.model_choice.options, folder.name]))
        self.model_choice.value = folder.name  # shows it, through choose_model
        self.choose_model(folder.name)

    def _normalization(self) -> str:
        return run_options(self.paths[self.name])["normalization"] if self.name in self.paths else "window"

    def load_recording(self, source: str | os.PathLike | io.BytesIO, name: str | None = None) -> None:
        """Explore the 1-s windows of a recording of the user's own (any format ``predict`` reads)."""
        name = name or str(source)
        try:
            audio = load_audio(source if isinstance(source, io.BytesIO) else Path(source).expanduser(), name=name,
                               max_seconds=EXPLORER_MAX_SECONDS)  # fmt: skip
            windows = recording_windows(audio, Path(name).name, normalization=self._normalization())
        except CatDogError as err:
            self._say(str(err))
            return
        cut = len(audio) >= EXPLORER_MAX_SECONDS * SAMPLE_RATE
        self._say(f"showing the first {EXPLORER_MAX_SECONDS / 60:g} minutes of the recording" if cut else "")
        self.set_windows(windows)

    def _uploaded(self) -> None:
        for item in self.upload.value:
            self.load_recording(io.BytesIO(bytes(item["content"])), name=item["name"])

    def set_windows(self, windows: EvalWindows) -> None:
        """Explore ``windows`` from the first."""
        quiet, self._quiet = self._quiet, True
        self.windows, self._cached_sample = windows, -1
        self.sample.value = 0
        self.sample.max = len(windows.x) - 1
        self._quiet = quiet
        self.redraw()

    def hear(self) -> None:
        """Put what the selected unit (or, with "all" filters, the dog output) wants to hear in the second player."""
        start = time.perf_counter()
        name = self.layers[self.layer.value - 1]
        unit = self.filter.value if self.filter.value >= 0 else None
        n_units = self._sample_activations()[name].shape[-1]
        if unit is not None and unit >= n_units:
            unit = None
        layer = name if unit is not None else "dense"
        self.wanted.value = wav_bytes(wants_to_hear(self.model, layer=layer, unit=unit, steps=HEAR_STEPS))
        what = f"filter {unit + 1} of {layer_title(name)}" if unit is not None else "the dog output"
        self.message.value = f"what {what} wants to hear ({time.perf_counter() - start:.1f} s to find)"

    def _sample_activations(self) -> dict[str, np.ndarray]:
        """The shown window's activations, and its most decisive 50 ms, computed once per window and model.

        The window and its copies with one 50-ms slice silenced go through the network in one batch; the
        slice whose silencing moves the logit furthest from the prediction is the most decisive.
        """
        if self.sample.value != self._cached_sample:
            x = self.windows.x[self.sample.value, :, 0]
            k = len(x) // SLICE
            batch = np.repeat(x[None], k + 1, axis=0)
            for j in range(k):
                batch[j + 1, j * SLICE : (j + 1) * SLICE] = 0
            acts = activations(self.model, batch[..., None], peeled=self.peeled)
            logit = acts["gap"] @ self.weights + self.bias
            self.decisive_slice = int(np.argmax((logit[0] - logit[1:]) * np.sign(logit[0] or 1.0)))
            self._acts = {name: a[:1] for name, a in acts.items()}
            self._cached_sample = self.sample.value
            self.audio.value = wav_bytes(x)
        return self._acts

    def redraw(self) -> None:
        """Bring the picture up to date with the controls, and time it."""
        if self._quiet:
            return
        start = time.perf_counter()
        acts = self._sample_activations()
        i, name = self.sample.value, self.layers[self.layer.value - 1]
        self.layer.description = layer_title(name)
        window = self.windows.x[i : i + 1]
        terms = decision(self.model, window, acts=acts)
        p = float(terms.p_dog[0])
        truth = "?" if np.isnan(self.windows.y[i]) else LABELS[int(self.windows.y[i])]
        file = self.windows.names[self.windows.clip[i]]
        left = self.decisive_slice * SLICE / SAMPLE_RATE * 1000
        where = f"{left:.0f}-{left + SLICE / SAMPLE_RATE * 1000:.0f} ms"
        n_filters = acts[name].shape[-1]
        self.image.value = self.figure.draw(Shown(
            window=window[0, :, 0], title=f"{file} (true: {truth}); p(dog) = {p:.2f}; most decisive: {where}",
            decisive_slice=self.decisive_slice, evidence=class_activation(self.model, window, acts=acts)[0],
            layer=name, activation=acts[name][0], filter=self.filter.value if self.filter.value < n_filters else -1,
            contributions=terms.contributions[0], bias=terms.bias,
        ))  # fmt: skip
        self.info.value = (
            f"<b>{file}</b> &nbsp; true: <b>{truth}</b> &nbsp; p(dog) = <b>{p:.3f}</b>"
            f" &nbsp; model: <b>{self.name}</b> &nbsp; layer: <b>{layer_title(name)}</b> ({name})"
        )
        self.redraw_seconds.append(time.perf_counter() - start)


def kernel_slider(x: np.ndarray, kernel: np.ndarray, *, stride: int, title: str = "") -> w.VBox:
    """Step, play or scrub one kernel sliding over the waveform ``x`` (:func:`~catdog_cnn.look.plots.kernel_slide`).

    A play button and a slider over the kernel's steps; each step redraws the figure into an image widget.
    """
    import matplotlib.pyplot as plt

    from . import plots

    fig, draw, n = plots.kernel_slide(x, kernel, stride=stride, title=title)
    image = w.Image(format="png", layout=w.Layout(width="700px"))
    step = w.IntSlider(1, 1, n, description="step")
    play = w.Play(value=1, min=1, max=n, interval=150)
    w.jslink((play, "value"), (step, "value"))

    def show(_: object = None) -> None:
        draw(step.value - 1)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        image.value = buffer.getvalue()

    step.observe(show, names="value")
    show()
    plt.close(fig)  # drawn into the image widget, not again below the cell
    return w.VBox([w.HBox([play, step]), image])
