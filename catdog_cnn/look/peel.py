"""Peeling the layers: every intermediate output of a model, and exact accounts of its decision.

For a model made by :func:`~catdog_cnn.nets.model.build_model`, the decision is
``logit = sum_i w_i * g_i + b`` where ``g`` is the globally pooled vector and
``w, b`` the weights of the sigmoid unit: :func:`decision` returns each term.
Because global *average* pooling is a mean over time, the same sum can be
spread over time (:func:`class_activation`): the mean over time of
``sum_i w_i * a_ti`` is exactly ``logit - b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import freqz

from .._keras import keras
from ..config import SAMPLE_RATE, TIE_DECIMALS
from ..serve.decide import Decision, layer_title

__all__ = [
    "peelable_layers",
    "layer_title",
    "activation_model",
    "feature_model",
    "receptive_fields",
    "Block",
    "blocks",
    "gradient_span",
    "activations",
    "Decision",
    "sigmoid_unit",
    "feature_layer",
    "decision",
    "first_layer_filters",
    "frequency_responses",
    "filter_summary",
    "class_activation",
    "typical_windows",
]


def peelable_layers(model: keras.Model) -> list[str]:
    """Names of the layers whose outputs can be peeled, in order (``conv_1`` ... ``gap``, ``dense``)."""
    return [
        layer.name for layer in model.layers if not isinstance(layer, (keras.layers.InputLayer, keras.layers.Dropout))
    ]


def activation_model(model: keras.Model) -> keras.Model:
    """A model with the same input that returns a dict ``{layer name: output}`` for every peelable layer."""
    outputs = {name: model.get_layer(name).output for name in peelable_layers(model)}
    return keras.Model(model.inputs, outputs, name=f"{model.name}_peeled")


def _window(layer: keras.layers.Layer) -> tuple[int, int, int]:
    """(size, stride, dilation) of a layer that slides over time; (1, 1, 1) for one that works step by step."""
    size = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if size is None:
        return 1, 1, 1
    stride = getattr(layer, "strides", None) or size
    dilation = getattr(layer, "dilation_rate", 1)
    first = lambda v: int(v[0] if isinstance(v, (tuple, list)) else v)  # noqa: E731
    return first(size), first(stride), first(dilation)


def receptive_fields(model: keras.Model) -> dict[str, tuple[int, int]]:
    """How many input samples each output step of every peelable layer sees, and how far apart its steps are.

    Computed from the layers' kernel sizes, strides and dilations: a layer of size k and stride s over steps
    ``jump`` samples apart widens the field by (k - 1) x dilation x ``jump`` and multiplies ``jump`` by s.

    Returns
    -------
    dict
        Layer name to ``(field, jump)`` in samples; after global pooling (``gap``, ``dense``) both are the
        window's length.
    """
    field, jump, out = 1, 1, {}
    length = int(model.input_shape[1])
    for layer in model.layers:
        if isinstance(layer, (keras.layers.InputLayer, keras.layers.Dropout)):
            continue
        if isinstance(layer, (keras.layers.GlobalAveragePooling1D, keras.layers.GlobalMaxPooling1D)):
            field, jump = length, length
        else:
            size, stride, dilation = _window(layer)
            field, jump = field + (size - 1) * dilation * jump, jump * stride
        out[layer.name] = (field, jump)
    return out


@dataclass
class Block:
    """One stage of the network as a diagram shows it: what it does, its output shape, size and reach.

    ``steps`` x ``channels`` is its output shape for one window (``steps`` is 1 after global pooling),
    ``params`` counts all its weights (trainable or not), ``field`` and ``jump`` are the receptive field of one
    output step and the distance between steps, in input samples (:func:`receptive_fields`).
    """

    name: str
    does: str
    steps: int
    channels: int
    params: int
    field: int
    jump: int


def _does(layer: keras.layers.Layer) -> str:
    size, stride, _ = _window(layer)
    if isinstance(layer, keras.layers.Conv1D):
        return f"conv {layer.filters}×{size}" + (f" /{stride}" if stride > 1 else "")
    if isinstance(layer, keras.layers.MaxPooling1D):
        return f"max pool {size}"
    kind = layer.name.rpartition("_")[0] or layer.name
    return {"bn": "batch norm", "relu": "ReLU", "log": "log(1+x)", "gap": "global average"}.get(kind, kind)


def blocks(model: keras.Model) -> list[Block]:
    """The network as a diagram draws it: the input, each block ``conv_i`` ... (``block i``), then the head.

    A block gathers the layers named ``_i`` (and ``log_1`` after block 1); the head is global pooling with
    the sigmoid unit (``dense``). Shapes and parameters are read off the layers, fields from
    :func:`receptive_fields`.
    """
    fields = receptive_fields(model)
    length = int(model.input_shape[1])
    out = [Block("input", "waveform, 1 s", length, 1, 0, 1, 1)]
    for layer in model.layers:
        if isinstance(layer, (keras.layers.InputLayer, keras.layers.Dropout)):
            continue
        block = layer.name.rpartition("_")[2]
        name = f"block {block}" if block.isdigit() else "head"
        shape = layer.output.shape
        steps, channels = (int(shape[1]), int(shape[2])) if len(shape) == 3 else (1, int(shape[-1]))
        params = int(sum(np.prod(w.shape) for w in layer.weights))
        if out[-1].name != name:
            out.append(Block(name, _does(layer), steps, channels, params, *fields[layer.name]))
        else:
            last = out[-1]
            out[-1] = Block(name, f"{last.does} → {_does(layer)}", steps, channels, last.params + params,
                            *fields[layer.name])  # fmt: skip
    head = out[-1]
    out[-1] = Block("head", head.does.replace("dense", "sigmoid unit"), 1, 1, head.params, head.field, head.jump)
    return out


def gradient_span(model: keras.Model, layer: str, x: np.ndarray, *, step: int | None = None) -> tuple[int, int]:
    """The first and last sample of window ``x`` (shape (segment,)) on which one output step of ``layer`` depends,
    found by experiment: where the gradient of that step's outputs (summed over filters) is not zero.

    ``step`` defaults to the middle step. The span can be narrower than the receptive field (a ReLU that is
    off, or a max pool, passes no gradient), never wider.
    """
    from .._keras import tf

    sub = keras.Model(model.inputs, model.get_layer(layer).output)
    window = tf.constant(np.asarray(x, np.float32).reshape(1, -1, 1))
    with tf.GradientTape() as tape:
        tape.watch(window)
        out = sub(window, training=False)
        at = out.shape[1] // 2 if step is None else step
        total = tf.reduce_sum(out[0, at])
    nonzero = np.flatnonzero(tape.gradient(total, window).numpy()[0, :, 0])
    return int(nonzero[0]), int(nonzero[-1])


def feature_model(model: keras.Model) -> keras.Model:
    """A model with the same input that returns ``{feature layer: output}``: all :func:`class_activation` needs."""
    name = feature_layer(model)
    return keras.Model(model.inputs, {name: model.get_layer(name).output}, name=f"{model.name}_features")


def activations(model: keras.Model, x: np.ndarray, *, peeled: keras.Model | None = None) -> dict[str, np.ndarray]:
    """Every peelable layer's output for windows ``x`` (shape (n, segment, 1)).

    Pass ``peeled`` (from :func:`activation_model`) to avoid rebuilding it on each call.

    Returns
    -------
    dict
        Layer name to array: (n, length, filters) for conv/BN/ReLU/pool layers,
        (n, filters) for ``gap``, (n, 1) for ``dense``.
    """
    peeled = peeled or activation_model(model)
    out = peeled([np.asarray(x, dtype=np.float32)], training=False)
    return {name: np.asarray(value) for name, value in out.items()}


def sigmoid_unit(model: keras.Model) -> tuple[np.ndarray, float]:
    """The weights (shape (k,)) and bias of the model's sigmoid unit, ``dense``."""
    kernel, bias = (np.asarray(w) for w in model.get_layer("dense").get_weights())
    return kernel[:, 0], float(bias[0])


