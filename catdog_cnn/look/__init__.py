"""Looking inside a trained network: peeling its layers (``peel``), attribution (``attribution``), what its
units want to hear (``hear``), the notebook explorers (``widgets``, ``explorer_figure``) and the figures of
the lessons (``plots``). It imports ``sound``, ``nets`` and ``serve``.
"""
