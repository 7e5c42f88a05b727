"""A kernel as an FIR filter: its derived frequency response against tones, and where a stride folds a tone."""

import numpy as np
import pytest

from catdog_cnn.sound import signals


def test_the_response_of_a_two_tap_average_is_one_at_zero_and_zero_at_nyquist():
    h = signals.frequency_response(np.array([0.5, 0.5]), np.array([0.0, 4000.0, 8000.0]), sample_rate=16000)
    assert np.abs(h) == pytest.approx([1.0, np.sqrt(0.5), 0.0], abs=1e-12)


def test_the_derived_response_is_what_tones_measure():
    kernel = np.random.default_rng(0).standard_normal(80)
    freqs = np.array([100.0, 700.0, 1900.0, 3100.0, 6500.0])
    derived = np.abs(signals.frequency_response(kernel, freqs))
    assert signals.measured_gain(kernel, freqs) == pytest.approx(derived, rel=0.02)


def test_a_tone_above_the_new_nyquist_folds_back():
    assert signals.folded_frequency(3000, 4000) == 1000
    assert signals.folded_frequency(1500, 4000) == 1500
    assert signals.folded_frequency(5000, 4000) == 1000
    rate = 16000
    tone = np.sin(2 * np.pi * 3000 * np.arange(rate) / rate)
    freqs, db = signals.spectrum(tone[::4], rate / 4)  # keep one sample in four
    assert freqs[db.argmax()] == pytest.approx(1000, abs=2)
    freqs, db = signals.spectrum(signals.moving_average(tone, 8)[::4], rate / 4)
    assert db.max() < -10  # averaging 8 samples damps a 3-kHz tone before it can fold


def test_signal_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from catdog_cnn.look import plots

    f = np.linspace(0, 8000, 5)
    ax = plots.filter_response(f, -f / 1000, (f[::2], -f[::2] / 1000), nyquist_after_stride=2000)
    assert len(ax.lines) == 3 and ax.get_xlabel() == "frequency (Hz)"
    ax = plots.spectra({"a": (f, -f / 100), "b": (f, -f / 50)})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
