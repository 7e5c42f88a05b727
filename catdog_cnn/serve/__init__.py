"""Answering a user, without TensorFlow: ``predict`` with the LiteRT or the NumPy network (``litert``,
``numpy_net``), the decision taken apart (``decide``: its terms, the class-activation map, occlusion),
``explain``'s report (``explain``, its figures in ``figures``, its words in ``report_words``, where it may be
written in ``report_path``), the browser explorer (``web``, its ``web_static`` files, and ``output_folder``,
which writes a folder whole), the run folder as the answering side reads it (``manifest``, and ``spec``: the
inference spec), and the commands predict, explain and export-web (``commands``).

It imports only ``sound`` (decoding and windows) and ``config``: never the training recipe, augmentation or
TensorFlow.
"""
