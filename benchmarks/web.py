"""Speed of the browser explorer in headless Chromium: page load, and a 10-s recording from open to all drawn.

Exports the explorer (the committed networks) into a temporary folder, serves it from 127.0.0.1, and in
Chromium measures the time to load the page (navigation start to the load event, and until the networks are
ready) and, for a 10-s excerpt of a real dog recording opened as a file, the time from the file being
decoded to every panel drawn (the page's own measure, ``analysedIn``) and from the file being chosen to every
panel drawn (measured from outside, so decoding and the browser's round trips count), for each network, several
times.
The largest difference between the page's p(dog) and `catdog-cnn predict`'s is recorded too, and, over
test windows spread through the official test files, the largest difference between each layer's output in
the page and in Keras (as a share of that layer's range; p(dog) as it is).

With ``--training``, it measures the training panel instead (and keeps the rest of the results file): the explorer
exported with 96 training windows (and 24 validation windows), the steps per second for each network's shape and
batch size, how long after pressing train the shown loss first falls by 5%, and the time and steps the original's
shape takes from seed 0 to 80% of the validation windows.

Usage: python benchmarks/web.py [--out benchmarks/results/web.json] [--repeats 5] [--training]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from catdog_cnn.config import MODELS_DIR, SAMPLE_RATE
from catdog_cnn.look import peel
from catdog_cnn.nets.runs import load_run
from catdog_cnn.serve.predict import load_predictor, predict_recording
from catdog_cnn.serve.web import export_web
from catdog_cnn.sound.data import find_data_dir, load_split
from catdog_cnn.sound.generator import evaluation_windows

RECORDING = "dog_barking_0.wav"  # 17 s of barking; its first 10 s are used
SECONDS = 10
TEST_WINDOWS = 12  # spread through the official test windows, for the layer-by-layer comparison with Keras


def layer_differences(page, name: str, x: np.ndarray) -> dict[str, float]:
    """The largest page-against-Keras difference of every layer over windows ``x``, as a share of its range."""
    expected = peel.activations(load_run(MODELS_DIR / name)[0], x)
    worst: dict[str, float] = {}
    for i, window in enumerate(x):
        ours = page.evaluate("([name, x]) => window.catdog.forward(name, x)", [name, window[:, 0].tolist()])
        for layer, value in ours.items():
            want = expected[layer][i].ravel()
            scale = 1.0 if layer == "dense" else max(float(np.ptp(want)), 1e-6)
            worst[layer] = max(worst.get(layer, 0.0), float(np.abs(np.asarray(value) - want).max()) / scale)
    return worst


TRAINING_WINDOWS = 96
SPEED_SECONDS = 12  # of training per shape and batch size, for its steps per second
TARGET_ACCURACY = 0.8
TARGET_TIMEOUT_S = 240


def _text(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]")


def _fresh(page, shape: str, batch: int) -> None:
    page.select_option("#train-shape", shape)
    page.select_option("#train-batch", str(batch))
    page.click("#train-reset")
    page.wait_for_function("document.querySelector('[data-testid=train-val-accuracy]').textContent !== '–' && "
                           "document.querySelector('[data-testid=train-step]').textContent === '0'")  # fmt: skip


def training(page) -> dict:
    """Steps per second for every shape and batch size; the first visible fall of the loss; time to 80%."""
    speed: dict[str, dict[str, float]] = {}
    for shape in ("original", "m5"):
        for batch in (8, 16, 32):
            _fresh(page, shape, batch)
            page.click("[data-testid=train-start]")
            page.wait_for_timeout(SPEED_SECONDS * 1000)
            page.click("[data-testid=train-start]")
            page.wait_for_timeout(500)
            speed.setdefault(shape, {})[str(batch)] = float(page.inner_text("#train-speed").split()[0])
            print(f"{shape}, batch {batch}: {speed[shape][str(batch)]} steps a second", flush=True)
    reach: dict[str, dict[str, float | None]] = {}
    for batch in (8, 16):
        _fresh(page, "original", batch)
        start = time.perf_counter()
        page.click("[data-testid=train-start]")
        first = fell = None
        while time.perf_counter() - start < TARGET_TIMEOUT_S:
            loss, accuracy = _text(page, "train-loss"), _text(page, "train-val-accuracy")
            if loss != "–":
                first = first or float(loss)
                if fell is None and float(loss) < 0.95 * first:
                    fell = time.perf_counter() - start
            if float(accuracy) >= TARGET_ACCURACY:
                reach[str(batch)] = {"seconds": time.perf_counter() - start, "steps": int(_text(page, "train-step")),
                                     "loss_fell_after_s": fell}  # fmt: skip
                break
            page.wait_for_timeout(100)
        else:
            reach[str(batch)] = {"seconds": None, "steps": int(_text(page, "train-step")), "loss_fell_after_s": fell}
        page.click("[data-testid=train-start]")
    rows = [
        (f"{shape}, batch {batch}: steps a second", f"{v:.1f}") for shape, d in speed.items() for batch, v in d.items()
    ]
    for batch, r in reach.items():
        fell = "not seen" if r["loss_fell_after_s"] is None else f"{r['loss_fell_after_s']:.1f}"
        rows.append((f"original from seed 0, batch {batch}: shown loss 5% below its first (s)", fell))
        reached = "not reached" if r["seconds"] is None else f"{r['seconds']:.0f} s, {r['steps']} steps"
        rows.append((f"original from seed 0, batch {batch}: to {TARGET_ACCURACY:.0%} of validation windows", reached))
    return {"steps_per_second": speed, "to_target": reach, "target_accuracy": TARGET_ACCURACY,
            "training_windows": TRAINING_WINDOWS, "learning_rate": 0.003,
            "table": "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)}  # fmt: skip


def main_training(out_path: Path) -> None:
    """Measure the training panel and write it under "training" in ``out_path``, keeping what is there."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "explorer"
        files = export_web(folder, {n: MODELS_DIR / n for n in ("original", "m5")}, training=TRAINING_WINDOWS)
        with_windows = sum(f.stat().st_size for f in files)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            result = training(page)
            browser.close()
        server.shutdown()
    result["folder_mb_with_training_windows"] = with_windows / 1e6
    results = json.loads(out_path.read_text()) if out_path.exists() else {}
    results["training"] = result
    results["training_table"] = result["table"]  # for docs/web.md
    out_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"folder with {TRAINING_WINDOWS} training windows: {with_windows / 1e6:.2f} MB")
    print(result["table"])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "web.json")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--training", action="store_true", help="measure the training panel only")
    args = parser.parse_args()
    if args.training:
        main_training(args.out)
        return
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "explorer"
        files = export_web(folder, {n: MODELS_DIR / n for n in ("original", "m5")})
        audio, rate = sf.read(find_data_dir() / "cats_dogs" / RECORDING, dtype="float32")
        assert rate == SAMPLE_RATE
        clip = Path(tmp) / "ten_seconds.wav"
        sf.write(clip, audio[: SECONDS * rate], rate, subtype="PCM_16")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        loads, ready, analysis, p_dog = [], [], {"original": [], "m5": []}, {}
        opened: dict[str, list[float]] = {"original": [], "m5": []}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
            for _ in range(args.repeats):
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                page.goto(url)
                page.wait_for_function("window.catdog && document.querySelector('#model').options.length === 2")
                timing = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
                loads.append(timing["loadEventEnd"] / 1000)
                ready.append(page.evaluate("performance.now()") / 1000)
                for name in ("original", "m5"):
                    page.select_option("#model", name)
                    page.evaluate("delete document.body.dataset.analysedIn")
                    page.set_input_files("#file", [])  # the same file again must be a change
                    start = time.perf_counter()
                    page.set_input_files("#file", str(clip))
                    page.wait_for_function("document.body.dataset.analysedIn", timeout=60_000)
                    opened[name].append(time.perf_counter() - start)
                    analysis[name].append(float(page.evaluate("document.body.dataset.analysedIn")) / 1000)
                    p_dog[name] = float(page.inner_text("[data-testid=p-dog]"))
                page.close()
            windows = evaluation_windows(load_split(find_data_dir()).test, normalization="window")
            x = windows.x[np.linspace(0, len(windows.x) - 1, TEST_WINDOWS).astype(int)]
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("window.catdog && document.querySelector('#model').options.length === 2")
            differences = {name: layer_differences(page, name, x) for name in ("original", "m5")}
            browser.close()
        server.shutdown()
        expected = {n: predict_recording(load_predictor(MODELS_DIR / n), clip, quiet=True)["p_dog"] for n in p_dog}
        size = sum(f.stat().st_size for f in files)
    analysed = {n: float(np.median(v)) for n, v in analysis.items()}
    largest = max(abs(p_dog[n] - expected[n]) for n in p_dog)
    rows = [
        ("the exported folder (MB)", f"{size / 1e6:.2f}"),
        ("page load, navigation to the load event (s)", f"{np.median(loads):.2f}"),
        ("networks decoded and the page ready (s)", f"{np.median(ready):.2f}"),
        *((f"a 10-s recording through {n}, decoded to every panel drawn (s)", f"{v:.2f}") for n, v in analysed.items()),
        *((f"a 10-s recording through {n}, file chosen to every panel drawn (s)", f"{np.median(v):.2f}")
          for n, v in opened.items()),
        ("largest p(dog) difference, page against `predict`", f"{largest:.4f}"),
        *(
            (f"largest layer difference, page against Keras, {n} (share of the layer's range)",
             f"{max(v for k, v in d.items() if k != 'dense'):.1e}")
            for n, d in differences.items()
        ),
        *((f"largest p(dog) difference, page against Keras, {n}", f"{d['dense']:.1e}") for n, d in differences.items()),
    ]  # fmt: skip
    out = {
        "table": "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows),
        "folder_mb": size / 1e6,
        "files": sorted(f.name for f in files),
        "page_load_s": float(np.median(loads)),
        "ready_s": float(np.median(ready)),
        "analysis_10s_recording_s": analysed,
        "opened_10s_recording_s": {n: float(np.median(v)) for n, v in opened.items()},
        "p_dog_page": p_dog,
        "p_dog_predict": expected,
        "largest_p_dog_difference": largest,
        "layer_differences": differences,
        "layers_vs_keras": max(v for d in differences.values() for k, v in d.items() if k != "dense"),
        "test_windows": TEST_WINDOWS,
        "repeats": args.repeats,
        "cpus": os.cpu_count(),
        "browser": "headless Chromium (Debian), 127.0.0.1",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    before = json.loads(args.out.read_text()) if args.out.exists() else {}
    out.update({key: before[key] for key in ("training", "training_table") if key in before})  # --training measures it
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(out["table"])


if __name__ == "__main__":
    main()
