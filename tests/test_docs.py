"""docs/generate.py: every generated part of README.md and docs/ comes from the results files, and is current."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("generate", ROOT / "docs" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.fixture
def results_dir(tmp_path):
    runs = [{"seed": 0, "segment_accuracy": 0.80}, {"seed": 1, "segment_accuracy": 0.90}]
    (tmp_path / "speed.json").write_text(json.dumps({"wall": 0.1234, "rows": [{"name": "a", "x": 0.5}]}))
    (tmp_path / "accuracy.json").write_text(json.dumps({"table": "| t |\n|---|", "results": {"m 5": runs}}))
    return tmp_path


def test_fill_replaces_only_what_lies_between_the_markers(results_dir):
    text = (
        "took <!-- gen: value speed wall .2f -->9.99<!-- /gen --> s; "
        "<!-- gen: cell accuracy m%205 segment_accuracy -->old<!-- /gen -->\n"
        "<!-- gen: table accuracy -->\nstale\n<!-- /gen -->\n"
        "<!-- gen: rows speed name x:.1f -->\n<!-- /gen -->"
    )
    filled = generate.fill(text, [results_dir])
    assert filled == (
        "took <!-- gen: value speed wall .2f -->0.12<!-- /gen --> s; "
        "<!-- gen: cell accuracy m%205 segment_accuracy -->85.0 ± 7.1<!-- /gen -->\n"
        "<!-- gen: table accuracy -->\n| t |\n|---|\n<!-- /gen -->\n"
        "<!-- gen: rows speed name x:.1f -->\n| a | 0.5 |\n<!-- /gen -->"
    )
    assert generate.fill(filled, [results_dir]) == filled  # filling twice changes nothing


def test_an_unknown_kind_is_refused(results_dir):
    with pytest.raises(SystemExit, match="unknown generated part"):
        generate.fill("<!-- gen: chart accuracy --><!-- /gen -->", [results_dir])


def test_the_committed_readme_and_docs_are_current():
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_glossary_states_the_committed_networks_as_they_are():
    from catdog_cnn.config import MODELS_DIR, SAMPLE_RATE, SEGMENT, SILENCE_DBFS
    from catdog_cnn.look import peel
    from catdog_cnn.nets.runs import load_run

    text = (ROOT / "docs" / "glossary.md").read_text()
    original, m5 = (load_run(MODELS_DIR / name)[0] for name in ("original", "m5"))
    field, jump = peel.receptive_fields(original)["relu_10"]
    assert f"block 10 sees {field:,} samples ({field / SAMPLE_RATE:.2f} s)" in text
    assert f"the steps are only {jump:,} samples apart" in text
    window = np.zeros((1, SEGMENT, 1), np.float32)
    steps = {name: peel.class_activation(net, window).shape[1] for name, net in (("m5", m5), ("original", original))}
    m5_jump = peel.receptive_fields(m5)[peel.feature_layer(m5)][1]
    assert f"`m5` has {steps['m5']} steps per window, {m5_jump:,} samples ({m5_jump / SAMPLE_RATE:.2f} s) apart" in text
    assert steps["m5"] == 3 and "each value covers a\nthird of it" in text  # 3 values drawn over the second
    assert steps["original"] == 16 and "the original has 16, a sixteenth of a second each" in text
    assert f"sound above {SILENCE_DBFS:g} dBFS".replace("-", "−") in text
