import numpy as np
import pytest

from catdog_cnn.look import compare, peel
from catdog_cnn.nets.model import build_model, model_config


@pytest.fixture(scope="module")
def net():
    import keras

    keras.utils.set_random_seed(0)
    model = build_model()
    # give the sigmoid unit distinct weights so that the decomposition is not trivial
    model.get_layer("dense").set_weights(
        [np.linspace(-1, 1, 10)[:, None].astype("float32"), np.array([0.3], "float32")]
    )
    return model


@pytest.fixture
def windows(rng):
    return rng.standard_normal((3, 16000, 1)).astype(np.float32)


def test_activations_cover_every_layer_with_the_right_shapes(net, windows):
    acts = peel.activations(net, windows)
    assert list(acts)[:3] == ["conv_1", "bn_1", "relu_1"] and list(acts)[-2:] == ["gap", "dense"]
    assert acts["conv_1"].shape == (3, 8000, 10) and acts["relu_10"].shape == (3, 16, 10)
    assert np.all(acts["relu_3"] >= 0)
    np.testing.assert_allclose(acts["gap"], acts["relu_10"].mean(axis=1), rtol=1e-5, atol=1e-6)


def test_decision_terms_add_up_to_the_model_output(net, windows):
    d = peel.decision(net, windows)
    assert d.contributions.shape == (3, 10)
    np.testing.assert_allclose(d.contributions.sum(axis=1) + d.bias, d.logit, rtol=1e-6)
    np.testing.assert_allclose(d.p_dog, net.predict(windows, verbose=0)[:, 0], rtol=1e-4)
    assert d.bias == pytest.approx(0.3)


def test_class_activation_averages_to_the_logit(net, windows):
    cam = peel.class_activation(net, windows)
    assert cam.shape == (3, 16)
    np.testing.assert_allclose(cam.mean(axis=1) + 0.3, peel.decision(net, windows).logit, rtol=1e-5)


def test_frequency_responses_of_known_filters(net):
    conv = net.get_layer("conv_1")
    kernel = np.zeros((4, 1, 10), "float32")
    kernel[:, 0, 0] = [0.25, 0.25, 0.25, 0.25]  # moving average: low-pass
    kernel[:, 0, 1] = [0.25, -0.25, 0.25, -0.25]  # alternating: high-pass
    saved = conv.get_weights()
    conv.set_weights([kernel, saved[1]])
    try:
        freqs, gain = peel.frequency_responses(net)
        assert freqs[0] == 0 and freqs[-1] < 8000 and gain.shape == (10, 256)
        assert gain[0, 0] == pytest.approx(0.0, abs=1e-6) and gain[0, -1] < -20
        assert gain[1, -1] > -0.1 and gain[1, 0] < -20
        np.testing.assert_array_equal(peel.first_layer_filters(net)[:, 0], kernel[:, 0, 0])
    finally:
        conv.set_weights(saved)


def test_frequency_responses_of_sinc_filters_peak_in_their_bands():
    model = build_model("m5", sinc=True, first_kernel_size=401)
    low, high = (np.asarray(edge) for edge in model.get_layer("conv_1").band_edges())
    freqs, gain = peel.frequency_responses(model, n_freqs=2048)
    assert peel.first_layer_filters(model).shape == (401, 36)
    peaks = freqs[gain.argmax(axis=1)]
    assert np.all((peaks >= low - 20) & (peaks <= high + 20))  # each filter is loudest in its own band
    wide = high - low > 4 * 16_000 / 401  # wider than the main lobe of the taps' Hamming window
    assert wide.sum() > 15 and np.all(gain.max(axis=1)[wide] > -1)  # a pass-band gain near 1 (0 dB)


def test_m5_peels_through_pooling_and_log_layers(windows):
    model = build_model("m5", log_compress=True)
    names = peel.peelable_layers(model)
    assert "pool_1" in names and "log_1" in names and "dropout" not in names
    last_pool = model.get_layer(f"pool_{model_config('m5')['n_layers']}")
    assert peel.class_activation(model, windows).shape == (3, last_pool.output.shape[1])


