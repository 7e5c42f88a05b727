import keras
import pytest

from catdog_cnn.nets.train import recipe, training_callbacks
from catdog_cnn.nets.tuning import layers_for_stride, table, tune
from catdog_cnn.sound.data import Clip, Split


def test_layers_for_stride_keeps_about_16_steps():
    assert layers_for_stride(2) == 10  # the original
    assert layers_for_stride(3) == 6  # 16000 / 3**6 = 22 steps
    assert layers_for_stride(4) == 5
    assert layers_for_stride(1) == 10


def test_tune_scores_every_combination_on_validation(synthetic_clips, tmp_path):
    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    # Keras' own batch normalization compiles faster than the recipe's XLA kernels and has the same parameters
    config = recipe("original", options={}, epochs=1, steps_per_epoch=2, validation_steps=1, batch_size=8)
    rows = tune(split, {"kernel_size": [3, 4], "strides": [2, 3]}, config=config, seeds=1, directory=str(tmp_path))
    assert len(rows) == 4
    assert {(r["kernel_size"], r["strides"]) for r in rows} == {(3, 2), (3, 3), (4, 2), (4, 3)}
    for r in rows:
        assert 0 <= r["val_accuracy"] <= 1 and r["seconds_per_epoch"] > 0 and r["epochs_run"] == 1
        assert r["n_layers"] == (10 if r["strides"] == 2 else 6)
        assert r["val_accuracy_runs"] == [pytest.approx(r["val_accuracy"])]  # one seed: its best epoch is the score
    assert rows == sorted(rows, key=lambda r: -round(r["val_accuracy"], 4))
    by_knobs = {(r["kernel_size"], r["strides"]): r for r in rows}
    assert by_knobs[(4, 2)]["params"] == 4151
    assert by_knobs[(3, 3)]["macs"] < by_knobs[(3, 2)]["macs"]


def test_tune_stops_early_as_training_does(synthetic_clips, tmp_path):
    # validation clips carry the opposite labels, so validation loss rises as the network learns
    flipped = [Clip(c.name, 1 - c.label, c.audio) for c in synthetic_clips]
    split = Split(train=synthetic_clips, validation=flipped, test=[], dropped=[])
    config = recipe(
        "original",
        options={},
        epochs=6,
        steps_per_epoch=3,
        validation_steps=2,
        batch_size=8,
        learning_rate=0.01,
        patience=1,
    )
    rows = tune(split, {"kernel_size": [3]}, config=config, seeds=1, directory=str(tmp_path))
    assert rows[0]["epochs_run"] < 6


def test_training_callbacks_put_the_weight_average_first():
    config = recipe("m5")
    kinds = [type(c) for c in training_callbacks(config)]
    assert kinds == [keras.callbacks.SwapEMAWeights, keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau]
    assert [type(c) for c in training_callbacks(config, validated=False)] == [keras.callbacks.SwapEMAWeights]
    assert training_callbacks(recipe("original")) == []


def test_table_shows_every_row_with_the_original_for_unvaried_knobs():
    rows = [
        {"filters": 5, "n_layers": 10, "params": 1176, "macs": 1.0e6, "seconds_per_epoch": 2.9, "val_accuracy": 0.6},
        {
            "kernel_size": 5,
            "strides": 3,
            "n_layers": 6,
            "params": 2861,
            "macs": 1.6e6,
            "seconds_per_epoch": 2.2,
            "val_accuracy": 0.644,
        },
    ]
    lines = table(rows).splitlines()
    assert len(lines) == 4 and lines[0].startswith("| kernel | stride | filters |")
    assert lines[2] == "| 4 | 2 | 5 | 10 | 1,176 | 1.0 | 2.9 | 0.600 |"
    assert lines[3] == "| 5 | 3 | 10 | 6 | 2,861 | 1.6 | 2.2 | 0.644 |"


def test_the_grid_as_trials_names_each_combination_and_follows_the_stride():
    from catdog_cnn.nets.tuning import grid_trials, layers_for_stride

    trials = grid_trials({"kernel_size": [3, 5], "strides": [2, 3]}, [0, 1], epochs=2)
    assert len(trials) == 8 and len({t.folder_name for t in trials}) == 8
    first = trials[0]
    assert first.name == "kernel_size=3, strides=2" and first.folder_name == "kernel_size=3-strides=2-seed0"
    for trial in trials:
        options = trial.config.model.options
        assert options["n_layers"] == layers_for_stride(options["strides"])
        assert options["batch_norm"] == "xla"  # the recipe's own model options are kept
        assert trial.config.optimisation.epochs == 2
    assert [t.config.seed for t in trials[:2]] == [0, 1]
