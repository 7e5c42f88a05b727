"""The package stands alone: a wheel built from the tree, installed elsewhere (not editable), predicts a file."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # a copy, so that the build's own folders are not left in the tree
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "test-artifacts", "runs", "data")
    shutil.copytree(ROOT, source, ignore=skip)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("catdog_cnn-*.whl")
    (out / "build.log").write_text(done.stdout + done.stderr)
    return built


def test_the_wheel_builds_without_packaging_warnings(wheel):
    log = (wheel.parent / "build.log").read_text()
    assert "catdog_cnn/models/m5" in log and "would be ignored" not in log


def test_the_wheel_carries_the_models_and_checksums(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in ("m5", "original"):
        for part in ("model.keras", "model.tflite", "config.json", "metrics.json", "manifest.json"):
            assert f"catdog_cnn/models/{model}/{part}" in names
    assert "catdog_cnn/sound/SHA256SUMS.cats_dogs" in names
    for part in ("index.html", "net.js", "worker.js", "explorer.js", "style.css"):
        assert f"catdog_cnn/serve/web_static/{part}" in names  # export-web copies them from the installed package
    assert not any(name.startswith(("tests/", "notebooks/", "benchmarks/")) for name in names)


def test_an_installed_copy_predicts_away_from_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    t = np.arange(48_000) / 16_000
    sf.write(tmp_path / "clip.wav", (0.3 * np.sin(2 * np.pi * 600 * t)).astype(np.float32), 16_000)
    env = os.environ | {"PYTHONPATH": str(site)}
    check = "import catdog_cnn.config as c, sys; print(c.__file__); print(c.DEFAULT_MODEL)"
    where = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.splitlines()[0].startswith(str(site)), where.stderr  # the installed copy, not the tree
    assert where.stdout.splitlines()[1].startswith(str(site))
    done = subprocess.run(
        [sys.executable, "-m", "catdog_cnn.cli", "predict", "clip.wav", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert '"label"' in done.stdout and '"segments"' in done.stdout
    web = subprocess.run([sys.executable, "-m", "catdog_cnn.cli", "export-web", "--out", "web"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert web.returncode == 0 and (tmp_path / "web" / "explorer.js").is_file(), web.stderr