def test_typical_windows_are_right_and_near_the_median():
    p = np.array([0.9, 0.6, 0.7, 0.2, 0.4, 0.95, 0.1])
    y = np.array([1, 1, 1, 1, 0, 0, 0])
    assert list(peel.typical_windows(p, y, label=1, n=1)) == [2]  # median of 0.9, 0.6, 0.7
    assert sorted(peel.typical_windows(p, y, label=0, n=2)) == [4, 6]  # 0.95 is wrong, left out


def test_typical_windows_pick_the_same_windows_whatever_the_last_bits():
    # two middle windows exactly as far from the median: round-off must not decide between them
    p = np.array([0.7, 0.82138, 0.9, 0.82351, 0.6, 0.95])
    y = np.ones(6, dtype=int)
    for eps in (0.0, 1e-9, -1e-9):
        nudged = p + eps * np.array([0, 1, 0, -1, 0, 0])
        assert list(peel.typical_windows(nudged, y, label=1, n=3)) == [1, 3, 0]  # lower middle, above, below
    ties = np.array([0.8, 0.8, 0.8, 0.8])
    assert list(peel.typical_windows(ties + [0, 1e-7, -1e-7, 0], np.ones(4), label=1, n=4)) == [1, 2, 0, 3]


def test_mean_contributions_split_by_class(net, windows):
    d = peel.decision(net, windows)
    means = compare.mean_contributions(d, np.array([0, 1, 1]))
    np.testing.assert_allclose(means[0], d.contributions[0])
    np.testing.assert_allclose(means[1], d.contributions[1:].mean(axis=0))


def test_filter_summary_finds_each_filters_notch():
    freqs = np.linspace(0, 8000, 5)
    gain_db = np.array([[0.0, -3, -40, -3, 0], [0.0, 0, 0, 0, -6]])
    first, second = peel.filter_summary(freqs, gain_db)
    assert first == {"filter": 1, "deepest_db": -40.0, "deepest_hz": 4000.0, "range_db": 40.0}
    assert (second["deepest_hz"], second["range_db"]) == (8000.0, 6.0)


def test_the_feature_layer_is_what_global_pooling_averages(net, windows):
    assert peel.feature_layer(net) == "relu_10"
    m5 = build_model("m5")
    acts = peel.activations(m5, windows)
    np.testing.assert_allclose(acts["gap"], acts[peel.feature_layer(m5)].mean(axis=1), rtol=1e-5, atol=1e-6)
    weights, bias = peel.sigmoid_unit(net)
    np.testing.assert_allclose(weights, np.linspace(-1, 1, 10), rtol=1e-6)
    assert bias == pytest.approx(0.3)


def test_reused_activations_give_the_same_decision_and_evidence(net, windows):
    acts = peel.activations(net, windows)
    np.testing.assert_array_equal(peel.decision(net, windows, acts=acts).logit, peel.decision(net, windows).logit)
    np.testing.assert_array_equal(peel.class_activation(net, windows, acts=acts), peel.class_activation(net, windows))


def test_layer_titles_name_the_block_and_the_kind():
    assert peel.layer_title("relu_10") == "block 10 · ReLU"
    assert peel.layer_title("bn_2") == "block 2 · batch norm"
    assert peel.layer_title("gap") == "gap" and peel.layer_title("dense") == "dense"


def test_matching_components_recovers_a_shuffled_copy(rng):
    pooled = rng.gamma(2.0, size=(300, 6))
    order = np.array([3, 0, 5, 1, 4, 2])
    noisy = pooled[:, order] + 0.05 * rng.standard_normal((300, 6))
    pairs, r = compare.match_components(pooled, noisy)
    np.testing.assert_array_equal(order[pairs], np.arange(6))  # each component found where it was moved
    assert np.all(r > 0.95)
    dead = pooled.copy()
    dead[:, 2] = 0.0  # a component that never fires correlates with nothing
    assert compare.match_components(dead, pooled)[1][2] == 0


