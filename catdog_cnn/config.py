"""Named defaults used across the package.

Every number the package relies on is defined here once; every function that
uses one takes it as a keyword argument, so any of them can be overridden.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "SAMPLE_RATE",
    "SEGMENT",
    "PEAK_THRESHOLD",
    "SEED",
    "SEEDS",
    "VALIDATION_FRACTION",
    "CROSS_VALIDATION_FOLDS",
    "BATCH_SIZE",
    "STEPS_PER_EPOCH",
    "VALIDATION_STEPS",
    "EPOCHS",
    "STEPS_PER_EXECUTION",
    "EVAL_BATCH_SIZE",
    "FEED_WORKERS",
    "TEACHER_WEIGHT",
    "LONG_FILE_SECONDS",
    "LOUDNESS_EDGES",
    "ATTRIBUTION_SLICE_SECONDS",
    "SMOOTHGRAD_SAMPLES",
    "SMOOTHGRAD_NOISE",
    "EXPLAIN_AUDIO_SECONDS",
    "EXPLAIN_SOUNDS",
    "ASCENT_STEPS",
    "RECIPE_NAMES",
    "ENGINES",
    "ASCENT_RATE",
    "ASCENT_BAND_HZ",
    "ASCENT_SHIFT",
    "ASCENT_L2",
    "ASCENT_START_LEVEL",
    "RELU_LEAK",
    "TIE_DECIMALS",
    "SILENCE_DBFS",
    "SOUND_FRAME_SECONDS",
    "MIN_SOUND_SECONDS",
    "DECODE_BLOCK_SECONDS",
    "DECODE_BLOCK_SAMPLES",
    "MAX_SAMPLE_MAGNITUDE",
    "PIPE_WAIT_SECONDS",
    "LONG_INPUT_SECONDS",
    "EXPLORER_MAX_SECONDS",
    "DATA_ENV",
    "DATASET_HANDLE",
    "PROJECT_ROOT",
    "DEFAULT_DATA_DIR",
    "WEIGHTS_DIR",
    "MODELS_DIR",
    "DEFAULT_MODEL",
    "IMG_DIR",
    "CatDogError",
    "quick_mode",
    "img_dir",
]

SAMPLE_RATE = 16_000  # Hz; every clip is resampled to this rate
SEGMENT = 16_000  # samples in one window fed to the network (1 s)
PEAK_THRESHOLD = 0.4  # a training window must reach this peak (original used 0.4-0.5)
SEED = 0  # default seed for numpy, Python and TensorFlow
SEEDS = (0, 1, 2)  # seeds used when results are reported as mean +- sd
VALIDATION_FRACTION = 0.2  # share of training *files* held out for validation
CROSS_VALIDATION_FOLDS = 3  # folds of all files when the test side rotates: 3 make sides the official split's size
BATCH_SIZE = 32
STEPS_PER_EPOCH = 75
VALIDATION_STEPS = 50
EPOCHS = 15
STEPS_PER_EXECUTION = 25  # training steps per call into TensorFlow; the progress bar moves once per call
EVAL_BATCH_SIZE = 320  # windows per batch when validating and predicting; divides the 1,600 validation windows
FEED_WORKERS = 2  # threads preparing training batches; more than one also avoids Keras' stall at each epoch start
TEACHER_WEIGHT = 0.5  # distillation: share of a training label taken from the teacher's probability
LONG_FILE_SECONDS = 7.0  # error analysis: files longer than this count as long recordings
LOUDNESS_EDGES = (0.0, 0.1, 0.5, 1.0)  # error analysis: bins of window peak / file peak
SILENCE_DBFS = -50.0  # predict: a window whose RMS level (offset removed) is below this is silent, neither cat nor dog
SOUND_FRAME_SECONDS = 0.01  # predict: a window's sound is measured in frames this long, each with its offset removed
MIN_SOUND_SECONDS = 0.05  # predict: a window needs this much sound above SILENCE_DBFS to be judged
DECODE_BLOCK_SECONDS = 30.0  # predict: seconds of audio decoded at a time, so memory stays bounded
DECODE_BLOCK_SAMPLES = 1 << 21  # predict: at most this many samples (all channels) decoded at a time, whatever the rate
MAX_SAMPLE_MAGNITUDE = 1000.0  # samples beyond 60 dB over full scale are no recording: the file is refused
PIPE_WAIT_SECONDS = 5.0  # a named pipe or device given as a file must send its first bytes within this
EXPLORER_MAX_SECONDS = 600.0  # the explorer reads at most this much of a user's recording (its windows stay in memory)
LONG_INPUT_SECONDS = 60.0  # predict: inputs longer than this show a progress bar
ATTRIBUTION_SLICE_SECONDS = 0.05  # attribution: evidence is compared over slices of 50 ms (800 samples)
SMOOTHGRAD_SAMPLES = 16  # SmoothGrad: noisy copies of a window whose gradients are averaged
SMOOTHGRAD_NOISE = 0.1  # SmoothGrad: noise standard deviation as a share of the window's peak
EXPLAIN_AUDIO_SECONDS = 30.0  # explain: the report's player holds at most this much, around the decisive second
EXPLAIN_SOUNDS = 2  # explain: how many deciding components' wanted sounds the report plays
ASCENT_STEPS = 256  # gradient steps of wants_to_hear, and of every component's sound in a run folder
ASCENT_RATE = 0.01  # step size, on a waveform of peak 1
ASCENT_BAND_HZ = (50.0, 7500.0)  # the sound is kept inside this band after every step
ASCENT_SHIFT = 800  # samples (50 ms): the sound is rotated by up to this much before each step
ASCENT_L2 = 1e-3  # weight of the L2 penalty on the waveform
ASCENT_START_LEVEL = 0.01  # RMS of the seeded noise the ascent starts from
RELU_LEAK = 0.05  # share of a ReLU unit's input added to what the ascent raises, so a silent unit can recover
TIE_DECIMALS = 4  # choices by a float score round it to this many decimals first, then break ties by index

DATA_ENV = "CATDOG_DATA_DIR"  # environment variable naming the dataset folder
QUICK_ENV = "CATDOG_QUICK"  # "1" makes notebooks run a small, fast version
DATASET_HANDLE = "mmoreaux/audio-cats-and-dogs"  # Kaggle dataset

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the clone, when the package is used from one
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "catdog-cnn"
WEIGHTS_DIR = CACHE_DIR / "weights"  # where fetch-weights puts pretrained networks' weights
DEFAULT_DATA_DIR = CACHE_DIR / "audio-cats-and-dogs"  # where fetch-data puts the dataset unless told otherwise
MODELS_DIR = Path(__file__).resolve().parent / "models"  # the committed run folders, installed with the package
DEFAULT_MODEL = MODELS_DIR / "m5"  # run folder used by `catdog-cnn predict`
RECIPE_NAMES = ("original", "m5")  # the named training recipes (catdog_cnn.nets.recipes.RECIPES holds them)
ENGINES = ("local", "ray")  # where the trials of `catdog-cnn tune` run
IMG_DIR = PROJECT_ROOT / "img"  # where the notebooks of a clone save their figures
IMG_ENV = "CATDOG_IMG_DIR"  # overrides IMG_DIR, e.g. so that test runs leave img/ alone


class CatDogError(Exception):
    """An error a person can act on: the message names the file and the fix."""


def quick_mode() -> bool:
    """Return True when the environment asks for the small, fast run (``CATDOG_QUICK=1``)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes"}


def img_dir() -> Path:
    """Where figures are saved: ``$CATDOG_IMG_DIR`` if set, else the project's ``img/``."""
    return Path(os.environ.get(IMG_ENV) or IMG_DIR)