def feature_layer(model: keras.Model) -> str:
    """Name of the layer whose output global pooling averages (the last ReLU or pooling layer)."""
    names = peelable_layers(model)
    return names[names.index("gap") - 1]


def decision(
    model: keras.Model, x: np.ndarray, *, peeled: keras.Model | None = None, acts: dict[str, np.ndarray] | None = None
) -> Decision:
    """Decompose the model's output for windows ``x`` into per-component contributions.

    Pass ``acts`` (from :func:`activations` of the same windows) to reuse them.
    """
    acts = acts if acts is not None else activations(model, x, peeled=peeled)
    weights, bias = sigmoid_unit(model)
    pooled = acts["gap"]
    contributions = pooled * weights
    logit = contributions.sum(axis=1) + bias
    return Decision(pooled, weights, bias, contributions, logit, 1 / (1 + np.exp(-logit)))


def first_layer_filters(model: keras.Model) -> np.ndarray:
    """Kernel of ``conv_1``, shape (kernel_size, filters); a :class:`~catdog_cnn.nets.model.SincConv1D` computes it."""
    return keras.ops.convert_to_numpy(model.get_layer("conv_1").kernel)[:, 0, :]


def frequency_responses(
    model: keras.Model, *, n_freqs: int = 256, sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude response of every first-layer filter, as an FIR filter on the waveform.

    Returns
    -------
    freqs : np.ndarray, shape (n_freqs,)
        Hz, from 0 to Nyquist.
    gain_db : np.ndarray, shape (filters, n_freqs)
        20 log10 |H(f)|.
    """
    kernels = first_layer_filters(model)
    responses = []
    for k in kernels.T:
        freqs, h = freqz(k[::-1], worN=n_freqs, fs=sample_rate)  # Keras correlates: reverse to convolve
        responses.append(20 * np.log10(np.abs(h) + 1e-9))
    return freqs, np.array(responses)


def filter_summary(freqs: np.ndarray, gain_db: np.ndarray) -> list[dict[str, float]]:
    """Each filter's deepest cut and the span of its gain, from :func:`frequency_responses`.

    Returns
    -------
    list of dict
        One per filter (numbered from 1): ``deepest_db`` and ``deepest_hz``, the
        lowest gain and where it falls, and ``range_db``, highest minus lowest gain.
    """
    return [
        {
            "filter": i + 1,
            "deepest_db": float(g.min()),
            "deepest_hz": float(freqs[np.argmin(g)]),
            "range_db": float(g.max() - g.min()),
        }
        for i, g in enumerate(gain_db)
    ]


def class_activation(
    model: keras.Model, x: np.ndarray, *, peeled: keras.Model | None = None, acts: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """Evidence for dog over time: the last feature map weighted by the sigmoid weights.

    Pass ``acts`` (from :func:`activations` of the same windows) to reuse them.

    Returns
    -------
    np.ndarray, shape (n, T)
        ``sum_i w_i * a_ti`` over the T steps of the layer feeding ``gap``;
        its mean over time plus the bias is the logit (for average pooling).
    """
    acts = acts if acts is not None else activations(model, x, peeled=peeled)
    weights, _ = sigmoid_unit(model)
    return acts[feature_layer(model)] @ weights


def typical_windows(
    p_dog: np.ndarray, y: np.ndarray, *, label: int, n: int = 2, decimals: int = TIE_DECIMALS
) -> np.ndarray:
    """Indices of ``n`` correctly classified windows of ``label`` in the middle of their confidence ranking.

    "Typical" rather than "best": the examples show what the model usually does.
    The windows are ranked by p(dog) rounded to ``decimals``, ties by index, so
    that round-off in another machine's last bits picks the same windows. The
    first is the median (the lower of the two middle ones when their number is
    even), then its neighbours in the ranking, the one above before the one below.

    Returns
    -------
    np.ndarray of int, shape (min(n, number of correct windows),)
    """
    p_dog, y = np.ravel(p_dog), np.ravel(y)
    right = np.flatnonzero((y == label) & ((p_dog > 0.5) == bool(label)))
    ranked = right[np.lexsort((right, np.round(p_dog[right], decimals)))]
    middle = (len(ranked) - 1) // 2
    nearest = sorted(range(len(ranked)), key=lambda i: (abs(i - middle), i < middle))
    return ranked[nearest[:n]]