def test_class_separation_is_the_gap_between_class_means_in_pooled_sd():
    y = np.array([0, 0, 1, 1])
    values = np.array([[0.0, 5.0], [2.0, 5.0], [2.0, 5.0], [4.0, 5.0]])  # column 0: means 1 and 3, sd 1 each
    np.testing.assert_allclose(compare.class_separation(values, y), [2.0, 0.0], atol=1e-5)


def test_best_correlations_finds_each_units_counterpart_in_a_larger_network(rng):
    small = rng.gamma(2.0, size=(200, 3))
    large = np.concatenate([rng.gamma(2.0, size=(200, 5)), small[:, [2]] * 3 + 1, small[:, [0]] - 2], axis=1)
    best, r = compare.best_correlations(small, large)
    assert best[0] == 6 and best[2] == 5  # found wherever they sit
    np.testing.assert_allclose(r[[0, 2]], 1.0, atol=1e-9)
    assert r[1] < 0.5  # component 1 has no counterpart


def test_receptive_fields_match_the_gradient_of_a_linear_stack():
    from catdog_cnn._keras import keras

    layers = keras.layers
    inputs = keras.Input((200, 1))
    x = layers.Conv1D(2, 5, strides=2, name="conv_1")(inputs)
    x = layers.AveragePooling1D(3, name="pool_1")(x)
    x = layers.Conv1D(2, 4, strides=1, dilation_rate=2, name="conv_2")(x)
    model = keras.Model(inputs, x)
    fields = peel.receptive_fields(model)
    assert fields == {"conv_1": (5, 2), "pool_1": (9, 6), "conv_2": (45, 6)}
    x = np.random.default_rng(0).uniform(-1, 1, 200)
    first, last = peel.gradient_span(model, "conv_2", x, step=4)
    assert (first, last - first + 1) == (4 * 6, 45)  # step t starts at t * jump and spans the field


def test_receptive_fields_of_m5_bound_what_a_step_depends_on():
    from catdog_cnn.config import MODELS_DIR
    from catdog_cnn.nets.runs import load_run

    m5 = load_run(MODELS_DIR / "m5")[0]
    field, jump = peel.receptive_fields(m5)["relu_5"]
    assert (field, jump) == (3820, 1024)
    x = np.random.default_rng(0).uniform(-1, 1, 16_000)
    first, last = peel.gradient_span(m5, "relu_5", x, step=6)  # "same" padding: fields are centred
    assert 0.9 * field < last - first + 1 <= field  # nothing outside the field reaches the step, most of it does


def test_blocks_account_for_every_parameter_and_field():
    from catdog_cnn.nets.model import build_model

    net = build_model("m5")
    blocks = peel.blocks(net)
    assert [b.name for b in blocks] == ["input", *(f"block {i}" for i in range(1, 6)), "head"]
    assert sum(b.params for b in blocks) == net.count_params()
    assert (blocks[1].steps, blocks[1].channels) == (1000, 36) and "max pool 4 → log(1+x)" in blocks[1].does
    assert blocks[5].field == peel.receptive_fields(net)["pool_5"][0]
    assert blocks[-1].does == "global average → sigmoid unit"


def test_vote_of_units_adds_weak_units_into_a_stronger_answer(rng):
    n, k = 400, 200
    y = np.arange(n) % 2
    weak = rng.standard_normal((n, k)) + 0.3 * y[:, None] * np.where(np.arange(k) % 2, 1, -1)  # each d ~ 0.3
    train, test = weak[: n // 2], weak[n // 2 :]
    one = np.mean(compare.vote_of_units(train, y[: n // 2], test, k=1) == y[n // 2 :])
    many = np.mean(compare.vote_of_units(train, y[: n // 2], test, k=k) == y[n // 2 :])
    assert one < 0.7 and many > 0.9
