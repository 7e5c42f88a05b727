"""Build the lessons as a static HTML book from the committed notebooks, without running them.

Each notebook becomes a chapter with nbconvert (JupyterLab's look, the outputs as committed): cells tagged
``remove-input`` show only what they print, cells tagged ``solution`` are folded under "Solution", and nothing
is fetched from the network, so the book opens offline from its folder. docs/glossary.md becomes a chapter too,
and index.html lists them all. Images a lesson's text shows from ``img/`` are copied into ``OUT/img``, and
the browser explorer (``catdog-cnn export-web``) is placed in ``OUT/explorer``, linked from the contents, so
one static folder carries the lessons and the explorer.

Usage: python book/build.py OUT
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GLOSSARY = ROOT / "docs" / "glossary.md"
TITLE = "catdog-cnn: how a one-dimensional CNN hears"
CSS = """
.book-nav{display:flex;gap:1.5em;justify-content:space-between;padding:.6em 1em;margin:0 0 1em;
  border-bottom:1px solid #ddd;font-family:system-ui,sans-serif;font-size:.95em}
.book-nav a{text-decoration:none}
details.book-solution{margin:.4em 0 1em;border-left:3px solid #4a7;padding-left:.6em}
details.book-solution>summary{cursor:pointer;color:#275;font-family:system-ui,sans-serif}
main{max-width:1100px;margin:auto}
"""
INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}}
li{{margin:.6em 0}} .goal{{color:#555;font-size:.95em}}
.explorer{{background:#eef6fc;padding:.7em 1em;border-radius:6px}}
</style></head><body>
<h1>{title}</h1>
<p>Lessons on a small network that tells cat sounds from dog sounds straight from the waveform, and on
peeling its layers to see and hear what each one does. Every figure, number and sound here was computed by
the notebooks of the <code>catdog-cnn</code> project; each lesson ends with what was learned and exercises
with their solutions.</p>
<p class="explorer"><a href="explorer/index.html"><b>Peel the network in your browser</b></a>: give it a
recording of your own (or your microphone) and look inside, with nothing to install.</p>
<ol>
{chapters}
</ol>
</body></html>
"""


def _title(nb: nbformat.NotebookNode) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = re.search(r"^#\s+(.+)$", first, re.MULTILINE)
    return match.group(1).strip() if match else "untitled"


def _goal(nb: nbformat.NotebookNode) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = re.search(r"\*\*By the end\*\*(.+?)(?:\n\n|$)", first, re.DOTALL)
    return ("By the end" + match.group(1)).replace("\n", " ").strip() if match else ""


def _nav(pages: list[tuple[str, str]], at: int) -> str:
    links = ['<a href="index.html">Contents</a>']
    if at > 0:
        links.insert(0, f'<a href="{pages[at - 1][0]}">← {html.escape(pages[at - 1][1])}</a>')
    if at + 1 < len(pages):
        links.append(f'<a href="{pages[at + 1][0]}">{html.escape(pages[at + 1][1])} →</a>')
    return "".join(f"<span>{link}</span>" for link in links)


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(Path(__file__).parent / "template")])
    exporter.template_file = "book.html.j2"
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"remove-input"}), enabled=True)
    return exporter


def _glossary_notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(GLOSSARY.read_text())])


def _with_images(body: str, out: Path) -> str:
    """Copy every ``../img/NAME`` the page shows into ``out/img`` and point the page there."""
    for name in sorted(set(re.findall(r'src="\.\./img/([\w.-]+)"', body))):
        (out / "img").mkdir(exist_ok=True)
        shutil.copyfile(ROOT / "img" / name, out / "img" / name)
    return body.replace('src="../img/', 'src="img/')


def _explorer(out: Path) -> list[Path]:
    """The browser explorer with the committed networks, in ``out/explorer``."""
    from catdog_cnn.config import MODELS_DIR
    from catdog_cnn.web import export_web

    return export_web(out / "explorer", {name: MODELS_DIR / name for name in ("original", "m5")})


def build(out: Path) -> list[Path]:
    """Write the book into ``out``; returns the pages written."""
    out.mkdir(parents=True, exist_ok=True)
    books = [(f"{path.stem}.html", nbformat.read(path, as_version=4)) for path in NOTEBOOKS]
    books.append(("glossary.html", _glossary_notebook()))
    pages = [(name, _title(nb)) for name, nb in books]
    exporter, written = _exporter(), []
    for at, (name, nb) in enumerate(books):
        resources = {"book_css": CSS, "book_nav": _nav(pages, at), "metadata": {"name": pages[at][1]}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        body = body.replace('href="../docs/glossary.md"', 'href="glossary.html"')
        body = _with_images(body, out)
        (out / name).write_text(body, encoding="utf-8")
        written.append(out / name)
    chapters = "\n".join(
        f'<li><a href="{name}">{html.escape(title)}</a><div class="goal">{html.escape(_goal(nb))}</div></li>'
        for (name, title), (_, nb) in zip(pages, books, strict=True)
    )
    (out / "index.html").write_text(INDEX.format(title=TITLE, chapters=chapters), encoding="utf-8")
    (out / "pages.json").write_text(json.dumps([name for name, _ in pages], indent=1))
    return [out / "index.html", *written, *_explorer(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the folder to write the book into")
    args = parser.parse_args()
    start = time.perf_counter()
    pages = build(args.out)
    size = sum(p.stat().st_size for p in pages) / 1e6
    print(f"{len(pages)} pages, {size:.1f} MB, in {time.perf_counter() - start:.1f} s: open {args.out / 'index.html'}",
          file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
