"""Many training runs: trials of (configuration, seed), one after another here or at once on Ray.

A trial trains one recipe into its own run folder (:func:`~catdog_cnn.nets.runs.run`) and yields one row of
results. A trial whose folder already holds ``metrics.json`` is finished: a re-run reads it instead of
training again, so an interrupted grid resumes where it stopped. ``engine="local"`` runs the trials in this
process, one after another. ``engine="ray"`` sends each to a Ray task: with no ``address`` on a Ray started
on this machine, with ``address="HOST:PORT"`` on a cluster started with ``ray start --head``. Each task asks
Ray for ``threads`` CPUs and lets TensorFlow use that many, so trials side by side do not fight over cores; a
task whose worker dies is retried elsewhere. Every node must reach the data folder (or hold a copy at the
same path) and have the package installed.

A trial's numbers depend on the seed and on how many threads TensorFlow sums with, not on the engine: with
the same ``threads``, a trial gives bit-identical metrics in this process and on a Ray worker. Without
``threads``, the local engine leaves TensorFlow its default (every core, as ``catdog-cnn train`` does).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ..config import ENGINES, CatDogError
from .recipes import TrainConfig, run_name

__all__ = ["ENGINES", "TRIAL_RETRIES", "Trial", "trial_row", "run_trial", "run_trials", "table"]

TRIAL_RETRIES = 3  # times Ray runs a trial again when the worker running it dies


@dataclass(frozen=True)
class Trial:
    """One training run: configuration ``name`` trained with ``config`` (its seed included)."""

    name: str
    config: TrainConfig

    @property
    def folder_name(self) -> str:
        """The run folder's name: ``run_name(name, seed)``."""
        return run_name(self.name, self.config.seed)


