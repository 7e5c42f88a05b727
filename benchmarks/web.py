"""Speed of the browser explorer in headless Chromium: page load, and a 10-s recording from open to all drawn.

Exports the explorer (the committed networks) into a temporary folder, serves it from 127.0.0.1, and in
Chromium measures the time to load the page (navigation start to the load event, and until the networks are
ready) and, for a 10-s excerpt of a real dog recording opened as a file, the time from the file being
decoded to every panel drawn (the page's own measure, ``analysedIn``), for each network, several times.
The largest difference between the page's p(dog) and `catdog-cnn predict`'s is recorded too.

Usage: python benchmarks/web.py [--out benchmarks/results/web.json] [--repeats 5]
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
from pathlib import Path

import numpy as np
import soundfile as sf

from catdog_cnn.config import MODELS_DIR, SAMPLE_RATE
from catdog_cnn.data import find_data_dir
from catdog_cnn.predict import load_predictor, predict_recording
from catdog_cnn.web import export_web

RECORDING = "dog_barking_0.wav"  # 17 s of barking; its first 10 s are used
SECONDS = 10


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "web.json")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
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
                    page.set_input_files("#file", str(clip))
                    page.wait_for_function("document.body.dataset.analysedIn", timeout=60_000)
                    analysis[name].append(float(page.evaluate("document.body.dataset.analysedIn")) / 1000)
                    p_dog[name] = float(page.inner_text("[data-testid=p-dog]"))
                page.close()
            browser.close()
        server.shutdown()
        expected = {n: predict_recording(load_predictor(MODELS_DIR / n), clip, quiet=True)["p_dog"] for n in p_dog}
        size = sum(f.stat().st_size for f in files)
    out = {
        "folder_mb": size / 1e6,
        "files": sorted(f.name for f in files),
        "page_load_s": float(np.median(loads)),
        "ready_s": float(np.median(ready)),
        "analysis_10s_recording_s": {n: float(np.median(v)) for n, v in analysis.items()},
        "p_dog_page": p_dog,
        "p_dog_predict": expected,
        "largest_p_dog_difference": max(abs(p_dog[n] - expected[n]) for n in p_dog),
        "repeats": args.repeats,
        "cpus": os.cpu_count(),
        "browser": "headless Chromium (Debian), 127.0.0.1",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
