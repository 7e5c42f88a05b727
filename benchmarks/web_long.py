"""The browser explorer on long recordings: time to the answer, how long the page stops answering, and memory.

Exports the explorer (the committed networks), serves it from 127.0.0.1, and in headless Chromium opens a 10- and
a 60-minute recording made by repeating a real dog recording of the dataset (16 kHz, 16-bit WAV). Measured for
each, with m5:
- the time from the file being chosen to the answer drawn (the page's ``analysedIn`` mark appearing);
- the page's longest stall: a timer in the page ticks every 20 ms, and the longest gap between two ticks is the
  longest a click would have waited; overall (drawing the answer included), and while the page shows the
  analysis's progress (none for a page without a progress bar);
- the memory of Chromium's renderer processes (their resident set, summed: the page and its worker) just before
  the file is chosen, its peak until the answer is drawn (sampled every 0.1 s from outside the browser), and
  3 s after the answer, what the page goes on holding.

``--static DIR`` replaces the page's files with those in DIR, to measure an earlier version of the page the same
way (for instance ``git show REV:catdog_cnn/serve/web_static/FILE`` for each file).

Usage: python benchmarks/web_long.py [--minutes 10 60] [--static DIR] [--out benchmarks/results/web_long.json]
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
import psutil
import soundfile as sf

from catdog_cnn.config import MODELS_DIR, SAMPLE_RATE
from catdog_cnn.serve.web import export_web
from catdog_cnn.sound.data import find_data_dir

RECORDING = "dog_barking_0.wav"  # 17 s of barking, repeated
# A timer in the page: the longest gap between its ticks, overall and while the page shows analysis progress.
HEARTBEAT = """window.__stall = 0; window.__busy = 0; window.__last = performance.now();
setInterval(() => { const t = performance.now(), gap = t - window.__last, bar = document.getElementById('progress');
window.__stall = Math.max(window.__stall, gap);
if (bar && !bar.hidden && document.body.dataset.analysedIn === undefined) window.__busy = Math.max(window.__busy, gap);
window.__last = t; }, 20);"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def renderer_mb(browser_pid: int) -> float:
    """Resident memory of the browser's renderer processes (pages and their workers), in MB."""
    total = 0
    for child in psutil.Process(browser_pid).children(recursive=True):
        try:
            if "--type=renderer" in " ".join(child.cmdline()):
                total += child.memory_info().rss
        except psutil.Error:
            pass
    return total / 1e6


class PeakMemory(threading.Thread):
    """The peak of :func:`renderer_mb`, sampled every 0.1 s until stopped."""

    def __init__(self, browser_pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = browser_pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, renderer_mb(self.pid))


def measure(browser, url: str, path: Path, chromium_pid: int, timeout_s: float) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(url)
    page.wait_for_function("window.catdog && document.querySelector('#model').options.length === 2")
    page.evaluate(HEARTBEAT)
    page.wait_for_timeout(1000)
    before = renderer_mb(chromium_pid)
    memory = PeakMemory(chromium_pid)
    memory.start()
    start = time.perf_counter()
    page.set_input_files("#file", str(path))
    page.wait_for_function("document.body.dataset.analysedIn !== undefined", timeout=1000 * timeout_s, polling=100)
    seconds = time.perf_counter() - start
    memory.stop.set()
    memory.join()
    page.wait_for_timeout(3000)
    after = renderer_mb(chromium_pid)  # what stays held once the answer is drawn
    stall = page.evaluate("Math.max(window.__stall, performance.now() - window.__last)") / 1000
    busy = page.evaluate("window.__busy") / 1000
    answer = page.inner_text("[data-testid=p-dog]")
    page.close()
    return {"answered_s": seconds, "longest_stall_s": stall, "longest_stall_while_analysing_s": busy,
            "renderer_before_mb": before, "peak_renderer_mb": max(memory.peak, before), "renderer_after_mb": after,
            "p_dog": float(answer) if answer else float("nan")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 60])
    parser.add_argument("--static", type=Path, default=None, help="page files to use instead of the package's")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "web_long.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "explorer"
        export_web(folder, {n: MODELS_DIR / n for n in ("original", "m5")})
        for page_file in sorted(args.static.iterdir()) if args.static else []:
            shutil.copy(page_file, folder / page_file.name)
        audio, rate = sf.read(find_data_dir() / "cats_dogs" / RECORDING, dtype="float32")
        assert rate == SAMPLE_RATE
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
            pid = next(c.pid for c in psutil.Process().children(recursive=True) if "chromium" in c.name().lower())
            for minutes in args.minutes:
                path = Path(tmp) / f"{minutes}_minutes.wav"
                length = minutes * 60 * rate
                sf.write(path, np.resize(audio, length), rate, subtype="PCM_16")
                rows[f"{minutes} min"] = measure(browser, url, path, pid, timeout_s=60 * minutes)
                print(f"{minutes} min: {rows[f'{minutes} min']}", flush=True)
                path.unlink()
            browser.close()
        server.shutdown()
    table = (
        "| recording | answered (s) | longest stall of the page (s) | longest stall while analysing (s) | "
        "renderer memory, before → peak → 3 s after the answer (MB) |\n|---|---|---|---|---|\n"
    )
    table += "\n".join(
        f"| {k} | {v['answered_s']:.1f} | {v['longest_stall_s']:.2f} | {v['longest_stall_while_analysing_s']:.2f} | "
        f"{v['renderer_before_mb']:.0f} → {v['peak_renderer_mb']:.0f} → {v['renderer_after_mb']:.0f} |"
        for k, v in rows.items()
    )
    out = {"table": table, "rows": rows, "static": str(args.static) if args.static else "the package's",
           "cpus": os.cpu_count(), "browser": "headless Chromium (Debian), 127.0.0.1", "model": "m5"}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(table)


if __name__ == "__main__":
    main()
