"""The studies in experiments/: each recipe is written out in full, named, with a status that matches its results."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from catdog_cnn.nets.model import build_model
from catdog_cnn.nets.recipes import VERSIONS, TrainConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))
from recipes import CANDIDATES, LEVERS  # noqa: E402  (experiments/recipes.py)

SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py")) + sorted(
    p for p in (ROOT / "experiments").glob("*.py") if p.name not in ("recipes.py", "transforms.py")
)
HELP_ALL = """
import os, runpy, sys
for path in sys.argv[1:]:
    sys.path.insert(0, os.path.dirname(path))  # as `python path` does: the scripts beside it import
    sys.argv = [path, "--help"]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as done:
        assert done.code in (0, None), path
    print("ok", path)
"""


def test_every_benchmark_and_experiment_explains_itself():
    done = subprocess.run(
        [sys.executable, "-c", HELP_ALL, *map(str, SCRIPTS)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("\nok ") + done.stdout.startswith("ok ") == len(SCRIPTS) == 23


@pytest.mark.parametrize("studies", [CANDIDATES, LEVERS], ids=["candidates", "levers"])
def test_studies_are_named_once_with_a_status_and_a_full_recipe(studies):
    assert len({s.name for s in studies}) == len(studies)
    assert {s.status for s in studies} <= {"adopted", "rejected", "reference"}
    assert all(isinstance(s.recipe, TrainConfig) for s in studies)
    adopted = [s for s in studies if s.status == "adopted"]
    assert adopted and all("not adopted" not in s.name for s in adopted)


@pytest.mark.parametrize(("studies", "results"), [(CANDIDATES, "candidates"), (LEVERS, "levers")])
def test_each_recipe_builds_the_network_its_results_report(studies, results):
    saved = json.loads((ROOT / "experiments" / "results" / f"{results}.json").read_text())
    entries = saved["results"] if "results" in saved else saved["rows"]
    params = {e["name"]: (e["rows"][0] if "rows" in e else e)["params"] for e in entries}
    assert set(params) == {s.name for s in studies}  # every result has its recipe, every recipe its result
    built: dict[str, int] = {}
    for study in studies:
        spec = study.recipe.model
        key = json.dumps([spec.preset, spec.options], sort_keys=True)
        if key not in built:
            built[key] = build_model(spec.preset, **spec.options).count_params()
        assert built[key] == params[study.name], study.name


def test_the_earlier_versions_the_accuracy_table_reports_are_full_recipes():
    accuracy = json.loads((ROOT / "benchmarks" / "results" / "accuracy.json").read_text())["results"]
    assert set(VERSIONS) <= set(accuracy)
    assert all(v.model.preset in ("original", "m5") for v in VERSIONS.values())
