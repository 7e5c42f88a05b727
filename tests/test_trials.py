"""Trials of (configuration, seed): resumed from disk, the same numbers in-process and on Ray, and a killed worker.

Every Ray here listens on 127.0.0.1 only and is shut down by the test that started it; every wait is bounded.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from catdog_cnn.config import CatDogError
from catdog_cnn.nets.recipes import recipe
from catdog_cnn.nets.trials import Trial, run_trials, table

pytestmark = pytest.mark.realdata
TINY = {"epochs": 1, "steps_per_epoch": 3, "validation_steps": 2, "batch_size": 8, "options": {"n_layers": 3}}
METRICS = ("val_segment_accuracy", "test_segment_accuracy", "test_clip_accuracy", "parameters", "epochs_run")
WAIT = 240  # seconds any one wait may take


def tiny_trials() -> list[Trial]:
    return [Trial("tiny", recipe("original", seed=seed, **TINY)) for seed in (0, 1)]


def numbers(rows: list[dict]) -> list[tuple]:
    return [tuple(row[k] for k in METRICS) for row in rows]


def histories(folder, rows) -> list[list[float]]:
    return [json.loads((folder / f"tiny-seed{r['seed']}" / "history.json").read_text())["loss"] for r in rows]


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, real_data_dir):
    """The tiny trials run by the local engine with one TensorFlow thread, in a fresh process (so it can set them)."""
    out = tmp_path_factory.mktemp("local")
    script = (
        "import json, sys; from tests.test_trials import tiny_trials; from catdog_cnn.nets.trials import run_trials; "
        f"json.dump(run_trials(tiny_trials(), {str(out)!r}, threads=1, quiet=True), sys.stdout)"
    )
    env = os.environ | {"CATDOG_DATA_DIR": str(real_data_dir)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=WAIT,
                          cwd=os.path.dirname(os.path.dirname(__file__)))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return out, json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def local_ray(monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_a_second_run_keeps_finished_trials_and_trains_nothing(in_process, monkeypatch, capsys):
    out, rows = in_process
    monkeypatch.setattr("catdog_cnn.nets.runs.run", lambda *a, **k: pytest.fail("a finished trial was trained again"))
    again = run_trials(tiny_trials(), out, results=out / "trials.json")
    assert again == rows and "2 of 2 trials already finished" in capsys.readouterr().out
    assert json.loads((out / "trials.json").read_text())["trials"] == rows  # the results file is rewritten
    assert "| tiny | 2 |" in table(rows)


def test_a_trial_gives_the_same_numbers_in_process_and_on_a_ray_worker(in_process, local_ray, tmp_path, capsys):
    out, rows = in_process
    on_ray = run_trials(tiny_trials(), tmp_path, engine="ray", threads=1, results=tmp_path / "trials.json")
    assert numbers(on_ray) == numbers(rows)
    assert histories(tmp_path, on_ray) == histories(out, rows)  # every epoch's loss, bit for bit
    printed = capsys.readouterr().out
    assert printed.count("tiny seed ") == 2 and "validation" in printed  # one line per finished trial
    assert len(json.loads((tmp_path / "trials.json").read_text())["trials"]) == 2


def test_a_killed_worker_has_its_trial_retried_and_the_grid_completes(in_process, monkeypatch, tmp_path):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes(timeout=WAIT)
        ray.init(address=cluster.address, log_to_driver=False)
        result: dict = {}
        grid = threading.Thread(
            target=lambda: result.update(rows=run_trials(tiny_trials(), tmp_path, engine="ray", threads=1, quiet=True))
        )
        grid.start()
        deadline = time.monotonic() + WAIT
        running = []
        while not running and time.monotonic() < deadline:
            running = sorted(tmp_path.glob("*/running.json"))
            time.sleep(0.2)
        assert running, "no trial started"
        os.kill(json.loads(running[0].read_text())["pid"], signal.SIGKILL)  # the worker dies mid-trial
        grid.join(timeout=WAIT)
        assert not grid.is_alive(), "the grid did not finish"
        assert numbers(result["rows"]) == numbers(in_process[1])  # retried elsewhere, the same numbers
        assert not list(tmp_path.glob("*/running.json"))
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_trials_must_have_folders_of_their_own_and_a_known_engine(tmp_path):
    with pytest.raises(CatDogError, match="share a run folder"):
        run_trials(tiny_trials() * 2, tmp_path)
    with pytest.raises(CatDogError, match="engine must be one of"):
        run_trials(tiny_trials(), tmp_path, engine="spark")
