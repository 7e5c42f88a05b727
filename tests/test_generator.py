import numpy as np
import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.data import Clip
from catdog_cnn.generator import (
    Augmentation,
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


def test_file_balance_gives_a_short_file_as_many_windows_as_a_long_one(rng):
    # the short cat file is positive, the long one negative: a window's first sample names its file
    short, long = np.full(int(1.2 * 16000), 0.5, np.float32), np.full(10 * 16000, -0.5, np.float32)
    dog = Clip("dog.wav", 1, np.full(2 * 16000, 0.5, np.float32))
    clips = [Clip("short.wav", 0, short), Clip("long.wav", 0, long), dog]
    shares = {}
    for balance in ("offset", "file"):
        x, y = WindowSampler(clips, threshold=0.1, balance=balance).batch(rng, 4000)
        shares[balance] = float(np.mean(x[y == 0, 0, 0] > 0))
    assert shares["offset"] == pytest.approx(19200 / 163201, abs=0.03)  # the short file's share of all offsets
    assert shares["file"] == pytest.approx(0.5, abs=0.04)
    with pytest.raises(CatDogError, match="balance must be one of"):
        WindowSampler(clips, balance="clip")


def test_unreachable_threshold_raises_instead_of_looping(synthetic_clips):
    quiet_dogs = [c if c.label == 0 else Clip(c.name, 1, np.zeros(20000, np.float32)) for c in synthetic_clips]
    with pytest.raises(CatDogError, match="no dog window reaches"):
        WindowSampler(quiet_dogs)


def test_missing_class_is_reported(synthetic_clips):
    with pytest.raises(CatDogError, match="no dog clip"):
        WindowSampler([c for c in synthetic_clips if c.label == 0])


def test_augmentation_is_seeded_and_changes_windows(rng):
    x = np.tile(np.sin(np.linspace(0, 50, 16000, dtype=np.float32)), (4, 1))
    aug = Augmentation(noise_prob=1.0, flip_prob=0.0)
    a = aug(x, np.random.default_rng(0))
    np.testing.assert_array_equal(a, aug(x, np.random.default_rng(0)))
    snr = 10 * np.log10(np.mean(x**2, axis=1) / np.mean((a - x) ** 2, axis=1))
    assert np.all((snr > 4) & (snr < 41))


def test_band_limiting_removes_what_lies_outside_the_band(rng):
    x = rng.standard_normal((8, 16000)).astype(np.float32)
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, band_prob=1.0, band_low_hz=(300, 300), band_high_hz=(3000, 3000))
    spectrum = np.abs(np.fft.rfft(aug(x, np.random.default_rng(0)), axis=1)) ** 2
    freqs = np.fft.rfftfreq(16000, 1 / 16000)
    outside = spectrum[:, (freqs < 290) | (freqs > 3010)].sum()
    assert outside < 1e-6 * spectrum.sum()
    assert spectrum[:, (freqs > 310) & (freqs < 2990)].min(axis=1).mean() > 0


def test_hum_adds_a_mains_tone_at_the_asked_level(rng):
    x = np.zeros((4, 16000), np.float32)
    x[:, 0] = 1.0  # peak 1, nothing else
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, hum_prob=1.0, hum_hz=(60.0,), hum_level=(0.1, 0.1))
    hum = aug(x, np.random.default_rng(0))[:, 1:]
    np.testing.assert_allclose(np.abs(hum).max(axis=1), 0.1, rtol=1e-3)
    spectrum = np.abs(np.fft.rfft(hum, axis=1))
    assert np.all(np.fft.rfftfreq(15999, 1 / 16000)[spectrum.argmax(axis=1)].round() == 60)


def test_tilt_changes_high_against_low_by_the_drawn_slope():
    t = np.arange(16000) / 16000
    x = np.tile(np.sin(2 * np.pi * 250 * t) + np.sin(2 * np.pi * 4000 * t), (6, 1)).astype(np.float32)
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, tilt_prob=1.0, tilt_db_per_octave=(-6.0, 6.0))
    y = aug(x, np.random.default_rng(0))
    replay = np.random.default_rng(0)  # the draws _tilted makes after the (unused) noise and sign draws
    replay.uniform(size=(6, 1)), replay.random((6, 1)), replay.standard_normal(x.shape, dtype=np.float32)
    replay.uniform(size=(6, 1)), replay.random((6, 1)), replay.random(6)
    slope = replay.uniform(-6.0, 6.0, size=6)
    spectrum = np.abs(np.fft.rfft(y, axis=1))  # 1-s windows: bin k is k Hz
    high_over_low = 20 * np.log10(spectrum[:, 4000] / spectrum[:, 250])
    np.testing.assert_allclose(high_over_low, 4 * slope, atol=0.01)  # 250 Hz to 4 kHz is four octaves
    np.testing.assert_allclose(spectrum[:, 1000], 0, atol=1e-2)  # nothing new appears between them
    assert np.ptp(slope) > 3  # the slopes differ from window to window


