"""The page's backward pass (web_static/learn.js) in Chromium: every gradient against NumPy's backprop and
TensorFlow's on real windows, one Adam step against NumPy's (which the backprop tests hold to Keras'), and a
short training run that lowers the loss."""

from __future__ import annotations

import copy
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS  # the file beside this one

from catdog_cnn.nets import backprop as bp

pytestmark = [pytest.mark.browser, pytest.mark.realdata]
LEARN_JS = Path(str(files("catdog_cnn.serve") / "web_static" / "learn.js"))
SAME_ARITHMETIC = 1e-9  # JavaScript and NumPy both compute in float64: only the order of additions differs
AGAINST_TENSORFLOW = 1e-4  # relative to the largest gradient of each array, TensorFlow in float64


@pytest.fixture(scope="module")
def learn_page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("browser test: install Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content("<!DOCTYPE html><title>learn</title>")
            page.add_script_tag(path=str(LEARN_JS))
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def real_batch(real_training_batch):
    return real_training_batch(4)


def as_json(layers) -> list[dict]:
    return [{"kind": layer.kind, "name": layer.name, "settings": dict(layer.settings or {}),
             "arrays": {k: {"shape": list(v.shape), "values": np.ravel(v).tolist()} for k, v in layer.arrays.items()}}
            for layer in layers]  # fmt: skip


DECODE = """
const decodeLayers = (layers) => layers.map((l) => ({...l, arrays: Object.fromEntries(Object.entries(l.arrays)
  .map(([k, v]) => [k, {shape: v.shape, values: Float64Array.from(v.values)}]))}));
const asLists = (tree) => Object.fromEntries(Object.entries(tree).map(([k, v]) => [k,
  Object.fromEntries(Object.entries(v).map(([n, a]) => [n, Array.from(a.values)]))]));
const batchOf = (x, n) => ({data: Float64Array.from(x), n, steps: x.length / n, channels: 1});
"""


def js_gradients(page, layers, x, y) -> tuple[float, dict]:
    result = page.evaluate(
        "([layers, x, y, n]) => {"
        + DECODE
        + """
        const L = decodeLayers(layers), pass = Learn.forwardTrain(L, batchOf(x, n));
        const {loss, dlogit} = Learn.binaryCrossEntropy(pass.logit, Float64Array.from(y));
        return {loss, grads: asLists(Learn.backward(L, pass, dlogit))};
        }""",
        [as_json(layers), np.ravel(x).tolist(), y.tolist(), len(x)],
    )
    return result["loss"], result["grads"]


def m5_start():
    from catdog_cnn.nets.keras_twin import keras_copy
    from catdog_cnn.serve.numpy_net import network_layers

    return network_layers(keras_copy(None, "m5", dtype="float64"))  # Keras' own random start


@pytest.mark.parametrize("preset", ["original", "m5"])
def test_every_gradient_matches_numpy_and_tensorflow_on_real_windows(learn_page, real_batch, preset):
    from catdog_cnn.nets.keras_twin import gradient_differences, keras_copy

    x, y = real_batch
    layers = bp.initial_layers(seed=0) if preset == "original" else m5_start()
    loss, grads = js_gradients(learn_page, layers, x, y)
    done = bp.forward_train(layers, x)
    numpy_loss, dlogit = bp.binary_cross_entropy(done.logit, y)
    ours = bp.backward(layers, done, dlogit)
    assert loss == pytest.approx(numpy_loss, rel=SAME_ARITHMETIC)
    for layer, by_name in ours.items():
        for name, g in by_name.items():
            scale = np.abs(ours[layer]["kernel"] if name == "bias" and layer.startswith("conv") else g).max()
            difference = np.abs(np.reshape(grads[layer][name], g.shape) - g).max() / scale
            assert difference <= SAME_ARITHMETIC, (layer, name, difference)
    as_arrays = {layer: {n: np.reshape(v, ours[layer][n].shape) for n, v in g.items()} for layer, g in grads.items()}
    worst = gradient_differences(layers, as_arrays, keras_copy(layers, preset, dtype="float64"), x, y)
    kinds = {"conv kernel", "bn gamma", "bn beta", "dense weights", "dense bias"}
    assert kinds <= set(worst) and max(worst.values()) <= AGAINST_TENSORFLOW, worst


def test_one_adam_step_gives_numpys_new_weights_and_statistics(learn_page, real_batch):
    x, y = real_batch
    layers = m5_start()  # every kind of layer: convolution, batch norm, ReLU, log, max pool, average, dense
    after = learn_page.evaluate(
        "([layers, x, y, n]) => {"
        + DECODE
        + """
        const L = decodeLayers(layers);
        const loss = Learn.trainStep(L, batchOf(x, n), Float64Array.from(y), Learn.adam());
        return {loss, layers: L.map((l) => ({name: l.name,
          arrays: Object.fromEntries(Object.entries(l.arrays).map(([k, v]) => [k, Array.from(v.values)]))}))};
        }""",
        [as_json(layers), np.ravel(x).tolist(), y.tolist(), len(x)],
    )
    ours = copy.deepcopy(layers)
    loss = bp.train_step(ours, x, y, bp.Adam())
    assert after["loss"] == pytest.approx(loss, rel=SAME_ARITHMETIC)
    theirs = {layer["name"]: layer["arrays"] for layer in after["layers"]}
    for layer in ours:
        for name, value in layer.arrays.items():
            if layer.kind == "conv" and name == "bias":  # its gradient is round-off: only its size is bounded
                assert np.abs(theirs[layer.name][name]).max() <= 1.01 * bp.ADAM["learning_rate"]
                continue
            moved = np.abs(value - next(x.arrays[name] for x in layers if x.name == layer.name)).max()
            assert np.abs(np.reshape(theirs[layer.name][name], value.shape) - value).max() <= SAME_ARITHMETIC * max(
                1.0, np.abs(value).max()
            ), (layer.name, name)
            if layer.kind in ("conv", "dense") and name != "bias" or layer.kind == "bn":
                assert moved > 0, (layer.name, name)  # the step did move it: the comparison is not of starts


def test_training_in_the_page_lowers_the_loss_on_real_windows(learn_page, real_batch):
    x, y = real_batch
    losses = learn_page.evaluate(
        "([layers, x, y, n]) => {"
        + DECODE
        + """
        const L = decodeLayers(layers), data = batchOf(x, n), labels = Float64Array.from(y);
        const optimizer = Learn.adam({learningRate: 0.003}), losses = [];
        for (let step = 0; step < 30; step++) losses.push(Learn.trainStep(L, data, labels, optimizer));
        return losses;
        }""",
        [as_json(bp.initial_layers(seed=0)), np.ravel(x).tolist(), y.tolist(), len(x)],
    )
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])  # it learns these 8 windows


