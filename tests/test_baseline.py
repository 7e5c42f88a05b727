import numpy as np

from catdog_cnn.anchors.baseline import LogMelBaseline, log_mel, mel_features, mel_filterbank
from conftest import tone


def test_mel_filterbank_covers_the_spectrum():
    fb = mel_filterbank(n_mels=40, n_fft=512)
    assert fb.shape == (40, 257)
    assert np.all(fb >= 0) and np.all(fb.max(axis=1) > 0.5)
    centres = fb.argmax(axis=1)
    assert np.all(np.diff(centres) >= 0)  # filters climb in frequency
    assert np.diff(centres)[-1] > np.diff(centres)[0]  # and widen, as mel bands do


def test_log_mel_puts_a_tone_in_the_right_band():
    low, high = tone(300, 1.0)[None], tone(4000, 1.0)[None]
    assert log_mel(low).shape == (1, 40, 61)  # (16000 - 512) // 256 + 1 frames
    assert log_mel(low)[0].mean(axis=1).argmax() < log_mel(high)[0].mean(axis=1).argmax()


def test_baseline_separates_low_from_high_tones(rng):
    x = np.stack(
        [tone(f, 1.0) for f in rng.uniform(200, 600, 20)] + [tone(f, 1.0) for f in rng.uniform(2000, 4000, 20)]
    )
    x += 0.05 * rng.standard_normal(x.shape).astype(np.float32)
    y = np.array([0] * 20 + [1] * 20)
    model = LogMelBaseline().fit(x, y)
    assert mel_features(x).shape == (40, 80)
    assert np.mean((model.predict(x) > 0.5) == y) == 1.0


def test_baseline_fits_on_clips(synthetic_clips):
    model = LogMelBaseline().fit_clips(synthetic_clips, n_windows=64)
    p = model.predict(np.stack([c.audio[:16000] for c in synthetic_clips]))
    assert p.shape == (5,) and np.all((p >= 0) & (p <= 1))
