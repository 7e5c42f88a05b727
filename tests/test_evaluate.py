import numpy as np
import pytest

from catdog_cnn.nets.evaluate import clip_votes, confusion, evaluate, long_share, roc_auc, window_groups
from catdog_cnn.sound.data import Clip
from catdog_cnn.sound.generator import evaluation_windows


def test_roc_auc_known_values():
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(np.array([0, 1, 0, 1]), np.array([0.1, 0.4, 0.5, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5


def test_confusion_rows_are_truth():
    assert confusion(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0])) == [[1, 1], [1, 2]]


def test_clip_votes_mean_and_majority_can_disagree():
    p = np.array([0.9, 0.4, 0.45, 0.1, 0.2, 0.6, 0.7])
    clip = np.array([0, 0, 0, 1, 1, 2, 2])
    mean_p, majority = clip_votes(p, clip, 3)
    np.testing.assert_allclose(mean_p, [0.5833333, 0.15, 0.65], rtol=1e-5)
    assert list(majority) == [0, 0, 1]


def test_evaluate_scores_a_predictor(synthetic_clips):
    def loud_is_dog(x):  # dogs in the fixture hold a loud burst
        return (np.abs(x[..., 0]).max(axis=1) > 0.5).astype(float)

    metrics = evaluate(loud_is_dog, synthetic_clips, normalization="none")
    assert metrics["n_clips"] == 5 and metrics["n_segments"] == 12
    # each dog clip has one window with the burst and two without
    assert metrics["segment_accuracy"] == pytest.approx(8 / 12)
    assert metrics["clip_accuracy_mean"] == pytest.approx(3 / 5)
    assert [r["file"] for r in metrics["files"]][0] == "cat_0.wav"


def test_window_groups_split_by_class_file_length_and_loudness():
    quiet_then_loud = np.concatenate([np.full(16000, 0.05), np.full(16000, 0.3), np.full(16000, 1.0)])
    clips = [
        Clip("cat_short.wav", 0, np.full(32000, 0.5, np.float32)),  # 2 s, 2 windows at the file's peak
        Clip("dog_long.wav", 1, np.tile(quiet_then_loud, 3).astype(np.float32)),  # 9 s, 9 windows
    ]
    windows = evaluation_windows(clips)
    groups = window_groups(clips, windows, long_seconds=7.0)
    counts = {name: int(mask.sum()) for name, mask in groups.items()}
    assert counts["cat, files up to 7 s"] == 2 and counts["cat, files over 7 s"] == 0
    assert counts["dog, files up to 7 s"] == 0 and counts["dog, files over 7 s"] == 9
    assert counts["cat, window peak 0.5-1 of the file's"] == 2  # the file's peak is its windows' peak
    assert counts["dog, window peak 0-0.1 of the file's"] == 3
    assert counts["dog, window peak 0.1-0.5 of the file's"] == 3
    assert counts["dog, window peak 0.5-1 of the file's"] == 3
    assert long_share(clips, long_seconds=7.0) == {"cat": 0.0, "dog": 1.0}
    assert long_share(clips, long_seconds=1.0) == {"cat": 1.0, "dog": 1.0}
