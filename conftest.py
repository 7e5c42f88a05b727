"""Root pytest configuration: notebooks executed by nbval run in quick mode."""

import os

os.environ.setdefault("CATDOG_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
