"""Build the lessons as a static HTML book from the committed notebooks, without running them.

Each notebook becomes a chapter with nbconvert (JupyterLab's look, the outputs as committed): cells tagged
``remove-input`` show only what they print, cells tagged ``solution`` are folded under "Solution", and nothing
is fetched from the network, so the book opens offline from its folder. docs/glossary.md becomes a chapter too,
and index.html lists them all; the other pages of docs/ that a chapter links (and those they link) become pages
of the book, and a link to anything the book does not carry is left as plain text. Images a page shows from
``img/`` are copied into ``OUT/img``, and the browser explorer (``catdog-cnn export-web``) is placed in
``OUT/explorer``, linked from the contents, so one static folder carries the lessons and the explorer.

OUT must be a new or empty folder, or a book built before; the book is built aside and put in place whole,
and never into the project's own folders.

Usage: python book/build.py OUT
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown import markdown2html
from nbconvert.preprocessors import TagRemovePreprocessor

from catdog_cnn.config import CatDogError
from catdog_cnn.serve.output_folder import check_folder, write_folder
from catdog_cnn.sound.inputs import printable

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GLOSSARY = ROOT / "docs" / "glossary.md"
TITLE = "catdog-cnn: how a one-dimensional CNN hears"
CSS = """
.book-nav{display:flex;gap:1.5em;justify-content:space-between;padding:.6em 1em;margin:0 0 1em;
  border-bottom:1px solid #ddd;font-family:system-ui,sans-serif;font-size:.95em}
.book-nav a{text-decoration:none}
details.book-solution{margin:.4em 0 1em;border-left:3px solid #4a7;padding-left:.6em}
details.book-solution>summary{cursor:pointer;color:#275;font-family:system-ui,sans-serif}
.book-caption{font-family:system-ui,sans-serif;font-size:.92em;color:#333;margin:.2em 1em 1.2em;max-width:900px}
.book-widget{background:#eef6fc;padding:.6em 1em;border-radius:6px;font-family:system-ui,sans-serif}
main{max-width:1100px;margin:auto}
"""
INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}}
li{{margin:.6em 0}} .goal{{color:#555;font-size:.95em}} .goal p{{margin:.2em 0}}
.optional{{color:#777;font-size:.85em}}
.explorer{{background:#eef6fc;padding:.7em 1em;border-radius:6px}}
</style></head><body>
<h1>{title}</h1>
<p>Lessons on a small network that tells cat sounds from dog sounds straight from the waveform, and on
peeling its layers to see and hear what each one does. Every figure, number and sound here was computed by
the notebooks of the <code>catdog-cnn</code> project; each lesson ends with what was learned and exercises
with their solutions.</p>
<p class="explorer"><a href="explorer/index.html"><b>Peel the network in your browser</b></a>: give it a
recording of your own (or your microphone) and look inside, with nothing to install.</p>
<p>{load}</p>
<ol>
{chapters}
</ol>
<p><a href="docs-references.html">References</a> · <a href="glossary.html">Glossary</a></p>
</body></html>
"""
# The core path of a one-week unit, in reading order; the other chapters are optional.
CORE = ("01", "02", "03", "10", "11", "05")
WORDS_PER_MINUTE = 200  # reading speed assumed for the reading load
WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<p class="book-widget">This explorer runs in JupyterLab. In the book, open the '
    '<a href="explorer/index.html">browser explorer</a>: it peels the same networks, on the test windows or on '
    "any recording of yours, with nothing to install.</p>"
)


def _title(nb: nbformat.NotebookNode) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = re.search(r"^#\s+(.+)$", first, re.MULTILINE)
    return match.group(1).strip() if match else "untitled"


def _goal(nb: nbformat.NotebookNode) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = re.search(r"\*\*By the end\*\*(.+?)(?:\n\n|$)", first, re.DOTALL)
    return ("By the end" + match.group(1)).replace("\n", " ").strip() if match else ""


def words(nb: nbformat.NotebookNode) -> int:
    """The words a reader reads in a chapter: its prose cells and the prose its hidden cells write."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            count += len(cell.source.split())
        for output in cell.get("outputs", []):
            count += len(str(output.get("data", {}).get("text/markdown", "")).split())
    return count


def prepare(nb: nbformat.NotebookNode, chapter: str) -> int:
    """Number the chapter's figures (cells that show an image) and put widgets' places in the book's words.

    A figure cell's caption comes from its metadata (``caption``); the template writes it under the figure
    and as the images' alt text. Returns the number of figures.
    """
    number = 0
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        if any(key.startswith("image/") for output in outputs for key in output.get("data", {})):
            number += 1
            cell.metadata["figure"] = {"label": f"{int(chapter)}.{number}", "caption": cell.metadata.get("caption", "")}
        for output in outputs:
            if WIDGET in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
    return number


def _entry(name: str, title: str, nb: nbformat.NotebookNode, figures: int) -> str:
    goal = markdown2html(_goal(nb)) if _goal(nb) else ""
    optional = "" if name[:2] in CORE or not name[:2].isdigit() else ' <span class="optional">(optional)</span>'
    size = f" {words(nb):,} words, {figures} figures." if name[:2].isdigit() else ""
    return f'<li><a href="{name}">{html.escape(title)}</a>{optional}<div class="goal">{goal}{size}</div></li>'


def _load(books: list[tuple[str, nbformat.NotebookNode]]) -> str:
    core = {name[:2]: words(nb) for name, nb in books if name[:2] in CORE}
    total = sum(core.values())
    order = ", ".join(CORE)
    return (f"<b>The core path</b> of a one-week unit is chapters {order}, in that order: {total:,} words to read, "
            f"about {total / WORDS_PER_MINUTE / 60:.1f} hours at {WORDS_PER_MINUTE} words a minute, plus the code, "
            "the figures and the exercises. The chapters marked optional go further: comparing models, which "
            "attribution to trust, hearing what units want, a pretrained network, the network in NumPy.")  # fmt: skip


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


def _markdown_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(path.read_text())])


def _doc_page(name: str) -> str:
    return "glossary.html" if name == "glossary" else f"docs-{name}.html"


def _docs_links(body: str, prefix: str) -> list[str]:
    """The docs/ pages (by stem) that ``body`` links as ``prefix + NAME.md``."""
    names = re.findall(rf'href="{re.escape(prefix)}([\w-]+)\.md(?:#[^"]*)?"', body)
    return [name for name in names if (DOCS / f"{name}.md").is_file()]


def _point_docs_links(body: str, prefix: str) -> str:
    def to_page(match: re.Match) -> str:
        name, anchor = match.group(1), match.group(2) or ""
        return f'href="{_doc_page(name)}{anchor}"' if (DOCS / f"{name}.md").is_file() else match.group(0)

    return re.sub(rf'href="{re.escape(prefix)}([\w-]+)\.md(#[^"]*)?"', to_page, body)


def _unlink_missing(body: str, out: Path) -> str:
    """Each link to a file the book does not carry, left as its text."""

    def keep(match: re.Match) -> str:
        target = match.group(1).split("#")[0]
        if not target or re.match(r"[a-z]+:", target) or (out / target).exists():
            return match.group(0)
        return match.group(2)

    return re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', keep, body, flags=re.DOTALL)


def _with_images(body: str, out: Path) -> str:
    """Copy every ``../img/NAME`` the page shows into ``out/img`` and point the page there."""
    for name in sorted(set(re.findall(r'src="\.\./img/([\w.-]+)"', body))):
        (out / "img").mkdir(exist_ok=True)
        shutil.copyfile(ROOT / "img" / name, out / "img" / name)
    return body.replace('src="../img/', 'src="img/')


BOOK_EXAMPLES = 12  # test windows the book's explorer offers when the dataset is present at build time
BOOK_TRAINING_WINDOWS = 64  # and training windows (16 validation ones too) for its training panel, about 2.7 MB


def _explorer(out: Path) -> list[Path]:
    """The browser explorer with the committed networks, in ``out/explorer``, with test and training windows if the
    data is here."""
    from catdog_cnn.config import MODELS_DIR
    from catdog_cnn.serve.web import export_web
    from catdog_cnn.sound.data import find_data_dir

    try:
        find_data_dir()
        examples, training = BOOK_EXAMPLES, BOOK_TRAINING_WINDOWS
    except CatDogError:  # no dataset on this machine: the explorer takes the reader's own recordings only
        examples = training = 0
    models = {name: MODELS_DIR / name for name in ("original", "m5")}
    return export_web(out / "explorer", models, examples=examples, training=training)


def protected() -> list[Path]:
    """The project's own folders (and the project itself), which the book never writes into."""
    try:
        tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True)
        tops = {line.split("/")[0] for line in tracked.stdout.splitlines() if "/" in line}
    except (OSError, subprocess.CalledProcessError):
        tops = {"book", "catdog_cnn", "docs", "img", "notebooks", "tests", "benchmarks", "experiments"}
    return [ROOT / ".git", *(ROOT / top for top in sorted(tops))]


def _check(out: Path, force: bool) -> None:
    root = ROOT.resolve()
    path = out.expanduser().resolve()
    if path == root or path in root.parents:
        raise CatDogError(f"{printable(str(out))}: is the project or holds it; give the book a folder of its own, "
                          "such as book-html.")  # fmt: skip
    check_folder(out, "book", force=force, protected=protected(), option="OUT")


def build(out: Path, *, force: bool = False) -> list[Path]:
    """Write the book into ``out``; returns the files written.

    Raises
    ------
    CatDogError
        If ``out`` is one of the project's folders, holds files the book did not write (unless ``force``), or
        cannot be written; checked before any work.
    """
    _check(out, force)
    return write_folder(out, "book", _write, force=force)


def _write(out: Path) -> None:
    books = [(f"{path.stem}.html", nbformat.read(path, as_version=4)) for path in NOTEBOOKS]
    figures = {name: prepare(nb, name[:2]) for name, nb in books}
    books.append(("glossary.html", _markdown_notebook(GLOSSARY)))
    pages = [(name, _title(nb)) for name, nb in books]
    exporter = _exporter()
    bodies = {}
    for at, (name, nb) in enumerate(books):
        resources = {"book_css": CSS, "book_nav": _nav(pages, at), "metadata": {"name": pages[at][1]}}
        bodies[name] = exporter.from_notebook_node(nb, resources=resources)[0]
    wanted = [d for body in bodies.values() for d in _docs_links(body, "../docs/") if d != "glossary"]
    done: set[str] = set()
    while wanted:  # the docs the chapters link, and the docs those link
        doc = wanted.pop(0)
        if doc in done:
            continue
        done.add(doc)
        nb = _markdown_notebook(DOCS / f"{doc}.md")
        resources = {"book_css": CSS, "book_nav": '<span><a href="index.html">Contents</a></span>',
                     "metadata": {"name": _title(nb)}}  # fmt: skip
        body = exporter.from_notebook_node(nb, resources=resources)[0]
        wanted += [d for d in _docs_links(body, "") if d not in done]
        bodies[_doc_page(doc)] = _point_docs_links(body, "")
    for name, body in bodies.items():
        body = _with_images(_point_docs_links(body, "../docs/"), out)
        (out / name).write_text(body, encoding="utf-8")
    entries = zip(pages, books, strict=True)
    chapters = "\n".join(_entry(name, title, nb, figures.get(name, 0)) for (name, title), (_, nb) in entries)
    (out / "index.html").write_text(INDEX.format(title=TITLE, chapters=chapters, load=_load(books)), encoding="utf-8")
    (out / "pages.json").write_text(json.dumps([name for name, _ in pages], indent=1))
    _explorer(out)
    for page in out.glob("*.html"):
        page.write_text(_unlink_missing(page.read_text(encoding="utf-8"), out), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the folder to write the book into (new, empty, or a book)")
    parser.add_argument("--force", action="store_true", help="write beside files the book did not write")
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        pages = build(args.out, force=args.force)
    except CatDogError as err:
        print(printable(str(err)), file=sys.stderr)
        sys.exit(1)
    size = sum(p.stat().st_size for p in pages) / 1e6
    print(f"{len(pages)} files, {size:.1f} MB, in {time.perf_counter() - start:.1f} s: "
          f"open {printable(str(args.out / 'index.html'))}",
          file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
