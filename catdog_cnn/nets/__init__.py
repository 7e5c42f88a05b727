"""Networks and their training: layers and the model builder (``layers``, ``model``), the training recipes
(``recipes``), training and run folders (``train``, ``runs``), trials and tuning (``trials``, ``tuning``),
scoring (``evaluate``, ``results``), the NumPy backward pass (``backprop``) and its Keras twin
(``keras_twin``), the LiteRT export (``export``), what every component wants to hear (``sounds``), and the
commands train, tune, evaluate, export-litert and prepare (``commands``).

It imports ``sound`` and ``serve``: training writes the run folder the answering side reads (its manifest, its
inference spec, its LiteRT twin), and the commands add the Keras runtime to ``predict``. Most of its modules load
TensorFlow.
"""
