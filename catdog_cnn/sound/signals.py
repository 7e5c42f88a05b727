"""The signal processing under a first convolution: a kernel as an FIR filter, its frequency response, and the
aliasing a stride allows.

A kernel h of K taps, slid along the waveform, is a finite impulse response (FIR) filter. A tone of frequency f
comes out as the same tone scaled by |H(f)|, with H(f) = sum over k of h[k] e^(-j 2 pi f k / fs): the
frequency response. Keras slides the kernel without flipping it (a cross-correlation), which changes the phase
of H but not its size. A stride s then keeps one output in s: the output's sample rate is fs / s, and a tone
above half of that (its Nyquist frequency) folds back to a lower one: aliasing.
"""

from __future__ import annotations

import numpy as np

from ..config import SAMPLE_RATE

__all__ = ["frequency_response", "measured_gain", "spectrum", "folded_frequency", "moving_average"]


def frequency_response(kernel: np.ndarray, freqs: np.ndarray, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """H(f) = sum_k kernel[k] exp(-j 2 pi f k / sample_rate), complex, at each of ``freqs`` (Hz)."""
    k = np.arange(len(kernel))
    return np.exp(-2j * np.pi * np.outer(freqs, k) / sample_rate) @ np.asarray(kernel, dtype=float)


def measured_gain(kernel: np.ndarray, freqs: np.ndarray, *, sample_rate: int = SAMPLE_RATE,
                  seconds: float = 0.25) -> np.ndarray:  # fmt: skip
    """The gain of the kernel slid over a tone at each of ``freqs``, measured: RMS out / RMS in (steady part)."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    gains = []
    for f in freqs:
        x = np.sin(2 * np.pi * f * t)
        y = np.correlate(x, np.asarray(kernel, dtype=float), mode="valid")  # as Keras slides it, stride 1
        gains.append(np.sqrt(np.mean(y**2)) / np.sqrt(np.mean(x**2)))
    return np.array(gains)


def spectrum(x: np.ndarray, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The magnitude spectrum of ``x`` in dB (Hann window), and its frequencies from 0 to sample_rate / 2."""
    w = np.hanning(len(x))
    magnitude = np.abs(np.fft.rfft(x * w)) / (w.sum() / 2)
    return np.fft.rfftfreq(len(x), 1 / sample_rate), 20 * np.log10(magnitude + 1e-12)


def folded_frequency(freq: float, sample_rate: float) -> float:
    """Where a tone of ``freq`` appears after sampling at ``sample_rate``: folded into 0 .. sample_rate / 2."""
    f = freq % sample_rate
    return float(min(f, sample_rate - f))


def moving_average(x: np.ndarray, n: int) -> np.ndarray:
    """The mean of every ``n`` consecutive samples: a crude low-pass filter, the same length as ``x``."""
    return np.convolve(x, np.ones(n) / n, mode="same")
