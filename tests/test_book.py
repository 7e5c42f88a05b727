"""The book of the lessons: built from the committed notebooks, it reads offline in Chromium, prose without its
code, solutions folded, figures and players working."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS  # the file beside this one

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    book.build(out)
    return out


def test_every_lesson_and_the_glossary_is_a_page(built):
    names = [p.stem for p in book.NOTEBOOKS]
    assert len(names) >= 7
    for name in [*names, "glossary", "index"]:
        assert (built / f"{name}.html").is_file(), name
    index = (built / "index.html").read_text()
    assert all(f'href="{name}.html"' in index for name in names)
    assert 'href="explorer/index.html"' in index and (built / "explorer" / "models.js").is_file()


@pytest.mark.realdata
def test_the_books_explorer_offers_test_and_training_windows_when_the_data_is_present(built):
    examples = (built / "explorer" / "examples.js").read_text()
    assert examples.count('"label": ') == book.BOOK_EXAMPLES
    training = (built / "explorer" / "training.js").read_text()
    assert training.startswith("window.CATDOG_TRAINING = ") and training.count('"labels": ') == 2


def test_images_the_lessons_show_from_img_travel_with_the_book(built):
    page = (built / "05_layer_peeling.html").read_text()
    assert 'src="img/kernel_slide.gif"' in page and "../img/" not in page
    assert (built / "img" / "kernel_slide.gif").read_bytes()[:6] == b"GIF89a"


def test_pages_hide_the_code_that_writes_prose_and_fold_the_solutions(built):
    path = book.NOTEBOOKS[0]
    nb = nbformat.read(path, as_version=4)
    page = (built / f"{path.stem}.html").read_text()
    hidden = [c for c in nb.cells if "remove-input" in c.metadata.get("tags", [])]
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert hidden and solutions
    assert all(c.source.splitlines()[0] not in page for c in hidden)  # no code of a prose cell
    assert page.count('<details class="book-solution">') == len(solutions) and "<details open" not in page
    assert 'href="glossary.html"' in page and "../docs/glossary.md" not in page
    assert not re.search(r'<(script|link|img|audio|source)[^>]+(src|href)="(https?:)?//', page)  # nothing to fetch


def test_every_figure_is_numbered_with_a_caption_that_is_also_its_alt_text(built):
    for path in book.NOTEBOOKS:
        page = (built / f"{path.stem}.html").read_text()
        tags = [tag for tag in re.findall(r"<img\b[^>]*>", page, re.DOTALL) if 'src="data:image/png' in tag]
        images = [re.search(r'alt="([^"]*)"', tag).group(1) for tag in tags]
        assert len(images) >= len(re.findall(r'class="book-caption"><b>', page))
        captions = re.findall(r'<p class="book-caption"><b>Figure (\d+)\.(\d+)\.</b> ([^<]+)</p>', page)
        assert all(alt.strip() for alt in images), path.stem  # no image without a description
        assert [int(n) for _, n, _ in captions] == list(range(1, len(captions) + 1)), path.stem
        assert all(int(chapter) == int(path.stem[:2]) and len(text) > 40 for chapter, _, text in captions)


def test_the_contents_render_the_goals_and_state_the_core_path_and_its_reading_load(built):
    index = (built / "index.html").read_text()
    assert "**By the end**" not in index and "<p>By the end" in index
    load = re.search(r"<b>The core path</b> of a one-week unit is chapters ([\d, ]+), in that order: ([\d,]+) words",
                     index)  # fmt: skip
    core = load.group(1).split(", ")
    pages = {p.stem[:2]: nbformat.read(p, as_version=4) for p in book.NOTEBOOKS}
    assert int(load.group(2).replace(",", "")) == sum(book.words(pages[n]) for n in core)
    assert index.count("(optional)") == len(pages) - len(core)
    assert 'href="docs-references.html"' in index and (built / "docs-references.html").is_file()


def test_an_explorer_that_needs_jupyterlab_points_to_the_browser_explorer_in_the_book(built):
    page = (built / "05_layer_peeling.html").read_text()
    assert "widget-view+json" not in page and page.count('class="book-widget"') >= 1
    assert '<a href="explorer/index.html">browser explorer</a>' in page


@pytest.mark.browser
def test_a_chapter_reads_offline_in_chromium(built):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("browser test: install Debian's chromium package")
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto((built / f"{book.NOTEBOOKS[0].stem}.html").as_uri())
            page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) >= 2 and min(widths) > 200
            page.wait_for_function("document.querySelector('audio').readyState >= 1", timeout=30_000)
            assert page.eval_on_selector("audio", "a => a.duration") == pytest.approx(2.0, abs=0.01)
            folded = page.locator("details.book-solution").first
            assert not folded.evaluate("d => d.open")
            folded.locator("summary").click()
            assert folded.evaluate("d => d.open") and "windows from" in folded.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.goto((built / "05_layer_peeling.html").as_uri() + "#How-much-of-the-input-one-step-hears")
            page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
            page.locator("#How-much-of-the-input-one-step-hears").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "book.png"))
        finally:
            browser.close()
    assert requests and all(url.startswith(("file://", "data:")) for url in requests), requests[:5]
