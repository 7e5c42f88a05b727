"""Networks and their training: layers and the model builder (``layers``, ``model``), the training recipes
(``recipes``), training and run folders (``train``, ``runs``), trials and tuning (``trials``, ``tuning``),
scoring (``evaluate``, ``results``), the NumPy backward pass (``backprop``) and its Keras twin
(``keras_twin``), and the LiteRT export (``export``).

It imports ``sound`` and, to write a run folder the answering side reads, ``serve.manifest`` and
``serve.spec``. Most of its modules load TensorFlow.
"""
