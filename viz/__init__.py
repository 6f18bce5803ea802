"""viz: pictures of a Value graph, backward stepped through node by node, and the main command.

``draw`` and ``render`` picture a graph; ``backprop_frames`` steps through backward one picture
per node; ``Stepper`` and ``stepper_html`` make one page that steps through the forward pass and
then backward, one node at a time; ``python -m viz`` runs it all on a typed expression. viz reads
graphs from outside through the public fields (data, grad, op, parents, label, arg) and
``autograd.reverse``; the engine never imports viz.
"""

from __future__ import annotations

from autograd.version import __version__ as __version__  # one for all three
from viz.draw import MissingDotWarning, draw, render
from viz.notation import Names, fmt
from viz.stepper import Stepper, backprop_frames, stepper_html

__all__ = [
    "MissingDotWarning",
    "Names",
    "Stepper",
    "backprop_frames",
    "draw",
    "fmt",
    "render",
    "stepper_html",
]
