"""Reference points the CNN is measured against: the log-mel baseline (``baseline``), SoundNet
(``pretrained``) and BirdNET (``birdnet``). It imports ``sound`` and ``nets``.
"""
