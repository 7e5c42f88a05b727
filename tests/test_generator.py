import numpy as np
import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.sound.augment import TRANSFORMS, Augmentation, BandLimit, Hum, Tilt, Transform, transform_from_dict
from catdog_cnn.sound.data import Clip
from catdog_cnn.sound.generator import (
    SegmentBatches,
    WindowSampler,
    _window_peaks,
    clip_windows,
    evaluation_windows,
    kept_fraction_curve,
    level_by_class,
    peak_normalize,
    throughput,
)


def test_window_peaks_match_brute_force(rng):
    x = rng.standard_normal(3000).astype(np.float32)
    brute = np.abs(np.lib.stride_tricks.sliding_window_view(x, 250)).max(axis=1)
    np.testing.assert_array_equal(_window_peaks(x, 250), brute)


def test_batch_shape_balance_and_threshold(synthetic_clips, rng):
    sampler = WindowSampler(synthetic_clips, threshold=0.5, normalization="class")
    x, y = sampler.batch(rng, 32)
    assert x.shape == (32, 16000, 1) and x.dtype == np.float32
    assert y.sum() == 16
    assert np.all(np.abs(x).max(axis=(1, 2)) >= 0.5)


def test_every_drawn_window_passes_the_threshold(synthetic_clips, rng):
    sampler = WindowSampler(synthetic_clips, threshold=0.9)
    # dog windows must include part of the burst: their offsets lie within one second of it
    for _ in range(20):
        x, y = sampler.batch(rng, 8)
        assert np.all(np.abs(x[y == 1]).max(axis=(1, 2)) >= 0.9)


def test_class_normalization_scales_each_class_by_its_own_peak(synthetic_clips):
    sampler = WindowSampler(synthetic_clips, normalization="class")
    assert [float(np.abs(s).max()) for s in sampler.streams] == pytest.approx([1.0, 1.0])
    glob = WindowSampler(synthetic_clips, normalization="global", threshold=0.2)
    assert float(np.abs(glob.streams[0]).max()) == pytest.approx(0.3 / (0.9 + 0.03), rel=0.05)


def test_window_normalization_gives_unit_peaks(synthetic_clips, rng):
    sampler = WindowSampler(synthetic_clips, normalization="window", augmentation=Augmentation())
    x, _ = sampler.batch(rng, 16)
    np.testing.assert_allclose(np.abs(x).max(axis=(1, 2)), 1.0, rtol=1e-6)


def test_same_seed_same_batches(synthetic_clips):
    feed = SegmentBatches(WindowSampler(synthetic_clips), steps=3, batch_size=8, seed=7)
    again = SegmentBatches(WindowSampler(synthetic_clips), steps=3, batch_size=8, seed=7)
    np.testing.assert_array_equal(feed[2][0], again[2][0])
    first = feed[0][0]
    feed.on_epoch_end()
    assert not np.array_equal(feed[0][0], first)  # a new epoch draws new windows
    fixed = SegmentBatches(WindowSampler(synthetic_clips), steps=3, batch_size=8, seed=7, fixed=True)
    fixed.on_epoch_end()
    np.testing.assert_array_equal(fixed[0][0], first)


def test_unreachable_threshold_raises_instead_of_looping(synthetic_clips):
    quiet_dogs = [c if c.label == 0 else Clip(c.name, 1, np.zeros(20000, np.float32)) for c in synthetic_clips]
    with pytest.raises(CatDogError, match="no dog window reaches"):
        WindowSampler(quiet_dogs)


def test_missing_class_is_reported(synthetic_clips):
    with pytest.raises(CatDogError, match="no dog clip"):
        WindowSampler([c for c in synthetic_clips if c.label == 0])


