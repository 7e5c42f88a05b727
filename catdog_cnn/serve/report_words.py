"""The words and style of ``explain``'s page: how to read each section, the glossary it carries, its CSS."""

from __future__ import annotations

from .report_path import GENERATOR

__all__ = ["CSS", "PAGE", "HOW_TO_READ", "WORDS"]

CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
img{max-width:100%}table{border-collapse:collapse}th,td{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}
figure{display:inline-block;margin:.5em 1.5em .5em 0}figcaption{font-size:.9em;color:#555}
.how{color:#444;font-size:.95em;border-left:3px solid #9ecae1;padding-left:.6em}dt{font-weight:bold}"""


PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    + GENERATOR
    + """<title>catdog-cnn: {title}</title><style>{css}</style></head>
<body>
{body}
</body></html>
"""
)


HOW_TO_READ = {
    "overview": "How to read it: the top row is the recording's loudness; the bars give the probability of dog for "
    "each second the model heard (above 0.5 leans dog); the coloured band says where, inside each second, the "
    "evidence sits (towards dog in blue, towards cat in orange), at the time resolution written beside it.",
    "layers": "How to read it: each row is one block of the network, each line in a block one filter; bright is a "
    "strong answer, dark none (a ReLU passes nothing below zero). Early blocks still follow the sound; late ones "
    "keep a few steps that say which patterns are present.",
    "components": "How to read it: the network averages its last block over time into one number per filter "
    "(a component), multiplies each by a learned weight, and adds the products and a bias; that sum is the logit, "
    "and a positive logit means dog. The bottom row is each component's share of the sum.",
    "sounds": "How to read it: these are not recordings; each is the second of sound that pushes one deciding "
    "component hardest, which can sound nothing like a cat or a dog.",
}
WORDS = {  # the project's glossary, in a sentence each, for readers of a report away from the docs
    "window": "one second of the recording, scaled to its own peak; the model answers each window on its own.",
    "p(dog)": "the model's probability that a window is a dog; the recording's answer is the mean over its "
    "audible windows.",
    "logit": "the number before the probability: 0 is undecided, positive leans dog, negative cat.",
    "filter, component": "a filter is one learned pattern detector of a block; a component is a last-block "
    "filter averaged over the window.",
    "ReLU": "keeps positive values and sets negative ones to zero.",
    "receptive field": "how much of the input one output step of a block hears.",
}
