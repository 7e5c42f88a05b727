"""Interactive explorers (ipywidgets 8): slide through test windows and peel the network's layers.

The explorer computes a window's activations once when the sample changes and
redraws by updating existing artists of one Matplotlib figure, rendered into a
fixed-size image widget: no flicker, and every redraw is timed.
"""

from __future__ import annotations

import io
import time

import ipywidgets as w
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from scipy.io import wavfile

from ._keras import keras
from .config import SAMPLE_RATE
from .data import LABELS
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
from .windows import EvalWindows

__all__ = ["LayerExplorer", "wav_bytes"]


def wav_bytes(x: np.ndarray, *, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit WAV file content of float samples ``x`` (scaled to their peak), for an audio player."""
    x = np.asarray(x, dtype=np.float32).ravel()
    peak = np.abs(x).max() or 1.0
    buffer = io.BytesIO()
    wavfile.write(buffer, sample_rate, (x / peak * 32767).astype(np.int16))
    return buffer.getvalue()


class LayerExplorer:
    """Sliders over test windows and layers, with four views of what the network does.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`~catdog_cnn.model.build_model`.
    windows : EvalWindows
        The windows to explore (e.g. ``evaluation_windows(split.test)``).

    Attributes
    ----------
    widget : ipywidgets.VBox
        What to display in the notebook.
    sample, layer, filter : ipywidgets controls
        Sample slider, layer slider (1 = first peelable layer) and filter selector.
    redraw_seconds : list of float
        Duration of every redraw so far.
    """

    def __init__(self, model: keras.Model, windows: EvalWindows) -> None:
        self.model, self.windows = model, windows
        self.peeled = activation_model(model)
        self.layers = peelable_layers(model)[: peelable_layers(model).index(feature_layer(model)) + 1]
        self.n_components = len(sigmoid_unit(model)[0])
        self.freqs, self.gain_db = frequency_responses(model)
        self.redraw_seconds: list[float] = []
        self._acts: dict[str, np.ndarray] = {}
        self._cached_sample = -1

        n_filters = self.gain_db.shape[0]
        self.sample = w.IntSlider(
            0, 0, len(windows.x) - 1, description="sample", continuous_update=False, layout=w.Layout(width="60%")
        )
        self.layer = w.IntSlider(
            1,
            1,
            len(self.layers),
            description=layer_title(self.layers[0]),  # names the block and the kind of layer as it moves
            continuous_update=False,
            style={"description_width": "9em"},
            layout=w.Layout(width="60%"),
        )
        self.filter = w.Dropdown(
            options=[("all", -1)] + [(str(i + 1), i) for i in range(n_filters)], value=-1, description="filter"
        )
        self.info = w.HTML()
        self.audio = w.Audio(format="wav", autoplay=False, loop=False)
        self.image = w.Image(format="png", layout=w.Layout(width="900px", height="675px"))
        self._build_figure()
        for control in (self.sample, self.layer, self.filter):
            control.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox(
            [w.HBox([self.sample, self.filter]), self.layer, w.HBox([self.info, self.audio]), self.image]
        )
        self.redraw()

    def _build_figure(self) -> None:
        matplotlib.use("Agg", force=False)
        self.fig = Figure(figsize=(9, 6.75), dpi=100, layout="constrained")
        grid = self.fig.add_gridspec(3, 2)
        self.ax_wave = self.fig.add_subplot(grid[0, :])
        self.ax_layer = self.fig.add_subplot(grid[1, :])
        self.ax_pool = self.fig.add_subplot(grid[2, 0])
        self.ax_freq = self.fig.add_subplot(grid[2, 1])
        t = np.arange(self.windows.x.shape[1]) / SAMPLE_RATE
        (self.wave_line,) = self.ax_wave.plot(t, np.zeros_like(t), lw=0.4, color="0.3")
        self.ax_wave.set_xlim(0, t[-1])
        self.ax_wave.set_ylim(-1.05, 1.05)
        self.ax_wave.set_ylabel("amplitude")
        self.ax_cam = self.ax_wave.twinx()
        (self.cam_line,) = self.ax_cam.plot([], [], color="tab:red", drawstyle="steps-mid")
        self.ax_cam.set_ylabel("dog evidence", color="tab:red")
        self.layer_image = self.ax_layer.imshow(
            np.zeros((2, 2)), aspect="auto", cmap="magma", interpolation="nearest", origin="lower"
        )
        (self.filter_line,) = self.ax_layer.plot([], [], lw=0.6, color="tab:blue")
        self.fig.colorbar(self.layer_image, ax=self.ax_layer, label="activation", pad=0.01)
        k = self.n_components
        self.bars = self.ax_pool.bar(np.arange(1, k + 1), np.zeros(k))
        self.ax_pool.axhline(0, color="black", lw=0.6)
        self.ax_pool.set_xlabel("pooled component i")
        self.ax_pool.set_ylabel("w_i * g_i (+ dog, - cat)")
        self.ax_pool.set_xticks(np.arange(1, k + 1))
        self.ax_pool.set_title("the decision, term by term", fontsize=9)
        self.freq_lines = self.ax_freq.plot(self.freqs, self.gain_db.T, lw=0.6, color="0.75")
        self.ax_freq.set_xlabel("frequency (Hz)")
        self.ax_freq.set_ylabel("gain (dB)")
        self.ax_freq.set_title("first-layer filters", fontsize=9)

    def _sample_activations(self) -> dict[str, np.ndarray]:
        if self.sample.value != self._cached_sample:
            x = self.windows.x[self.sample.value : self.sample.value + 1]
            self._acts = activations(self.model, x, peeled=self.peeled)  # a batch of one window
            self._cached_sample = self.sample.value
            self.audio.value = wav_bytes(x)
        return self._acts

    def redraw(self) -> None:
        """Bring every view up to date with the controls, and time it."""
        start = time.perf_counter()
        acts = self._sample_activations()
        i, name = self.sample.value, self.layers[self.layer.value - 1]
        self.layer.description = layer_title(name)
        x = self.windows.x[i, :, 0]
        self.wave_line.set_ydata(x)
        window = self.windows.x[i : i + 1]
        cam = class_activation(self.model, window, acts=acts)[0]
        steps = (np.arange(len(cam)) + 0.5) * len(x) / len(cam) / SAMPLE_RATE
        self.cam_line.set_data(steps, cam)
        self.ax_cam.set_ylim(min(cam.min(), 0) - 0.1, max(cam.max(), 0) + 0.1)
        self._draw_layer(acts[name][0], name)
        terms = decision(self.model, window, acts=acts)
        contributions = terms.contributions[0]
        for bar, c in zip(self.bars, contributions, strict=True):
            bar.set_height(c)
            bar.set_color("tab:blue" if c >= 0 else "tab:orange")
        span = np.abs(contributions).max() * 1.1 + 1e-6
        self.ax_pool.set_ylim(-span, span)
        for j, line in enumerate(self.freq_lines):
            line.set_color("tab:blue" if j == self.filter.value else "0.75")
            line.set_zorder(3 if j == self.filter.value else 1)
        p = float(terms.p_dog[0])
        truth = LABELS[int(self.windows.y[i])]
        name_of_file = self.windows.names[self.windows.clip[i]]
        self.ax_wave.set_title(f"{name_of_file} (true: {truth}); p(dog) = {p:.2f}", fontsize=10)
        self.info.value = (
            f"<b>{name_of_file}</b> &nbsp; true: <b>{truth}</b> &nbsp; p(dog) = <b>{p:.3f}</b>"
            f" &nbsp; layer: <b>{layer_title(name)}</b> ({name})"
        )
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()
        self.redraw_seconds.append(time.perf_counter() - start)

    def _draw_layer(self, act: np.ndarray, name: str) -> None:
        length, n_filters = act.shape
        one = self.filter.value >= 0 and self.filter.value < n_filters
        self.layer_image.set_visible(not one)
        self.filter_line.set_visible(one)
        if one:
            self.filter_line.set_data(np.arange(length), act[:, self.filter.value])
            self.ax_layer.set_ylim(act[:, self.filter.value].min(), act[:, self.filter.value].max() + 1e-6)
            self.ax_layer.set_ylabel(f"filter {self.filter.value + 1}")
        else:
            self.layer_image.set_data(act.T)
            self.layer_image.set_extent((0, length, 0.5, n_filters + 0.5))
            self.layer_image.set_clim(act.min(), act.max() + 1e-6)
            self.ax_layer.set_ylim(0.5, n_filters + 0.5)
            self.ax_layer.set_ylabel("filter")
        self.ax_layer.set_xlim(0, length)
        self.ax_layer.set_xlabel("step of this layer")
        self.ax_layer.set_title(f"{name}: {length} steps x {n_filters} filters", fontsize=9)
