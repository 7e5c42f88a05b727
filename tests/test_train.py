import json
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.nets.runs import ensemble_predictor, load_run, rescore, run
from catdog_cnn.nets.train import SoftTargets, recipe, train
from catdog_cnn.sound.data import Clip, Split
from catdog_cnn.sound.generator import SegmentBatches, WindowSampler

TINY = {"epochs": 2, "steps_per_epoch": 3, "validation_steps": 2, "batch_size": 8}
SMALL = {"n_layers": 3}  # the original's blocks, fewer of them, with Keras' own batch normalization: quick to compile


def test_training_is_repeatable_with_one_seed(synthetic_clips):
    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    _, a = train(recipe("original", seed=5, options=SMALL, **TINY), split, verbose=0)
    _, b = train(recipe("original", seed=5, options=SMALL, **TINY), split, verbose=0)
    _, c = train(recipe("original", seed=6, options=SMALL, **TINY), split, verbose=0)
    assert a["loss"] == b["loss"] and a["val_loss"] == b["val_loss"]
    assert a["loss"] != c["loss"]


def test_early_stopping_waits_for_patience_from(synthetic_clips):
    # validation clips carry the opposite labels, so the better the network learns, the worse validation gets
    flipped = [Clip(c.name, 1 - c.label, c.audio) for c in synthetic_clips]
    split = Split(train=synthetic_clips, validation=flipped, test=[], dropped=[])
    learning = TINY | {"epochs": 6, "learning_rate": 0.01, "patience": 1, "options": SMALL}
    _, stopped = train(recipe("original", seed=0, **learning), split, verbose=0)
    assert len(stopped["loss"]) < 6
    _, waited = train(recipe("original", seed=0, patience_from=4, **learning), split, verbose=0)
    assert len(waited["loss"]) == 6  # epochs before the fifth do not count, so no stop can come before the last


def test_soft_targets_move_labels_towards_the_teacher(synthetic_clips):
    feed = SegmentBatches(WindowSampler(synthetic_clips, threshold=0.0), steps=3, batch_size=8, seed=1)
    x, labels = feed[0]
    assert set(labels) == {0.0, 1.0}
    unsure = SoftTargets(feed, lambda w: np.full(len(w), 0.5), weight=0.5)
    taught_x, taught = unsure[0]
    np.testing.assert_array_equal(taught_x, x)  # the same windows, only the labels change
    np.testing.assert_allclose(taught, 0.25 + 0.5 * labels)
    assert len(unsure) == 3
    unsure.on_epoch_end()
    assert feed.epoch == 1  # the next epoch draws new windows
    np.testing.assert_array_equal(SoftTargets(feed, lambda w: np.zeros(len(w)), weight=0.0)[0][1], feed[0][1])


