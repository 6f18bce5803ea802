"""The built-in rows of the op table, one :class:`~autograd.ops.Op` per primitive.

Rules are written once and run on floats (when a node is built), on Values (``create_graph``)
and on numpy arrays (the compiled replay), with the helpers of :mod:`autograd.rows.rules`.
Partials reuse the output where the math allows (d exp = out, d tanh = 1 - out**2). Every
judgement call about a derivative is commented at its row. Importing this package fills
``autograd.OPS``, in this order.
"""

from autograd.rows import arithmetic, exponential, trigonometric  # noqa: I001 - table order
from autograd.rows import pieces, nary

__all__ = ["arithmetic", "exponential", "nary", "pieces", "trigonometric"]