def trial_row(trial: Trial, folder: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """The results row of a finished trial, from its ``metrics.json``."""
    return {
        "name": trial.name,
        "seed": trial.config.seed,
        "folder": str(folder),
        "val_segment_accuracy": metrics["validation"]["segment_accuracy"],
        "test_segment_accuracy": metrics["test"]["segment_accuracy"],
        "test_clip_accuracy": metrics["test"]["clip_accuracy_mean"],
        "parameters": metrics["parameters"],
        "epochs_run": metrics["epochs_run"],
        "train_seconds": metrics["train_seconds"],
    }


def _set_threads(threads: int | None) -> None:
    """Let TensorFlow use ``threads`` threads (within ops and between them) in this process."""
    if not threads:
        return
    from .._keras import tf

    if tf.config.threading.get_intra_op_parallelism_threads() == threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow has already run here, with the threads it started with
        print(f"TensorFlow already runs in this process with its own thread count, not {threads}: the numbers "
              "may differ in their last digits from a run started with this --threads", file=sys.stderr)  # fmt: skip


def run_trial(trial: Trial, out_dir: str | os.PathLike, data_dir: str | os.PathLike | None = None,
              threads: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Train ``trial`` into ``out_dir/<folder name>`` (or read it back if finished) and return its row.

    While it trains, the folder holds ``running.json``: the host and process id doing the work.
    """
    folder = Path(out_dir) / trial.folder_name
    if (folder / "metrics.json").is_file():
        return trial_row(trial, folder, json.loads((folder / "metrics.json").read_text()))
    _set_threads(threads)
    from .runs import run

    folder.mkdir(parents=True, exist_ok=True)
    running = folder / "running.json"
    running.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))
    try:
        metrics = run(trial.config, folder, data_dir=data_dir, verbose=0)
    finally:  # a failed or interrupted trial leaves no claim that it still runs
        running.unlink(missing_ok=True)
    return trial_row(trial, folder, metrics)


def _local(trials: Sequence[Trial], out_dir: Path, data_dir: Path | None, threads: int | None
           ) -> Iterator[dict[str, Any]]:  # fmt: skip
    for trial in trials:
        yield run_trial(trial, out_dir, data_dir, threads)


def _ray(trials: Sequence[Trial], out_dir: Path, data_dir: Path | None, *, address: str | None,
         threads: int) -> Iterator[dict[str, Any]]:  # fmt: skip
    try:
        import ray
    except ImportError:
        raise CatDogError("--engine ray needs Ray: pip install 'catdog-cnn[scale]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:  # a Ray of this machine only, on the loopback interface
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
            ray.init(include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    try:
        task = ray.remote(num_cpus=threads, max_retries=TRIAL_RETRIES)(run_trial)
        pending = {task.remote(t, out_dir, data_dir, threads): t for t in trials}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            pending.pop(done[0])
            yield ray.get(done[0])
    finally:
        if started_here:
            ray.shutdown()


def run_trials(
    trials: Sequence[Trial],
    out_dir: str | os.PathLike,
    *,
    results: str | os.PathLike | None = None,
    engine: str = "local",
    address: str | None = None,
    threads: int | None = None,
    data_dir: str | os.PathLike | None = None,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    """Run ``trials`` (see the module docstring) and return their rows, in the order given.

    ``threads`` is each trial's TensorFlow thread count (on Ray also its CPUs; 1 there by default).

    Finished trials are read back, not trained. As each trial finishes, one line (configuration, seed,
    validation and test accuracy, time) is printed, the progress bar moves, and ``results`` (a JSON
    file, if given) is rewritten with every row so far.

    Raises
    ------
    CatDogError
        For an unknown engine, two trials with one folder, or a missing Ray.
    """
    if engine not in ENGINES:
        raise CatDogError(f"engine must be one of {ENGINES}, not {engine!r}")
    keys = [t.folder_name for t in trials]
    if len(set(keys)) < len(keys):
        raise CatDogError("two trials would share a run folder: give each (configuration, seed) once")
    out = Path(out_dir).resolve()
    data = None if data_dir is None else Path(data_dir).resolve()
    finished = [t for t in trials if (out / t.folder_name / "metrics.json").is_file()]
    todo = [t for t in trials if t not in finished]
    rows = {t.folder_name: run_trial(t, out) for t in finished}
    if finished and not quiet:
        print(f"{len(finished)} of {len(trials)} trials already finished in {out}: kept, not trained again")
    if engine == "local":
        stream = _local(todo, out, data, threads)
    else:
        stream = _ray(todo, out, data, address=address, threads=threads or 1)
    bar = tqdm(total=len(trials), initial=len(finished), desc="trials", unit="trial", file=sys.stdout,
               disable=quiet, dynamic_ncols=True)  # fmt: skip
    start = time.perf_counter()
    for row in stream:
        rows[Path(row["folder"]).name] = row
        if not quiet:
            bar.write(f"{row['name']} seed {row['seed']}: validation {row['val_segment_accuracy']:.3f}, "
                      f"test {row['test_segment_accuracy']:.3f}, {row['train_seconds']:.0f} s")  # fmt: skip
        bar.update()
        if results is not None:
            _write(Path(results), [rows[k] for k in keys if k in rows], time.perf_counter() - start)
    bar.close()
    ordered = [rows[k] for k in keys]
    if results is not None:
        _write(Path(results), ordered, time.perf_counter() - start)
    return ordered


def _write(path: Path, rows: list[dict[str, Any]], seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps({"trials": rows, "seconds": seconds}, indent=2))
    part.replace(path)  # never half a file, even if the run is killed while writing


def table(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of trial rows by configuration: validation accuracy (mean ± sd over seeds), size, time."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    lines = ["| configuration | seeds | validation windows right (%) | parameters | seconds per trial |",
             "|---|---|---|---|---|"]  # fmt: skip
    for name, group in by_name.items():
        acc = [100 * r["val_segment_accuracy"] for r in group]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        seconds = statistics.mean(r["train_seconds"] for r in group)
        lines.append(f"| {name} | {len(group)} | {statistics.mean(acc):.1f} ± {sd:.1f} | {group[0]['parameters']:,} "
                     f"| {seconds:.0f} |")  # fmt: skip
    return "\n".join(lines)
