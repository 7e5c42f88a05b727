"""The package's wings: imports run one way, so answering a user never loads the training code."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("arrows", ROOT / "docs" / "arrows.py")
arrows = importlib.util.module_from_spec(spec)
spec.loader.exec_module(arrows)


def test_no_import_runs_back_between_the_wings(capsys):
    assert arrows.main(ROOT / "catdog_cnn") == 0, capsys.readouterr().out
    serve = {b for a, b in arrows.arrows(ROOT / "catdog_cnn") if a.startswith("serve.")}
    assert {arrows.wing(b) for b in serve} <= {"serve", "sound", "shared"}


def test_an_arrow_that_runs_back_is_found(tmp_path, capsys):
    for wing in ("serve", "nets"):
        (tmp_path / wing).mkdir()
        (tmp_path / wing / "__init__.py").write_text("")
    (tmp_path / "nets" / "train.py").write_text("x = 1\n")
    (tmp_path / "serve" / "predict.py").write_text("def f():\n    from ..nets.train import x\n    return x\n")
    assert arrows.main(tmp_path) == 1 and "runs back" in capsys.readouterr().out


def test_predicting_and_explaining_load_no_training_code():
    code = (
        "import sys; from catdog_cnn.cli import build_parser; build_parser()\n"
        "import catdog_cnn.serve.explain, catdog_cnn.serve.web, catdog_cnn.serve.predict\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'sklearn')"
        " or m.startswith(('catdog_cnn.look', 'catdog_cnn.anchors', 'catdog_cnn.nets.train', 'catdog_cnn.nets.runs',"
        " 'catdog_cnn.sound.augment', 'catdog_cnn.sound.generator'))]\n"
        "print(sorted(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_command_line_knows_the_recipes_without_reading_them():
    from catdog_cnn.config import RECIPE_NAMES
    from catdog_cnn.nets.recipes import RECIPES

    assert tuple(RECIPES) == RECIPE_NAMES


def test_the_layout_page_gives_todays_count(capsys):
    arrows.main(ROOT / "catdog_cnn")
    counted = capsys.readouterr().out.splitlines()
    page = (ROOT / "docs" / "layout.md").read_text()
    assert counted[0].split(" of ")[0] in page  # "N import arrows between M files"
    assert all(line in page for line in counted[1:])
