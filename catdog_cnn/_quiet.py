"""Import TensorFlow without its C++ start-up log lines.

TensorFlow writes CUDA probing, oneDNN and CPU-feature notices straight to the
process's stderr from C++ before ``TF_CPP_MIN_LOG_LEVEL`` can take effect; in
Jupyter they land in the output of whichever cell first imports it. They are
silenced here by pointing file descriptor 2 at /dev/null for the import and the
first device query, and again while a model trains; Python exceptions still
propagate.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def c_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null inside the block.

    TensorFlow's C++ code logs before its log level is set up (for example a
    harmless "NodeDef mentions attribute use_unbounded_threadpool" while a
    dataset is built), and that goes straight to fd 2. Python exceptions are
    unaffected: they propagate as usual.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and list its devices with C-level stderr silenced."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with c_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()
