"""The package stands alone: a wheel built from the tree, installed elsewhere (not editable), predicts a file."""

import json
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


@pytest.mark.realdata
def test_the_base_install_answers_without_tensorflow(wheel, tmp_path, real_data_dir):
    """The base package (from the lock, into a fresh venv) predicts, explains, exports the explorer and verifies the
    data with TensorFlow absent, and a command that needs it says in one line which extra to install."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    empty_mb = _megabytes(site)  # the venv's own pip and setuptools
    python, cli = venv / "bin" / "python", str(venv / "bin" / "catdog-cnn")
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c",
                                str(ROOT / "constraints.txt"), str(wheel)], capture_output=True, text=True)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    for module in ("tensorflow", "keras", "sklearn", "scipy"):
        assert subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode != 0, module
    size_mb = _megabytes(site) - empty_mb
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "base_install.txt").write_text(f"base install: {size_mb:.0f} MB added to {site}\n")
    assert size_mb <= 400, f"the base install takes {size_mb:.0f} MB"

    wav = real_data_dir / "cats_dogs" / "dog_barking_0.wav"
    run = {"cwd": tmp_path, "capture_output": True, "text": True}
    predicted = subprocess.run([cli, "predict", str(wav), "--json"], **run)
    assert predicted.returncode == 0, predicted.stderr
    p_dog = json.loads(predicted.stdout)[0]["p_dog"]
    explained = subprocess.run([cli, "explain", str(wav), "--out", "report.html"], **run)
    assert explained.returncode == 0, explained.stderr
    assert f"<td>{p_dog:.3f}</td>" in (tmp_path / "report.html").read_text()  # LiteRT and NumPy agree
    exported = subprocess.run([cli, "export-web", "--out", "web"], **run)
    assert exported.returncode == 0 and (tmp_path / "web" / "models.js").is_file(), exported.stderr
    fetched = subprocess.run([cli, "fetch-data", "--dest", str(real_data_dir)], **run)  # a copy: verified, not fetched
    assert fetched.returncode == 0 and "dataset ready" in fetched.stdout, fetched.stderr
    refused = subprocess.run([cli, "train", "--epochs", "1"], **run)
    assert refused.returncode == 1 and refused.stderr.strip().count("\n") == 0, refused.stderr
    assert "pip install 'catdog-cnn[train]'" in refused.stderr and "tensorflow" in refused.stderr


def _megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
