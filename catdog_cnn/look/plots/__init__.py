"""Figures. Every function draws on the Axes it is given (or a new one) and returns what it drew.

Nothing here shows or saves a figure by itself: notebooks arrange figures and
save them with :func:`save` into ``img/`` under stable names.
"""

from __future__ import annotations

from ...serve.figures import components, layer_stack, recording_overview
from ._base import CLASS_COLORS, EVIDENCE_CMAP, FIT_COLORS, LINE_COLORS, LINE_STYLES, SPECTROGRAM_WINDOW, save
from .anatomy import all_layers, architecture, filtered_copy, kernel_slide, layer_differences, save_animation
from .audio import durations, kept_fraction, sounds, spectrograms, waveform_spectrogram, waveforms, window_batch
from .learning import cross_entropy, filter_response, gradient_differences, loss_curves, one_weight, spectra
from .network import (
    class_activation,
    components_by_class,
    deletion_curves,
    filter_weights,
    frequency_response_grid,
    frequency_responses,
    layer_activations,
    prediction,
    receptive_fields,
    relevances,
    segment,
    tone_probe,
)
from .training import (
    KNOB_NAMES,
    accuracy_across_draws,
    accuracy_by_group,
    candidates,
    change_heatmap,
    clip_probabilities,
    confusion_matrix,
    history,
    tuning_results,
)

__all__ = [
    "cross_entropy",
    "filter_response",
    "spectra",
    "gradient_differences",
    "loss_curves",
    "one_weight",
    "CLASS_COLORS",
    "EVIDENCE_CMAP",
    "FIT_COLORS",
    "LINE_COLORS",
    "LINE_STYLES",
    "SPECTROGRAM_WINDOW",
    "KNOB_NAMES",
    "save",
    "save_animation",
    "architecture",
    "all_layers",
    "filtered_copy",
    "kernel_slide",
    "layer_differences",
    "waveforms",
    "waveform_spectrogram",
    "spectrograms",
    "durations",
    "kept_fraction",
    "window_batch",
    "sounds",
    "history",
    "confusion_matrix",
    "clip_probabilities",
    "tuning_results",
    "accuracy_by_group",
    "accuracy_across_draws",
    "candidates",
    "change_heatmap",
    "segment",
    "prediction",
    "layer_activations",
    "components",
    "filter_weights",
    "frequency_response_grid",
    "frequency_responses",
    "class_activation",
    "tone_probe",
    "components_by_class",
    "deletion_curves",
    "receptive_fields",
    "relevances",
    "recording_overview",
    "layer_stack",
]
