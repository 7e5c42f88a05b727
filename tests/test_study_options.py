"""The transforms and training options of the studies (experiments/transforms.py), which the package does not carry."""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.nets.model import build_model
from catdog_cnn.nets.recipes import config_from_dict
from catdog_cnn.nets.train import recipe
from catdog_cnn.sound.augment import TRANSFORMS, Augmentation
from catdog_cnn.sound.data import Clip
from catdog_cnn.sound.generator import WindowSampler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "experiments"))
import transforms  # noqa: E402  (experiments/transforms.py)


def only(transform: transforms.Transform) -> Augmentation:
    """An augmentation that applies ``transform`` and nothing else."""
    return Augmentation(noise_prob=0.0, flip_prob=0.0, transforms=(transform,))


def augmented(aug: Augmentation, x: np.ndarray, seed: int = 0) -> np.ndarray:
    return aug(x, np.zeros(len(x), np.float32), np.random.default_rng(seed))[0]


def test_the_studies_transforms_are_registered_and_read_back_from_an_old_flat_recipe():
    assert {"notch", "gap", "reverb", "background", "mixup"} <= set(TRANSFORMS)
    flat = {"preset": "m5", "augment": True, "band_prob": 0.3, "reverb_prob": 0.3, "hum_prob": 0.3, "mixup_alpha": 0.4}
    names = [t.name for t in config_from_dict(flat).augmentation.transforms]
    assert names == ["band", "hum", "reverb", "mixup"]  # the order they applied in
    with pytest.raises(CatDogError, match="options of a study"):
        config_from_dict({"preset": "m5", "weight_decay": 0.05})


def test_file_balance_gives_a_short_file_as_many_windows_as_a_long_one(rng):
    # the short cat file is positive, the long one negative: a window's first sample names its file
    short, long = np.full(int(1.2 * 16000), 0.5, np.float32), np.full(10 * 16000, -0.5, np.float32)
    dog = Clip("dog.wav", 1, np.full(2 * 16000, 0.5, np.float32))
    clips = [Clip("short.wav", 0, short), Clip("long.wav", 0, long), dog]
    shares = {}
    for balance, sampler in (("offset", WindowSampler), ("file", transforms.FileBalancedSampler)):
        x, y = sampler(clips, threshold=0.1).batch(rng, 4000)
        shares[balance] = float(np.mean(x[y == 0, 0, 0] > 0))
    assert shares["offset"] == pytest.approx(19200 / 163201, abs=0.03)  # the short file's share of all offsets
    assert shares["file"] == pytest.approx(0.5, abs=0.04)
    assert transforms.training_options({"balance": "file"}) == {"sampler": transforms.FileBalancedSampler}


def test_frequency_mask_removes_one_band_and_keeps_the_rest():
    t = np.arange(16000) / 16000
    tones = (300, 600, 1200, 2400, 4800)
    x = np.tile(sum(np.sin(2 * np.pi * f * t) for f in tones), (8, 1)).astype(np.float32)
    aug = only(transforms.Notch(1.0, octaves=(0.5, 0.5)))
    spectrum = np.abs(np.fft.rfft(augmented(aug, x), axis=1))  # 1-s windows: bin k is k Hz
    kept = spectrum[:, list(tones)] > 7000  # a full tone gives 8000
    removed = spectrum[:, list(tones)] < 1e-3
    assert np.all(kept | removed)
    assert np.all(removed.sum(axis=1) <= 1)  # half an octave holds at most one of tones an octave apart
    assert 0 < removed.sum() < 8  # some windows lose a tone, not all (some bands fall between the tones)
    assert len({tuple(row) for row in removed}) > 1  # the band differs from window to window


def test_time_mask_silences_one_stretch_of_the_drawn_length():
    x = np.ones((8, 16000), np.float32)
    aug = only(transforms.Gap(1.0, seconds=(0.05, 0.1)))
    y = augmented(aug, x)
    assert y.dtype == np.float32
    silent = y == 0
    starts = np.diff(silent.astype(int), axis=1, prepend=0) == 1
    assert np.all(starts.sum(axis=1) == 1)  # one stretch per window
    ends_inside = ~silent[:, -1]
    assert np.all((silent.sum(axis=1)[ends_inside] >= 800) & (silent.sum(axis=1)[ends_inside] <= 1600))
    assert np.all(y[~silent] == 1)  # the rest is untouched
    assert len(set(np.argmax(silent, axis=1))) == 8  # each window has its own start


