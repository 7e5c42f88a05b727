"""Exports write only what they own: export-web and the book refuse folders holding others' files and the
project's own folders, check everything before any work, and leave the old folder as it was when they fail."""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import catdog_cnn.serve.web
from catdog_cnn.cli import main
from catdog_cnn.config import MODELS_DIR
from catdog_cnn.serve.manifest import record
from catdog_cnn.serve.output_folder import MARKER
from catdog_cnn.serve.spec import read_spec, write_spec

ROOT = Path(__file__).resolve().parent.parent
STATIC = Path(catdog_cnn.serve.web.__file__).parent / "web_static"
BLOCK_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None  # any import of these now fails
sys.modules["keras"] = None
from catdog_cnn.cli import main
sys.exit(main(sys.argv[1:]))
"""


def export(capsys, *args: str) -> tuple[int, str]:
    code = main(["export-web", *args])
    err = capsys.readouterr().err
    if code:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err  # one line, no traceback
    return code, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("web") / "explorer"
    assert main(["export-web", "--out", str(out)]) == 0
    return out


def test_a_folder_of_the_users_own_is_refused_unless_forced(tmp_path, capsys):
    mine = tmp_path / "site"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    (mine / "notes.txt").write_text("mine")
    code, err = export(capsys, "--out", str(mine))
    assert code == 1 and "did not write (index.html, notes.txt)" in err and "--force" in err
    assert (mine / "index.html").read_text() == "my own page"
    assert main(["export-web", "--out", str(mine), "--force"]) == 0  # beside them: same names replaced
    assert (mine / "notes.txt").read_text() == "mine" and "models.js" in (mine / "index.html").read_text()
    assert export(capsys, "--out", str(mine))[0] == 1  # notes.txt is still not the explorer's


def test_a_folder_it_wrote_is_replaced_whole(exported, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(exported, out)
    (out / "models.js").write_text("stale")
    assert main(["export-web", "--out", str(out)]) == 0
    assert snapshot(out) == snapshot(exported)
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # no temporary folder left beside it


def test_the_packages_own_folders_are_refused_even_with_force(capsys):
    before = snapshot(STATIC)
    for target in (STATIC, STATIC / "new", STATIC.parent):
        code, err = export(capsys, "--out", str(target), "--force")
        assert code == 1 and "the project's own" in err
    assert snapshot(STATIC) == before and all(before.values())


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "is not a folder"),
        (lambda tmp: Path("/proc/x"), "cannot be written"),
        (lambda tmp: Path("/proc/self/x/y"), "cannot be written"),
    ],
)
def test_an_output_that_cannot_be_a_folder_gets_one_line(tmp_path, capsys, make, words):
    code, err = export(capsys, "--out", str(make(tmp_path)))
    assert code == 1 and words in err


def test_a_full_disk_leaves_the_old_folder_as_it_was(exported, tmp_path, capsys, monkeypatch):
    out = tmp_path / "explorer"
    shutil.copytree(exported, out)
    before = snapshot(out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "models.js"))

    monkeypatch.setattr(catdog_cnn.serve.web, "_script", full)
    code, err = export(capsys, "--out", str(out))
    assert code == 1 and "no space left on device" in err and "as it was" in err
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["explorer"]


def test_bad_runs_and_data_are_refused_before_any_work(exported, tmp_path, capsys):
    out = tmp_path / "explorer"
    shutil.copytree(exported, out)
    before = snapshot(out)
    code, err = export(capsys, "--out", str(out), "--model", str(tmp_path / "none"))
    assert code == 1 and "no such run folder" in err
    code, err = export(capsys, "--out", str(out), "--examples", "4", "--data-dir", str(tmp_path / "nodata"))
    assert code == 1 and f"fetch-data --data-dir {(tmp_path / 'nodata').resolve()}" in err and "\\n" not in err
    assert "cache" not in err  # the folder named is where to put it, not another
    assert snapshot(out) == before


def test_checks_come_before_tensorflow(tmp_path):
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    for extra in (["--model", str(tmp_path / "none")], ["--out", "/proc/x"]):
        done = subprocess.run([sys.executable, "-c", BLOCK_TENSORFLOW, "export-web", "--out", str(tmp_path / "o"),
                               *extra], capture_output=True, text=True, env=env)  # fmt: skip
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def copy_run(source: Path, to: Path, **windows) -> Path:
    shutil.copytree(source, to)
    config = json.loads((to / "config.json").read_text())
    config.update(windows)
    (to / "config.json").write_text(json.dumps(config))
    record(to, ["config.json"])
    spec = read_spec(to)  # trained with these rules, its inference spec would carry them
    spec.normalization = windows.get("eval_normalization", spec.normalization)
    spec.min_peak = windows.get("eval_min_peak", spec.min_peak)
    names = write_spec(to, spec)
    record(to, names, made_from=dict.fromkeys(names, "model.keras"))
    return to


def test_two_runs_of_one_name_get_distinct_names(tmp_path, capsys):
    a = copy_run(MODELS_DIR / "m5", tmp_path / "a" / "m5")
    b = copy_run(MODELS_DIR / "original", tmp_path / "b" / "m5")
    assert main(["export-web", "--out", str(tmp_path / "web"), "--model", str(a), "--model", str(b)]) == 0
    models = (tmp_path / "web" / "models.js").read_text()
    assert 'CATDOG_MODEL_NAMES = ["a/m5", "b/m5"]' in models
    documents = {line.split('"]')[0].split('["')[1]: json.loads(line.split(" = ", 1)[1].rstrip(";"))
                 for line in models.splitlines() if line.startswith("window.CATDOG_MODELS[")}  # fmt: skip
    assert documents["a/m5"]["parameters"] == 19369 and documents["b/m5"]["parameters"] == 4151
    code, err = export(capsys, "--out", str(tmp_path / "web2"), "--model", str(a), "--model", str(a))
    assert code == 1 and "given twice" in err


def test_a_run_whose_rule_the_page_lacks_is_refused_by_name(tmp_path, capsys):
    run = copy_run(MODELS_DIR / "m5", tmp_path / "peaky", eval_min_peak=0.5)
    code, err = export(capsys, "--out", str(tmp_path / "web"), "--model", str(run))
    assert code == 1 and "eval_min_peak: 0.5" in err and not (tmp_path / "web").exists()
    run = copy_run(MODELS_DIR / "m5", tmp_path / "raw", eval_normalization="none")
    code, err = export(capsys, "--out", str(tmp_path / "web"), "--model", str(run))
    assert code == 1 and "eval_normalization: 'none'" in err


def test_control_characters_in_out_are_escaped(tmp_path, capsys):
    out = tmp_path / "a\x1b[2Jb"
    assert main(["export-web", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "\x1b" not in said and "\\x1b[2Jb" in said
    (out / "x").write_text("")
    code, err = export(capsys, "--out", str(out))
    assert code == 1 and "\x1b" not in err and "\\x1b" in err


# ---- the book -------------------------------------------------------------------------------------------
spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book)


def test_the_book_refuses_the_projects_folders(tmp_path):
    for target in (
        ROOT,
        ROOT / "notebooks",
        ROOT / "notebooks" / "new",
        ROOT / "catdog_cnn" / "serve" / "web_static",
        ROOT.parent,
    ):
        before = sorted(p.name for p in target.iterdir()) if target.exists() else None
        with pytest.raises(book.CatDogError, match="project"):
            book.build(target, force=True)
        assert (sorted(p.name for p in target.iterdir()) if target.exists() else None) == before


def test_the_book_command_says_one_line(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("mine")
    done = subprocess.run([sys.executable, str(ROOT / "book" / "build.py"), str(mine)], capture_output=True, text=True)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and "--force" in done.stderr
    assert (mine / "index.html").read_text() == "mine"


def test_a_rebuilt_book_replaces_its_own_and_links_only_what_it_carries(tmp_path):
    out = tmp_path / "book"
    book.build(out)
    (out / "index.html").write_text("stale")
    book.build(out)  # its own folder: replaced
    assert "stale" not in (out / "index.html").read_text()
    assert json.loads((out / MARKER).read_text())["writer"] == "book"
    for page in out.glob("*.html"):
        for target in __import__("re").findall(r'<a href="([^"#]+)', page.read_text()):
            assert target.startswith(("http:", "https:", "mailto:")) or (out / target).exists(), (page.name, target)
    chapter = (out / "04_tuning.html").read_text()
    assert 'href="docs-results.html' in chapter and (out / "docs-results.html").is_file()
