"""The sound, before any network: decoding recordings (``audio``, ``inputs``), the dataset (``data``,
``fetch``), one-second windows (``windows``), the training generator and its augmentation (``generator``,
``augment``), simulated recording conditions (``robustness``) and the signal processing the lessons use
(``dsp``, ``signals``), and the commands fetch-data and fetch-weights (``commands``).

It imports nothing else of the package but ``config``; only ``generator`` loads TensorFlow (a Keras data feed).
"""
