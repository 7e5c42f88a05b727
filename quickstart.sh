#!/usr/bin/env bash
# Set everything up and run the main job: install, get the data, train and evaluate the
# improved model, then open the notebook series in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")"

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[notebooks,test]"

if [ -z "${CATDOG_DATA_DIR:-}" ]; then
  .venv/bin/catdog-cnn fetch-data
fi
.venv/bin/catdog-cnn train --preset m5 --seed 0 --out runs/m5-seed0
.venv/bin/catdog-cnn evaluate --model runs/m5-seed0

if [ -z "${CI:-}" ]; then
  exec .venv/bin/jupyter lab notebooks/
fi
