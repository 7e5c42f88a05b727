"""Recording conditions the dataset does not have, simulated on whole clips.

Users feed the model sounds from other microphones, rooms and codecs. Each
function here turns a clip's audio into what another recording chain might have
made of it; :func:`perturbed` applies one to a list of clips so that the usual
evaluation can score a model on the changed test files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from ..config import SAMPLE_RATE, SEED, CatDogError
from .data import Clip
from .dsp import tilt_gain

__all__ = [
    "quieter",
    "with_noise",
    "telephone",
    "mu_law",
    "clipped",
    "with_hum",
    "with_echo",
    "pitched",
    "tilt_gain",
    "tilted",
    "CONDITIONS",
    "perturbed",
]

Perturbation = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def quieter(audio: np.ndarray, rng: np.random.Generator, *, gain_db: float = -20.0) -> np.ndarray:
    """A distant or low-gain microphone: the same sound ``gain_db`` dB quieter."""
    return (audio * 10 ** (gain_db / 20)).astype(np.float32)


def with_noise(
    audio: np.ndarray, rng: np.random.Generator, *, snr_db: float = 10.0, color: str = "white"
) -> np.ndarray:
    """Background noise at ``snr_db`` dB below the clip's RMS.

    ``color="white"`` has the same power at every frequency (hiss);
    ``color="pink"`` the same power in every octave (power falling as 1/f), more
    like the rumble of a street or a fan.
    """
    noise = rng.standard_normal(audio.shape)
    if color == "pink":
        freqs = np.fft.rfftfreq(len(audio))
        shape = np.zeros_like(freqs)
        shape[1:] = 1 / np.sqrt(freqs[1:])  # amplitude 1/sqrt(f): power 1/f, no DC
        noise = np.fft.irfft(np.fft.rfft(noise) * shape, n=len(audio))
        noise /= np.sqrt(np.mean(noise**2)) + 1e-12  # unit power, as white noise has
    elif color != "white":
        raise CatDogError(f"noise color must be 'white' or 'pink', not {color!r}")
    rms = np.sqrt(np.mean(audio**2)) + 1e-8
    noise = noise * rms * 10 ** (-snr_db / 20)
    return np.clip(audio + noise, -1, 1).astype(np.float32)


def telephone(audio: np.ndarray, rng: np.random.Generator, *, rate: int = 8000, low_hz: float = 300.0) -> np.ndarray:
    """A narrow-band chain: down to ``rate`` Hz and back (nothing above rate/2), no bass below ``low_hz``."""
    narrow = resample_poly(resample_poly(audio, rate, SAMPLE_RATE), SAMPLE_RATE, rate)[: len(audio)]
    sos = butter(4, low_hz, btype="highpass", fs=SAMPLE_RATE, output="sos")
    return sosfilt(sos, narrow).astype(np.float32)


def mu_law(
    audio: np.ndarray, rng: np.random.Generator, *, rate: int = 8000, bits: int = 8, mu: float = 255.0
) -> np.ndarray:
    """A telephone codec like G.711: ``rate`` Hz, each sample kept in ``bits`` bits on a mu-law scale.

    The mu-law scale spends its levels on quiet samples, as the codec does, so
    loud sounds keep about the same relative precision as quiet ones.
    """
    narrow = np.clip(resample_poly(audio, rate, SAMPLE_RATE), -1, 1)
    companded = np.sign(narrow) * np.log1p(mu * np.abs(narrow)) / np.log1p(mu)
    steps = 2 ** (bits - 1)
    quantized = np.round(companded * steps) / steps
    expanded = np.sign(quantized) * np.expm1(np.abs(quantized) * np.log1p(mu)) / mu
    return resample_poly(expanded, SAMPLE_RATE, rate)[: len(audio)].astype(np.float32)


def clipped(audio: np.ndarray, rng: np.random.Generator, *, level: float = 0.3) -> np.ndarray:
    """An overdriven microphone or recorder: every sample beyond ``level`` of the clip's peak is cut off there."""
    limit = level * np.abs(audio).max()
    return np.clip(audio, -limit, limit).astype(np.float32)


