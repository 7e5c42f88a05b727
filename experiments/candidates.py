"""Changes to the m5 recipe, each scored over three seeds on validation files.

Usage: python experiments/candidates.py [--seeds 0 1 2] [--only NAME ...] [--out experiments/results/candidates.json]
       python experiments/candidates.py --paired FILE ...

A change is adopted into the m5 preset only when it raises mean validation
accuracy clearly, or, level with m5, holds up clearly better on validation
files changed as by another recording chain (robustness.py --files
validation); the test files are not touched. Each seed draws its own
validation files (20% of the training files, by file, per class). The closest
calls were trained with two more seeds:
python experiments/candidates.py --seeds 3 4 --only "five blocks of 36 filters (adopted)" ... \
    --out experiments/results/candidates-seeds-3-4.json
and compared over all five seeds, seed by seed, with
python experiments/candidates.py --paired experiments/results/candidates*.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from levers import recipe_record, validation_scores  # the files beside this one
from recipes import CANDIDATES, Study

from catdog_cnn.sound.data import load_split


def scores(study: Study, seeds: list[int]) -> list[dict]:
    """Validation accuracy of ``study``'s recipe, one row per seed."""
    rows = []
    for seed in seeds:
        rows.append({"seed": seed} | validation_scores(study, seed, load_split(seed=seed)))
        print(f"  seed {seed}: validation {rows[-1]['val_segment_accuracy']:.3f}", flush=True)
    return rows


def table(results: list[dict]) -> str:
    lines = [
        "| m5 variant (validation, seeds " + ", ".join(map(str, results[0]["seeds"])) + ") | windows | clips |",
        "|---|---|---|",
    ]
    for result in results:
        seg = np.array([r["val_segment_accuracy"] for r in result["rows"]])
        clip = np.array([r["val_clip_accuracy"] for r in result["rows"]])
        cells = [f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" for v in (seg, clip)]
        lines.append(f"| {result['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_table(paths: list[Path], reference: str = "five blocks of 36 filters (adopted)") -> str:
    """Candidates scored in every one of ``paths``, over all their seeds, each seed against ``reference``'s."""
    merged: dict[str, dict[int, float]] = {}
    for path in paths:
        for result in json.loads(path.read_text())["results"]:
            for row in result["rows"]:
                merged.setdefault(result["name"], {})[row["seed"]] = row["val_segment_accuracy"]
    seeds = sorted(merged[reference])
    lines = [
        f"| m5 variant (validation windows, seeds {', '.join(map(str, seeds))}) | mean | better than the reference |",
        "|---|---|---|",
    ]
    for name, by_seed in merged.items():
        if sorted(by_seed) != seeds:
            continue
        gain = np.array([by_seed[s] - merged[reference][s] for s in seeds])
        wins = "" if name == reference else f"{(gain > 0).sum()} of {len(seeds)} seeds, {gain.mean():+.3f}"
        lines.append(f"| {name} | {np.mean(list(by_seed.values())):.3f} | {wins} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="train only these candidates, by name; keep the others"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "candidates.json")
    parser.add_argument("--paired", type=Path, nargs="+", help="only print the candidates found in all these files")
    args = parser.parse_args()
    if args.paired:
        print(paired_table(args.paired))
        return
    kept = {}
    if args.only and args.out.is_file():
        kept = {result["name"]: result for result in json.loads(args.out.read_text())["results"]}
    unknown = set(args.only or []) - {study.name for study in CANDIDATES}
    if unknown:
        raise SystemExit(f"no such candidate: {sorted(unknown)}; the candidates are named in experiments/recipes.py")
    results = []
    for study in CANDIDATES:
        if args.only and study.name not in args.only:
            if study.name in kept:  # a candidate not run yet has no row
                results.append(kept[study.name])
            continue
        print(study.name, flush=True)
        rows = scores(study, args.seeds)
        results.append({"name": study.name, "status": study.status, "recipe": recipe_record(study),
                        "seeds": args.seeds, "rows": rows})  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"results": results, "table": table(results)}, indent=2))
    print()
    print(table(results))


if __name__ == "__main__":
    main()