def test_frequency_mask_removes_one_band_and_keeps_the_rest():
    t = np.arange(16000) / 16000
    tones = (300, 600, 1200, 2400, 4800)
    x = np.tile(sum(np.sin(2 * np.pi * f * t) for f in tones), (8, 1)).astype(np.float32)
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, notch_prob=1.0, notch_octaves=(0.5, 0.5))
    spectrum = np.abs(np.fft.rfft(aug(x, np.random.default_rng(0)), axis=1))  # 1-s windows: bin k is k Hz
    kept = spectrum[:, list(tones)] > 7000  # a full tone gives 8000
    removed = spectrum[:, list(tones)] < 1e-3
    assert np.all(kept | removed)
    assert np.all(removed.sum(axis=1) <= 1)  # half an octave holds at most one of tones an octave apart
    assert 0 < removed.sum() < 8  # some windows lose a tone, not all (some bands fall between the tones)
    assert len({tuple(row) for row in removed}) > 1  # the band differs from window to window


def test_time_mask_silences_one_stretch_of_the_drawn_length():
    x = np.ones((8, 16000), np.float32)
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, gap_prob=1.0, gap_s=(0.05, 0.1))
    y = aug(x, np.random.default_rng(0))
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
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, reverb_prob=1.0, reverb_rt60_s=(0.5, 0.5), reverb_wet=(0.5, 0.5))
    y = aug(x, np.random.default_rng(0))
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
    mixed_x, mixed_y = Augmentation(mixup_alpha=0.4).mix(x, y, np.random.default_rng(0))
    replay = np.random.default_rng(0)  # the same draws, in the same order, as mix makes
    weight = replay.beta(0.4, 0.4, size=8).astype(np.float32)
    partner = replay.permutation(8)
    np.testing.assert_allclose(mixed_x[:, 0], weight * x[:, 0] + (1 - weight) * x[partner, 0], rtol=1e-6)
    np.testing.assert_allclose(mixed_y, weight * y + (1 - weight) * y[partner], rtol=1e-6)
    assert not np.array_equal(mixed_y, y)
    unchanged = Augmentation().mix(x, y, np.random.default_rng(0))
    assert unchanged[0] is x and unchanged[1] is y


def test_background_adds_another_window_of_the_batch_at_the_asked_level():
    x = np.zeros((4, 16000), np.float32)
    for i in range(4):
        x[i, 1000 * i] = 1.0  # a click at a different place in each window
    aug = Augmentation(noise_prob=0.0, flip_prob=0.0, background_prob=1.0, background_snr_db=(20.0, 20.0))
    y = aug(x, np.random.default_rng(0))
    np.testing.assert_allclose(y[np.arange(4), 1000 * np.arange(4)], 1.0)  # each window's own click is kept
    added = y - x
    assert np.all(np.count_nonzero(added, axis=1) == 1)  # one other click, behind
    np.testing.assert_allclose(np.abs(added).max(axis=1), 0.1, rtol=1e-5)  # 20 dB down
    assert not np.any(added[np.arange(4), 1000 * np.arange(4)])  # from another window, not itself
    assert np.array_equal(aug(x[:1], np.random.default_rng(0)), x[:1])  # a lone window has no other to add


def test_new_augmentations_off_leave_the_batches_as_they_were(rng):
    x = rng.standard_normal((8, 16000)).astype(np.float32)
    plain = Augmentation()(x, np.random.default_rng(3))
    off = Augmentation(
        band_prob=0.0, tilt_prob=0.0, notch_prob=0.0, gap_prob=0.0, hum_prob=0.0, reverb_prob=0.0, background_prob=0.0
    )
    np.testing.assert_array_equal(off(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(band_prob=1.0)(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(tilt_prob=1.0)(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(notch_prob=1.0)(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(gap_prob=1.0)(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(reverb_prob=1.0)(x, np.random.default_rng(3)), plain)
    assert not np.array_equal(Augmentation(background_prob=1.0)(x, np.random.default_rng(3)), plain)


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
