"""numpy itself, for code written for HIPS autograd (``import autograd.numpy as np``).

stepgrad needs no wrapped numpy: numpy's ufuncs take Values through ``Value.__array_ufunc__``
and run the op rows that back them (``np.exp(v)`` is ``v.exp()``), so this module is numpy's
namespace under the name such code imports.
"""

from numpy import *  # noqa: F403
from numpy import __version__  # noqa: F401
