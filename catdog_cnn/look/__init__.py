"""Looking inside a trained network: peeling its layers (``peel``), comparing components across networks
(``compare``), attribution (``attribution``), what its units want to hear (``hear``), the notebook explorers
(``widgets``, ``explorer_figure``) and the figures of the lessons (``plots``). It imports ``sound``, ``nets``
and ``serve``.
"""
