#!/usr/bin/env bash
# Set everything up and run the main job: install, get the data, train, evaluate.
set -euo pipefail
cd "$(dirname "$0")"

python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[notebooks,test]"

if [ -z "${CATDOG_DATA_DIR:-}" ]; then
  .venv/bin/catdog-cnn fetch-data
fi
.venv/bin/catdog-cnn train --preset original --out runs/original-seed0
.venv/bin/catdog-cnn evaluate --model runs/original-seed0
