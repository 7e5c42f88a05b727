from catdog_cnn.data import Split
from catdog_cnn.train import recipe
from catdog_cnn.tuning import layers_for_stride, tune


def test_layers_for_stride_keeps_about_16_steps():
    assert layers_for_stride(2) == 10  # the original
    assert layers_for_stride(3) == 6  # 16000 / 3**6 = 22 steps
    assert layers_for_stride(4) == 5
    assert layers_for_stride(1) == 10


def test_tune_scores_every_combination_on_validation(synthetic_clips, tmp_path):
    split = Split(train=synthetic_clips, validation=synthetic_clips, test=[], dropped=[])
    config = recipe("original", epochs=1, steps_per_epoch=2, validation_steps=1, batch_size=8)
    rows = tune(split, {"kernel_size": [3, 4], "strides": [2, 3]}, config=config, seeds=1, directory=str(tmp_path))
    assert len(rows) == 4
    assert {(r["kernel_size"], r["strides"]) for r in rows} == {(3, 2), (3, 3), (4, 2), (4, 3)}
    for r in rows:
        assert 0 <= r["val_accuracy"] <= 1 and r["seconds_per_epoch"] > 0
        assert r["n_layers"] == (10 if r["strides"] == 2 else 6)
    assert rows == sorted(rows, key=lambda r: -r["val_accuracy"])
    by_knobs = {(r["kernel_size"], r["strides"]): r for r in rows}
    assert by_knobs[(4, 2)]["params"] == 4151
    assert by_knobs[(3, 3)]["macs"] < by_knobs[(3, 2)]["macs"]
