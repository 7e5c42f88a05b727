"""Notebook 05's explorer, driven in a real JupyterLab by headless Chromium.

Starts JupyterLab on a free localhost port with a token (on a copy of the
notebook, so nothing in the project is saved over), opens notebook 05, runs all
cells from JupyterLab's Run menu, waits for the explorer, moves the
sample and layer sliders and checks that the picture changes each time, switches
the model, loads a recording the test makes, plays the window, asks what a unit
wants to hear, and checks that no widget failed to display. The screenshot and
the redraw times are written to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
# Chromium flags for a closed network: no background calls that would be refused.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, real_data_dir):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("browser test: install Debian's chromium package")
    work = tmp_path_factory.mktemp("lab")
    # no "get notified about Jupyter news?" toast over the explorer
    notification = work / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (work / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "05_layer_peeling.ipynb", work / "notebooks")
    port, token = free_port(), secrets.token_hex(16)
    env = os.environ | {
        "CATDOG_IMG_DIR": str(work / "img"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_DATA_DIR": str(work / "data"),
    }
    # the kernel must be this Python, whatever kernels the machine has
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(work / "kernel")],
        check=True,
        capture_output=True,
        env=env,
    )
    env["JUPYTER_PATH"] = str(work / "kernel" / "share" / "jupyter")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.allow_root=True",  # CI containers run as root
            f"--LabApp.workspaces_dir={work / 'workspaces'}",
            f"--LabApp.user_settings_dir={work / 'settings'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "server.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if server.poll() is not None:  # exited: no point waiting
                pytest.fail(f"JupyterLab exited: {(work / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if json.load(r).get("started"):
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {(work / 'server.log').read_text()[-2000:]}")
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(work / "server.log", ARTIFACTS / "jupyterlab-server.log")  # kernel errors, if any


# The notebook's kernel is connected and idle: Run All will not race its start.
KERNEL_READY = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""


def cell_errors(page) -> str:
    """The text of every error or stderr output on the page, to say why the explorer did not appear."""
    outputs = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return "\n".join(outputs.all_inner_texts())[-3000:]


EXPLORER = ".catdog-explorer"  # the explorer's own box: the notebook shows other widgets too


def image_source(page) -> str:
    return page.eval_on_selector(f"{EXPLORER} img", "img => img.src")


def set_slider(page, index: int, value: int) -> float:
    """Type ``value`` into the readout of the index-th slider; return seconds until the picture changed."""
    before = image_source(page)
    readout = page.locator(f"{EXPLORER} .widget-slider .widget-readout").nth(index)
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    start = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function(f"old => document.querySelector('{EXPLORER} img').src !== old", arg=before, timeout=30_000)
    return time.perf_counter() - start


def press_on_layer_slider(page, *keys: str) -> float:
    """Press ``keys`` on the layer slider's handle (it shows the layer's name, no number to type); return
    seconds until the picture changed."""
    handle = page.locator(f"{EXPLORER} .widget-slider").nth(1).locator(".noUi-handle")
    handle.focus()
    before = image_source(page)
    start = time.perf_counter()
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_function(f"old => document.querySelector('{EXPLORER} img').src !== old", arg=before, timeout=30_000)
    return time.perf_counter() - start


def changes_picture(page, action) -> float:
    """Do ``action()``; return seconds until the explorer's picture changed."""
    before = image_source(page)
    start = time.perf_counter()
    action()
    page.wait_for_function(f"old => document.querySelector('{EXPLORER} img').src !== old", arg=before, timeout=60_000)
    return time.perf_counter() - start


def a_recording(folder: Path) -> Path:
    """Three seconds of a warbling tone in FLAC at 22.05 kHz: a recording of the user's own."""
    import numpy as np
    import soundfile as sf

    t = np.arange(3 * 22_050) / 22_050
    path = folder / "my recording.flac"
    sf.write(path, (0.5 * np.sin(2 * np.pi * (700 + 200 * np.sin(9 * t)) * t)).astype("float32"), 22_050)
    return path


def test_explorer_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            page.goto(f"{url}/lab/tree/notebooks/05_layer_peeling.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.serviceManager", timeout=60_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            page.wait_for_function(KERNEL_READY, timeout=120_000)
            # as a user does: focus the notebook, then Run > Run All Cells
            page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            try:
                page.wait_for_selector(f"{EXPLORER} img", timeout=300_000)
            except Exception as error:
                raise AssertionError(f"the explorer did not appear; cell errors:\n{cell_errors(page)}") from error
            page.wait_for_selector(".widget-slider .widget-readout", timeout=60_000)
            page.locator(f"{EXPLORER} img").scroll_into_view_if_needed()

            sample_seconds = [set_slider(page, 0, v) for v in (5, 40, 120)]
            layer_seconds = [
                press_on_layer_slider(page, "ArrowRight", "ArrowRight"),
                press_on_layer_slider(page, "End"),
            ]
            page.wait_for_timeout(500)
            assert "Error displaying widget" not in page.content()
            info = page.locator(f"{EXPLORER} .widget-html").first.inner_text()
            assert "relu_10" in info and "p(dog)" in info

            model_menu = page.locator(".widget-dropdown select").first
            model_seconds = changes_picture(page, lambda: model_menu.select_option("m5"))
            assert "model: m5" in page.locator(f"{EXPLORER} .widget-html").first.inner_text()
            layer_seconds += [press_on_layer_slider(page, "Home")]
            explorer = page.locator(EXPLORER)
            explorer.screenshot(path=str(ARTIFACTS / "explorer.png"))  # a test window through m5
            recording_box = page.locator(".widget-text input").nth(1)
            recording_box.fill(str(a_recording(tmp_path)))
            load = page.locator("button:has-text('load recording')")
            recording_seconds = changes_picture(page, load.click)
            assert "my recording.flac" in page.locator(f"{EXPLORER} .widget-html").first.inner_text()
            sample_seconds += [set_slider(page, 0, 2)]
            layer_seconds += [press_on_layer_slider(page, "End")]
            player = page.locator(f"{EXPLORER} audio").first
            assert player.evaluate("a => a.src.length > 0")  # the shown second is in the player
            assert player.evaluate("a => a.play().then(() => !a.paused)")
            page.locator("button:has-text('what it wants to hear')").click()
            page.wait_for_function(
                "() => [...document.querySelectorAll('.catdog-explorer .widget-html')].some("
                "e => e.innerText.includes('wants to hear'))",
                timeout=120_000,
            )
            assert page.locator(f"{EXPLORER} audio").nth(1).evaluate("a => a.src.length > 0")
            assert "Error displaying widget" not in page.content()
            page.screenshot(path=str(ARTIFACTS / "explorer_page.png"))
            (ARTIFACTS / "redraw_seconds.json").write_text(
                json.dumps(
                    {
                        "sample_slider": sample_seconds,
                        "layer_slider": layer_seconds,
                        "model_menu": model_seconds,
                        "load_recording": recording_seconds,
                    },
                    indent=2,
                )
            )
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"))
            raise
        finally:
            browser.close()
