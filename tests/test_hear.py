"""Listening to the network: tone probe, activation maximization, top excerpts."""

import numpy as np
import pytest
from scipy.signal import freqz

from catdog_cnn.config import MODELS_DIR
from catdog_cnn.look import hear, peel
from catdog_cnn.nets.runs import load_run


@pytest.fixture(scope="module")
def original():
    return load_run(MODELS_DIR / "original")[0]


@pytest.fixture(scope="module")
def m5():
    return load_run(MODELS_DIR / "m5")[0]


def test_the_first_layer_answers_tones_as_its_filters_analytic_gains(original):
    freqs = np.geomspace(100, 7000, 25)
    probe = hear.tone_probe(original, freqs, layers=["conv_1", "relu_1"])
    kernels = peel.first_layer_filters(original)
    gains = [np.abs(freqz(kernels[:, j][::-1], worN=freqs, fs=16_000)[1]) for j in range(kernels.shape[1])]
    expected = np.stack(gains, axis=1) / np.sqrt(2)  # the RMS of a unit-peak sine through each filter
    measured = probe.responses["conv_1"]
    assert measured.shape == (25, 10) and set(probe.responses) == {"conv_1", "relu_1"}
    np.testing.assert_allclose(measured, expected, atol=0.01 * expected.max())


def test_what_a_unit_wants_to_hear_drives_it_far_harder_than_noise(m5):
    noise = np.random.default_rng(1).standard_normal((16, 16_000)).astype(np.float32)
    noise /= np.abs(noise).max(axis=1, keepdims=True)  # the level the ascent's sound has: peak 1
    for layer, unit, sign in (("dense", None, 1.0), ("dense", None, -1.0), ("relu_3", 0, 1.0)):
        sound = hear.wants_to_hear(m5, layer=layer, unit=unit, sign=sign, steps=24)
        assert sound.shape == (16_000,) and np.abs(sound).max() == pytest.approx(1.0, abs=1e-5)
        reached = sign * hear.unit_activation(m5, sound[None], layer=layer, unit=unit)[0]
        baseline = sign * hear.unit_activation(m5, noise, layer=layer, unit=unit)
        assert reached > baseline.max() + 5 * baseline.std() + 1.0, (layer, unit, sign)


def test_the_same_seed_gives_the_same_sound(original):
    a = hear.wants_to_hear(original, steps=8, seed=3)
    assert np.array_equal(a, hear.wants_to_hear(original, steps=8, seed=3))
    assert not np.array_equal(a, hear.wants_to_hear(original, steps=8, seed=4))


def test_the_sound_stays_inside_its_band(original):
    sound = hear.wants_to_hear(original, steps=8, band_hz=(300.0, 3000.0))
    spectrum = np.abs(np.fft.rfft(sound)) ** 2
    freqs = np.fft.rfftfreq(len(sound), 1 / 16_000)
    assert spectrum[(freqs < 300) | (freqs > 3000)].sum() < 1e-6 * spectrum.sum()


def test_top_excerpts_are_the_windows_a_unit_likes_best_in_order(original):
    windows = np.stack([hear.tone(f) for f in (200, 500, 1000, 2000, 4000, 6000)])
    values = hear.unit_activation(original, windows, layer="relu_10", unit=2)
    order, clip, names = hear.top_excerpts(
        original, windows, layer="relu_10", unit=2, k=3, names=[f"{f} Hz" for f in (200, 500, 1000, 2000, 4000, 6000)]
    )
    assert list(order) == list(np.argsort(-values, kind="stable")[:3])
    np.testing.assert_array_equal(clip, windows[order].ravel())
    assert names == [f"{(200, 500, 1000, 2000, 4000, 6000)[i]} Hz" for i in order]


def test_a_chirp_sweeps_from_low_to_high():
    sweep = hear.chirp(100, 4000, seconds=2.0)
    first, last = sweep[:4000], sweep[-4000:]
    peak = [np.fft.rfftfreq(4000, 1 / 16_000)[np.argmax(np.abs(np.fft.rfft(part)))] for part in (first, last)]
    assert peak[0] < 400 and peak[1] > 2000


def test_sound_traits_tell_a_dark_steady_hum_from_bright_bursts(rng):
    t = np.arange(16_000) / 16_000
    hum = np.sin(2 * np.pi * 200 * t)
    bursts = rng.standard_normal(16_000) * (np.sin(2 * np.pi * 3 * t) > 0.8)
    h, b = hear.sound_traits(hum), hear.sound_traits(bursts)
    assert h["below_1khz"] > 0.99 and abs(h["centroid_hz"] - 200) < 5 and h["burstiness_db"] < 1
    assert b["centroid_hz"] > 3000 and b["burstiness_db"] > 40
