"""Answering a user, without TensorFlow: ``predict`` with the LiteRT or the NumPy network (``litert``,
``numpy_net``), ``explain``'s report, the browser explorer (``web`` and its ``web_static`` files), and the
run folder's files as the answering side reads them (``manifest``, ``spec``: the inference spec).

It imports only ``sound`` (decoding and windows) and ``config``: never the training recipe, augmentation or
TensorFlow.
"""