def test_balanced_batches_are_half_cat_half_dog_and_seeded(learn_page):
    labels = [0] * 30 + [1] * 7
    drawn = learn_page.evaluate(
        """(labels) => { const next = Learn.batches(labels, 6, 3), again = Learn.batches(labels, 6, 3);
        return [next(), next(), again()]; }""",
        labels,
    )
    for chosen in drawn:
        assert sorted(labels[i] for i in chosen) == [0, 0, 0, 1, 1, 1] and len(set(chosen)) == 6
    assert drawn[0] == drawn[2] and drawn[0] != drawn[1]


def test_steps_that_reuse_their_arrays_give_the_same_weights_as_fresh_arrays(learn_page, real_batch):
    x, y = real_batch  # batches of 4, 2 and 4 windows: the kept arrays must be refilled, and dropped on a new size
    same = learn_page.evaluate(
        "([layers, x, y, n]) => {"
        + DECODE
        + """
        const reused = decodeLayers(layers), fresh = decodeLayers(layers), a = Learn.adam(), b = Learn.adam();
        const part = (m) => [batchOf(x.slice(0, m * x.length / n), m), Float64Array.from(y.slice(0, m))];
        for (const m of [4, 2, 4]) {
          const [data, labels] = part(m);
          Learn.trainStep(reused, data, labels, a);
          const pass = Learn.forwardTrain(fresh, data), {dlogit} = Learn.binaryCrossEntropy(pass.logit, labels);
          b.update(fresh, Learn.backward(fresh, pass, dlogit));
          Learn.trackStatistics(fresh, pass, Learn.BN_MOMENTUM);
        }
        return reused.every((l, i) => Object.keys(l.arrays).every((k) =>
          l.arrays[k].values.every((v, j) => v === fresh[i].arrays[k].values[j])));
        }""",
        [as_json(bp.initial_layers(seed=0)), np.ravel(x).tolist(), y.tolist(), len(x)],
    )
    assert same
