"""Root pytest configuration.

Notebooks executed by nbval run in quick mode, and every figure a test or a
notebook saves goes to a temporary folder instead of the committed img/.
"""

import os
import tempfile

os.environ.setdefault("CATDOG_QUICK", "1")
os.environ.setdefault("CATDOG_IMG_DIR", tempfile.mkdtemp(prefix="catdog-img-"))