def _constant_model(p: float) -> keras.Model:
    """A model of 4 inputs that answers ``p`` whatever they are."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.zeros((4, 1)), np.array([np.log(p / (1 - p))])])
    return model


def test_ensemble_predictor_averages_its_models_from_several_threads():
    predict = ensemble_predictor([_constant_model(0.2), _constant_model(0.6)])
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_allclose(predict(x), np.full(5, 0.4), rtol=1e-6)
    with ThreadPoolExecutor(4) as pool:  # as a training feed's threads call a teacher
        answers = list(pool.map(predict, [x[:n] for n in range(1, 9)]))
    assert [len(a) for a in answers] == [1, 2, 3, 4, 5, 5, 5, 5]
    np.testing.assert_allclose(np.concatenate(answers), 0.4, rtol=1e-6)


def test_a_teacher_changes_what_the_network_learns(synthetic_clips):
    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    config = recipe("original", seed=3, options=SMALL, **TINY)
    _, alone = train(config, split, verbose=0)

    def unsure(w):
        return np.full(len(w), 0.5)

    _, taught = train(config, split, teacher=unsure, verbose=0)
    _, ignored = train(config, split, teacher=unsure, teacher_weight=0.0, verbose=0)
    assert ignored["loss"] == alone["loss"]
    assert taught["loss"] != alone["loss"]
    assert taught["val_loss"] != alone["val_loss"]


def test_training_progress_counts_every_step_and_shows_the_scores(synthetic_clips, capsys):
    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    train(recipe("original", seed=0, options=SMALL, **TINY), split, progress=True)
    out = capsys.readouterr().out
    assert "training, at most 2 epochs" in out
    assert "6/6" in out and "epoch=2/2" in out and "val_accuracy=" in out
    assert "Epoch 1/2" not in out  # Keras' own per-epoch lines are replaced by the bar


def test_recipe_rejects_unknown_names():
    with pytest.raises(CatDogError, match="unknown preset"):
        recipe("resnet")


@pytest.mark.realdata
def test_short_real_run_writes_a_complete_run_folder(tmp_path, real_data_dir):
    import shutil

    from catdog_cnn.config import MODELS_DIR
    from catdog_cnn.nets.export import export
    from catdog_cnn.serve import manifest

    shutil.copytree(MODELS_DIR / "m5", tmp_path / "run")  # retrained in place: nothing of m5 may answer after
    metrics = run(recipe("original", options={}, **TINY), tmp_path / "run", data_dir=real_data_dir, verbose=0)
    for name in ("model.keras", "config.json", "history.json", "metrics.json", "manifest.json", "inference.json"):
        assert (tmp_path / "run" / name).is_file()
    assert not (tmp_path / "run" / "model.tflite").exists()  # m5's twin went with m5, and its sounds
    assert not (tmp_path / "run" / "sounds.npz").exists()
    from catdog_cnn.serve.numpy_net import NumpyNet
    from catdog_cnn.serve.spec import load_spec

    spec = load_spec(tmp_path / "run")  # the spec of the network just trained, recorded in the manifest
    assert spec.parameters == 4151 and spec.normalization == "window"
    assert manifest.verified(tmp_path / "run", "model.keras")
    export(tmp_path / "run")
    windows = np.random.default_rng(0).uniform(-1, 1, (4, 16000, 1)).astype(np.float32)
    from catdog_cnn.serve.predict import load_predictor

    litert = load_predictor(tmp_path / "run")(windows)
    np.testing.assert_allclose(NumpyNet(spec.layers)(windows), litert, atol=1e-4)
    np.testing.assert_allclose(litert, load_run(tmp_path / "run")[0].predict(windows, verbose=0).ravel(), atol=1e-4)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["test"]["n_clips"] == 97 and saved["parameters"] == 4151
    assert saved["dropped_duplicates"] == [["dog_barking_15.wav", "dog_barking_14.wav", "test"]]
    variants = {f"{norm}, min_peak={peak}" for norm in ("window", "none") for peak in (0.0, 0.4)}
    assert set(saved["test_variants"]) == variants
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())["loss"]) == 2
    assert 0.0 <= metrics["test"]["segment_accuracy"] <= 1.0
    model, config = load_run(tmp_path / "run")
    assert config.windows.normalization == "class" and model.count_params() == 4151
    assert json.loads((tmp_path / "run" / "config.json").read_text())["optimisation"]["epochs"] == 2
    assert np.all(np.isfinite(model.predict(np.zeros((1, 16000, 1)), verbose=0)))

    # rescoring keeps the training figures and recomputes the same scores
    saved["test"]["segment_accuracy"] = -1.0
    (tmp_path / "run" / "metrics.json").write_text(json.dumps(saved))
    again = rescore(tmp_path / "run", data_dir=real_data_dir)
    assert again["test"]["segment_accuracy"] == pytest.approx(metrics["test"]["segment_accuracy"])
    assert again["train_seconds"] == metrics["train_seconds"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]["segment_accuracy"] >= 0


def test_load_run_explains_a_missing_model(tmp_path):
    with pytest.raises(CatDogError, match="no such model file"):
        load_run(tmp_path)


def test_quick_recipe_is_small_but_keeps_explicit_changes():
    config = recipe("m5", quick=True, epochs=3)
    steps = config.optimisation
    assert (steps.epochs, steps.steps_per_epoch, steps.validation_steps) == (3, 5, 5)
    assert config.windows.normalization == "window" and recipe("m5").optimisation.epochs > 3


def test_run_folder_is_the_folder_or_the_one_holding_a_model_file(tmp_path):
    from catdog_cnn.nets.recipes import run_folder

    (tmp_path / "model.keras").write_bytes(b"")
    assert run_folder(tmp_path) == tmp_path and run_folder(tmp_path / "model.keras") == tmp_path
