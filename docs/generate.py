"""Fill the generated parts of README.md and docs/*.md from the benchmark results, or check they are current.

A generated part sits between two HTML comments, which Markdown does not show:
``<!-- gen: SPEC -->`` ... ``<!-- /gen -->``. SPEC is one of

``table NAME [KEY]``
    the Markdown table that ``benchmarks/NAME.py`` or ``experiments/NAME.py`` wrote into its ``results/NAME.json``
    (at ``"table"``, or at KEY);
``cell NAME CONFIGURATION METRIC``
    "mean ± sd" in percent of METRIC over the seeds of CONFIGURATION in that file's ``results``;
``value NAME KEY FORMAT``
    the number at KEY of that file, formatted with the Python format spec FORMAT (e.g. ``.2f``);
``rows NAME FIELD[:FORMAT] ...``
    one Markdown table row per entry of that file's ``rows``, a cell per FIELD (formatted with FORMAT);
``summary``
    the README's results table: the baseline, the original and ``m5`` on the official test files.

A space inside a name is written ``%20``.

Usage: python docs/generate.py            rewrite the files
       python docs/generate.py --check    exit 1 if any generated part is stale (CI runs this)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote

from catdog_cnn.config import MODELS_DIR
from catdog_cnn.nets import results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = (ROOT / "benchmarks" / "results", ROOT / "experiments" / "results")  # where NAME.json is looked for
MARKER = re.compile(r"<!-- gen: (?P<spec>[^>]*?) -->(?P<body>.*?)<!-- /gen -->", re.DOTALL)
SUMMARY_ROWS = {  # configuration in accuracy.json: (what the README calls it, its committed run folder)
    "log-mel + logistic regression": ("log-mel features + logistic regression", None),
    "original": ("the original network and recipe", "original"),
    "m5": ("`m5`, the default model", "m5"),
    "SoundNet-8 features + logistic regression": ("SoundNet-8, pretrained (MIT), + logistic regression", None),
    "SoundNet-8, blocks 6-7 fine-tuned with a new head": ("SoundNet-8, its last blocks fine-tuned", None),
    "BirdNET embedding (3 s) + logistic regression": (
        "BirdNET, pretrained (CC BY-NC-SA: a reference only), + logistic regression",
        None,
    ),
}


def _file(name: str, results_dirs: Sequence[Path]) -> Path:
    """``NAME.json`` in the first of ``results_dirs`` that has it (the first, to say it is missing, if none)."""
    return next(
        (d / f"{name}.json" for d in results_dirs if (d / f"{name}.json").is_file()), results_dirs[0] / f"{name}.json"
    )


def _summary(results_dirs: Sequence[Path]) -> str:
    saved = results.load(_file("accuracy", results_dirs))
    runs, cost = saved["results"], saved.get("cost", {})
    lines = ["| model | parameters | test windows right (%) | test clips right (%) |", "|---|---|---|---|"]
    for key, (label, folder) in SUMMARY_ROWS.items():
        if key not in runs:
            continue
        if folder:
            params = f"{results.load(MODELS_DIR / folder / 'metrics.json')['parameters']:,}"
        else:
            params = f"{cost[key]['parameters']:,}" if key in cost else "n/a"
        segment, clip = results.cell(runs[key], "segment_accuracy"), results.cell(runs[key], "clip_accuracy_mean")
        lines.append(f"| {label} | {params} | {segment} | {clip} |")
    return "\n".join(lines)


def _rows(rows: list[dict], fields: tuple[str, ...]) -> str:
    def cell(row: dict, field: str) -> str:
        key, _, fmt = field.partition(":")
        return format(row[key], fmt)

    return "\n".join("| " + " | ".join(cell(row, f) for f in fields) + " |" for row in rows)


def render(spec: str, results_dirs: Sequence[Path] = RESULTS) -> str:
    """The text a marker's SPEC stands for."""
    kind, *args = (unquote(word) for word in spec.split())
    makers: dict[str, Callable[..., str]] = {
        "table": lambda name, key="table": results.load(_file(name, results_dirs))[key],
        "cell": lambda name, config, metric: results.cell(
            results.load(_file(name, results_dirs))["results"][config], metric
        ),
        "value": lambda name, key, fmt: format(results.load(_file(name, results_dirs))[key], fmt),
        "rows": lambda name, *fields: _rows(results.load(_file(name, results_dirs))["rows"], fields),
        "summary": lambda: _summary(results_dirs),
    }
    if kind not in makers:
        raise SystemExit(f"unknown generated part {spec!r}; known kinds: {', '.join(makers)}")
    text = makers[kind](*args)
    return f"\n{text}\n" if kind in ("table", "rows", "summary") else text  # tables on lines of their own


def fill(text: str, results_dirs: Sequence[Path] = RESULTS) -> str:
    """``text`` with every generated part made anew."""
    return MARKER.sub(lambda m: f"<!-- gen: {m['spec']} -->{render(m['spec'], results_dirs)}<!-- /gen -->", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a file would change")
    args = parser.parse_args()
    stale = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        old = path.read_text()
        new = fill(old)
        if new != old:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print(f"stale generated parts in {', '.join(map(str, stale))}: run `python docs/generate.py`", file=sys.stderr)
        return 1
    print(f"updated {', '.join(map(str, stale))}" if stale else "generated parts are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
