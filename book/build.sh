#!/usr/bin/env bash
# Build the lessons as a static HTML book from the committed notebooks (nothing is run): bash book/build.sh OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python=python3
exec "$python" "$here/build.py" "${1:?usage: bash book/build.sh OUT}"