def augmented(aug: Augmentation, x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The windows ``aug`` makes of ``x`` (labels all cat) with ``seed``."""
    return aug(x, np.zeros(len(x), np.float32), np.random.default_rng(seed))[0]


def test_augmentation_is_seeded_and_changes_windows(rng):
    x = np.tile(np.sin(np.linspace(0, 50, 16000, dtype=np.float32)), (4, 1))
    aug = Augmentation(noise_prob=1.0, flip_prob=0.0)
    a = augmented(aug, x)
    np.testing.assert_array_equal(a, augmented(aug, x))
    snr = 10 * np.log10(np.mean(x**2, axis=1) / np.mean((a - x) ** 2, axis=1))
    assert np.all((snr > 4) & (snr < 41))


def test_band_limiting_removes_what_lies_outside_the_band(rng):
    x = rng.standard_normal((8, 16000)).astype(np.float32)
    band = BandLimit(1.0, low_hz=(300, 300), high_hz=(3000, 3000))
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, transforms=(band,))
    spectrum = np.abs(np.fft.rfft(augmented(aug, x), axis=1)) ** 2
    freqs = np.fft.rfftfreq(16000, 1 / 16000)
    outside = spectrum[:, (freqs < 290) | (freqs > 3010)].sum()
    assert outside < 1e-6 * spectrum.sum()
    assert spectrum[:, (freqs > 310) & (freqs < 2990)].min(axis=1).mean() > 0


def test_hum_adds_a_mains_tone_at_the_asked_level(rng):
    x = np.zeros((4, 16000), np.float32)
    x[:, 0] = 1.0  # peak 1, nothing else
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, transforms=(Hum(1.0, hz=(60.0,), level=(0.1, 0.1)),))
    hum = augmented(aug, x)[:, 1:]
    np.testing.assert_allclose(np.abs(hum).max(axis=1), 0.1, rtol=1e-3)
    spectrum = np.abs(np.fft.rfft(hum, axis=1))
    assert np.all(np.fft.rfftfreq(15999, 1 / 16000)[spectrum.argmax(axis=1)].round() == 60)


def test_tilt_changes_high_against_low_by_the_drawn_slope():
    t = np.arange(16000) / 16000
    x = np.tile(np.sin(2 * np.pi * 250 * t) + np.sin(2 * np.pi * 4000 * t), (6, 1)).astype(np.float32)
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, transforms=(Tilt(1.0, db_per_octave=(-6.0, 6.0)),))
    y = augmented(aug, x)
    replay = np.random.default_rng(0)  # the draws Tilt makes after the (unused) noise and sign draws
    replay.uniform(size=(6, 1)), replay.random((6, 1)), replay.standard_normal(x.shape, dtype=np.float32)
    replay.uniform(size=(6, 1)), replay.random((6, 1)), replay.random(6)
    slope = replay.uniform(-6.0, 6.0, size=6)
    spectrum = np.abs(np.fft.rfft(y, axis=1))  # 1-s windows: bin k is k Hz
    high_over_low = 20 * np.log10(spectrum[:, 4000] / spectrum[:, 250])
    np.testing.assert_allclose(high_over_low, 4 * slope, atol=0.01)  # 250 Hz to 4 kHz is four octaves
    np.testing.assert_allclose(spectrum[:, 1000], 0, atol=1e-2)  # nothing new appears between them
    assert np.ptp(slope) > 3  # the slopes differ from window to window


def test_every_transform_is_drawn_only_when_listed_and_changes_windows(rng):
    x = rng.standard_normal((8, 16000)).astype(np.float32)
    plain = augmented(Augmentation(), x, seed=3)
    for transform in (BandLimit(1.0), Tilt(1.0), Hum(1.0)):
        assert not np.array_equal(augmented(Augmentation(transforms=(transform,)), x, seed=3), plain)
    # a transform after another sees its windows: the order in the recipe is the order they apply
    both = Augmentation(transforms=(BandLimit(1.0), Hum(1.0)))
    assert not np.array_equal(augmented(both, x), augmented(Augmentation(transforms=(Hum(1.0), BandLimit(1.0))), x))


def test_a_transform_class_registers_itself_once_and_is_saved_by_name():
    assert {"band", "tilt", "hum"} <= set(TRANSFORMS) and TRANSFORMS["band"] is BandLimit
    saved = Tilt(0.5, db_per_octave=(-3.0, 3.0)).to_dict()
    assert saved == {"name": "tilt", "prob": 0.5, "db_per_octave": [-3.0, 3.0]}
    assert transform_from_dict(saved) == Tilt(0.5, db_per_octave=(-3.0, 3.0))
    with pytest.raises(CatDogError, match="already named 'hum'"):

        class Again(Transform, name="hum"):
            pass

    with pytest.raises(CatDogError, match="unknown augmentation transform 'echo'"):
        transform_from_dict({"name": "echo", "prob": 1.0})


def test_clip_windows_pads_short_clips_and_hops():
    assert clip_windows(np.ones(5000, np.float32)).shape == (1, 16000)
    assert clip_windows(np.ones(40000, np.float32)).shape == (2, 16000)
    assert clip_windows(np.ones(40000, np.float32), hop=8000).shape == (4, 16000)


def test_clip_windows_normalization_choice():
    audio = np.full(16000, 0.25, np.float32)
    assert clip_windows(audio, normalization="window").max() == 1.0
    assert clip_windows(audio, normalization="none").max() == 0.25
    with pytest.raises(CatDogError):
        clip_windows(audio, normalization="class")


def test_peak_normalize_leaves_silence_alone():
    x = np.zeros((2, 10), np.float32)
    x[1, 3] = -0.5
    np.testing.assert_array_equal(peak_normalize(x)[1, 3], -1.0)
    assert not np.any(np.isnan(peak_normalize(x)))


def test_evaluation_windows_track_their_clip(synthetic_clips):
    w = evaluation_windows(synthetic_clips)
    assert w.x.shape == (3 * 2 + 2 * 3, 16000, 1)
    assert list(w.clip) == [0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4]
    assert list(w.y) == [0] * 6 + [1] * 6
    assert list(w.clip_labels) == [0, 0, 0, 1, 1]


def test_min_peak_drops_quiet_windows_but_keeps_the_loudest():
    audio = np.full(48000, 0.01, np.float32)
    audio[20000] = 0.8
    assert clip_windows(audio, min_peak=0.4).shape == (1, 16000)
    assert clip_windows(audio, min_peak=0.0).shape == (3, 16000)
    assert clip_windows(np.full(48000, 0.01, np.float32), min_peak=0.4).shape == (3, 16000)


def test_kept_fraction_curve_falls_with_the_threshold(synthetic_clips):
    curve = kept_fraction_curve(synthetic_clips, np.array([0.0, 0.5, 0.95]))
    assert curve.shape == (3, 2)
    np.testing.assert_array_equal(curve[0], [1.0, 1.0])
    assert np.all(np.diff(curve, axis=0) <= 0)
    # only dog windows that overlap one of the two 0.25 s bursts pass 0.5: 2 x (16000 + 4000) of 80001
    assert curve[1, 1] == pytest.approx(40000 / 80001, abs=0.01)


def test_level_by_class_shows_what_window_normalization_removes(synthetic_clips):
    class_level = level_by_class(WindowSampler(synthetic_clips, normalization="class"), n=256)
    window_level = level_by_class(WindowSampler(synthetic_clips, normalization="window"), n=256)
    assert set(class_level) == {"cat", "dog"}
    assert class_level["cat"] > class_level["dog"] + 3  # a steady tone vs a short burst
    assert all(v <= 0 for v in window_level.values())


def test_throughput_counts_windows_per_second(synthetic_clips):
    assert throughput(WindowSampler(synthetic_clips), n_batches=5, batch_size=8) > 100
