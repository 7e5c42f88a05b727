import json

import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.nets import results

RUNS = [{"segment_accuracy": 0.85, "seed": 0}, {"segment_accuracy": 0.87, "seed": 1}]


def test_mean_sd_in_percent_with_the_sample_deviation():
    mean, sd = results.mean_sd(RUNS, "segment_accuracy")
    assert mean == pytest.approx(86.0)
    assert sd == pytest.approx(1.41421, rel=1e-4)  # ddof 1: sqrt(2) points, not 1
    assert results.mean_sd(RUNS[:1], "segment_accuracy") == (pytest.approx(85.0), 0.0)


def test_cell_matches_the_benchmark_tables():
    assert results.cell(RUNS, "segment_accuracy") == "86.0 ± 1.4"
    assert results.cell(RUNS, "segment_accuracy", decimals=0) == "86 ± 1"


def test_load_reads_a_results_file_and_names_the_command_when_missing(tmp_path):
    (tmp_path / "accuracy.json").write_text(json.dumps({"results": {"m5": RUNS}}))
    assert results.load(tmp_path / "accuracy.json")["results"]["m5"] == RUNS
    with pytest.raises(CatDogError, match=r"python benchmarks/speed\.py"):
        results.load(tmp_path / "speed.json")


def test_table_reads_the_results_or_says_how_to_make_them(tmp_path):
    with pytest.raises(CatDogError, match="benchmarks/accuracy.py"):
        results.table(tmp_path / "accuracy.json")
    with pytest.raises(CatDogError, match="benchmarks/robustness.py"):
        results.table(tmp_path / "robustness.json")
    (tmp_path / "a.json").write_text(json.dumps({"table": "| a |"}))
    assert results.table(tmp_path / "a.json") == "| a |"


def test_table_keeps_only_the_rows_asked_for_in_the_tables_order(tmp_path):
    text = "| configuration | score |\n|---|---|\n| original | 63.1 |\n| m5 | 85.8 |\n| BirdNET | 96.0 |"
    (tmp_path / "a.json").write_text(json.dumps({"table": text}))
    kept = results.table(tmp_path / "a.json", rows=["m5", "original"])
    assert kept == "| configuration | score |\n|---|---|\n| original | 63.1 |\n| m5 | 85.8 |"
    with pytest.raises(KeyError, match="SoundNet"):
        results.table(tmp_path / "a.json", rows=["SoundNet"])
