"""viz: pictures of a Value graph, backward stepped through node by node, and the main command.

``draw`` and ``render`` picture a graph; ``Stepper`` and ``stepper_html`` make one page that
steps through the forward pass and then backward, one node at a time, for a teacher to project;
``export_steps`` writes the same steps as slides (one picture per step, from one layout);
``python -m viz`` runs it all on a typed expression. viz reads
graphs from outside through the public fields (data, grad, op, parents, label, arg) and
``autograd.reverse``; the engine never imports viz.
"""

from __future__ import annotations

from autograd.version import __version__ as __version__  # one for all three
from viz.draw import MissingDotWarning, draw, render
from viz.frames import backprop_frames, export_steps
from viz.notation import Names, fmt
from viz.stepper import Stepper, stepper_html

__all__ = [
    "MissingDotWarning",
    "Names",
    "Stepper",
    "backprop_frames",
    "draw",
    "export_steps",
    "fmt",
    "render",
    "stepper_html",
]