def with_hum(audio: np.ndarray, rng: np.random.Generator, *, freq: float = 50.0, level: float = 0.1) -> np.ndarray:
    """Mains hum: a ``freq`` Hz tone and its harmonics at ``level`` of the clip's peak."""
    t = np.arange(len(audio)) / SAMPLE_RATE
    hum = sum(np.sin(2 * np.pi * k * freq * t) / k for k in (1, 2, 3))
    peak = np.abs(audio).max()
    return np.clip(audio + level * peak * hum / np.abs(hum).max(), -1, 1).astype(np.float32)


def with_echo(audio: np.ndarray, rng: np.random.Generator, *, seconds: float = 0.3, decay: float = 0.25) -> np.ndarray:
    """A reverberant room, crudely: exponentially decaying noise as the impulse response."""
    n = int(seconds * SAMPLE_RATE)
    response = rng.standard_normal(n) * np.exp(-np.arange(n) / (decay * n))
    response[0] = 1.0 / 0.3  # the direct sound stays the loudest part
    wet = np.convolve(audio, response * 0.3)[: len(audio)]
    return (wet / (np.abs(wet).max() + 1e-8) * np.abs(audio).max()).astype(np.float32)


def pitched(audio: np.ndarray, rng: np.random.Generator, *, factor: float = 1.1) -> np.ndarray:
    """A higher (``factor`` > 1) or lower voice: every frequency times ``factor``, the clip ``1 / factor`` as long.

    As a smaller or larger animal might sound, or a recording played faster or slower.
    """
    ratio = Fraction(factor).limit_denominator(100)
    return resample_poly(audio, ratio.denominator, ratio.numerator).astype(np.float32)


def tilted(audio: np.ndarray, rng: np.random.Generator, *, db_per_octave: float = 3.0) -> np.ndarray:
    """A brighter (``db_per_octave`` > 0) or darker (< 0) microphone or loudspeaker (see :func:`tilt_gain`).

    The result has the clip's peak, so only the balance of low and high changes.
    """
    out = np.fft.irfft(np.fft.rfft(audio) * tilt_gain(len(audio), db_per_octave), n=len(audio))
    return (out * np.abs(audio).max() / (np.abs(out).max() + 1e-12)).astype(np.float32)


CONDITIONS: dict[str, Perturbation] = {
    "as recorded": lambda audio, rng: audio,
    "20 dB quieter": quieter,
    "white noise, SNR 20 dB": lambda audio, rng: with_noise(audio, rng, snr_db=20.0),
    "white noise, SNR 10 dB": with_noise,
    "pink noise, SNR 10 dB": lambda audio, rng: with_noise(audio, rng, color="pink"),
    "telephone band (300-4000 Hz)": telephone,
    "telephone codec (8-bit mu-law, 8 kHz)": mu_law,
    "clipped at 30% of the peak": clipped,
    "50 Hz hum at 10%": with_hum,
    "room echo (0.3 s)": with_echo,
    "pitch 10% higher": pitched,
    "pitch 10% lower": lambda audio, rng: pitched(audio, rng, factor=1 / 1.1),
    "brighter microphone (+3 dB per octave)": tilted,
    "darker microphone (-3 dB per octave)": lambda audio, rng: tilted(audio, rng, db_per_octave=-3.0),
}


def perturbed(clips: list[Clip], perturbation: Perturbation, *, seed: int = SEED) -> list[Clip]:
    """Copies of ``clips`` with ``perturbation`` applied to each clip's audio (seeded, repeatable)."""
    rng = np.random.default_rng(seed)
    return [replace(clip, audio=perturbation(clip.audio, rng)) for clip in clips]