def test_reverb_keeps_the_direct_sound_and_adds_a_decaying_tail():
    x = np.zeros((6, 16000), np.float32)
    x[:, 1000] = 1.0  # a click
    aug = only(transforms.Reverb(1.0, rt60_s=(0.5, 0.5), wet=(0.5, 0.5)))
    y = augmented(aug, x)
    assert y.dtype == np.float32
    assert np.abs(y[:, :1000]).max() < 1e-5  # nothing before the sound
    np.testing.assert_allclose(y[:, 1000], 1.0, atol=0.2)  # the direct sound, plus the tail's first sample
    tail = y[:, 1001:]
    np.testing.assert_allclose(np.sqrt(np.sum(tail**2, axis=1)), 0.5, rtol=0.05)  # wet/dry ratio
    early, late = np.sum(tail[:, :800] ** 2, axis=1), np.sum(tail[:, 4000:4800] ** 2, axis=1)
    decay_db = 10 * np.log10(early / late)
    np.testing.assert_allclose(decay_db, 60 * 4000 / 8000, atol=6)  # 60 dB per rt60 (8000 samples)


def test_mixup_blends_windows_and_labels_with_the_same_weight(rng):
    x = np.stack([np.full(16000, 0.5 * i, np.float32) for i in range(8)])
    y = (np.arange(8) % 2).astype(np.float32)
    mixed_x, mixed_y = transforms.Mixup(0.4)(x, y, np.random.default_rng(0))
    replay = np.random.default_rng(0)  # the same draws, in the same order, as Mixup makes
    weight = replay.beta(0.4, 0.4, size=8).astype(np.float32)
    partner = replay.permutation(8)
    np.testing.assert_allclose(mixed_x[:, 0], weight * x[:, 0] + (1 - weight) * x[partner, 0], rtol=1e-6)
    np.testing.assert_allclose(mixed_y, weight * y + (1 - weight) * y[partner], rtol=1e-6)
    assert not np.array_equal(mixed_y, y)


def test_background_adds_another_window_of_the_batch_at_the_asked_level():
    x = np.zeros((4, 16000), np.float32)
    for i in range(4):
        x[i, 1000 * i] = 1.0  # a click at a different place in each window
    aug = only(transforms.Background(1.0, snr_db=(20.0, 20.0)))
    y = augmented(aug, x)
    np.testing.assert_allclose(y[np.arange(4), 1000 * np.arange(4)], 1.0)  # each window's own click is kept
    added = y - x
    assert np.all(np.count_nonzero(added, axis=1) == 1)  # one other click, behind
    np.testing.assert_allclose(np.abs(added).max(axis=1), 0.1, rtol=1e-5)  # 20 dB down
    assert not np.any(added[np.arange(4), 1000 * np.arange(4)])  # from another window, not itself
    assert np.array_equal(augmented(aug, x[:1]), x[:1])  # a lone window has no other to add


def test_cosine_schedule_falls_to_zero_over_the_run():
    config = recipe("original", learning_rate=0.01, epochs=4, steps_per_epoch=10)
    optimizer = transforms.compile_with(cosine=True)(build_model(), config).optimizer
    rates = []
    for step in (0, 20, 40):  # the start, the middle and the end of 4 epochs of 10 steps
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([0.01, 0.005, 0.0], abs=1e-7)
    with pytest.raises(CatDogError, match="one learning-rate schedule"):
        transforms.compile_with(cosine=True)(build_model(), recipe("original", reduce_lr=True))


def test_weight_decay_shrinks_weights_that_get_no_gradient():
    kernels = {}
    for decay in (0.0, 0.05):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
        compile_model = transforms.compile_with(weight_decay=decay)
        compile_model(model, recipe("original", learning_rate=0.01, steps_per_epoch=1))
        model.fit(np.zeros((8, 1)), np.zeros(8), batch_size=8, verbose=0)  # zero input: zero gradient
        kernels[decay] = float(model.get_weights()[0][0, 0])
    assert kernels[0.0] == 1.0
    assert kernels[0.05] == pytest.approx(1 - 0.01 * 0.05)  # one step, decoupled from the gradient


def test_label_smoothing_penalises_a_certain_right_answer():
    losses = {}
    for smoothing in (0.0, 0.1):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
        model.set_weights([np.zeros((1, 1)), np.array([12.0])])  # p(dog) = 0.999994 for every input
        transforms.compile_with(label_smoothing=smoothing)(model, recipe("original"))
        losses[smoothing] = model.evaluate(np.zeros((8, 1)), np.ones(8), verbose=0)[0]
    assert losses[0.0] < 1e-4
    assert losses[0.1] > 0.5  # the target is 0.95, not 1
