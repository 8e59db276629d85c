"""Outputs of vector-valued functions, for Jacobians and Jacobian-vector products.

``f`` may return a number, a list or tuple of numbers, a numpy array of any shape (of numbers or
of traced scalars) or a traced array; :func:`vector_output` turns any of these into a flat list
with one scalar (traced or a plain float) per output, in C order, and records the output's
shape on the problem (``problem.output_shape``) so the operators can give results that shape.
"""

from __future__ import annotations

import numpy as np

from .errors import FunctionError
from .points import real_scalar


class _Nothing:
    """No value is of this type: the traced type when f ran on plain numbers."""


def vector_output(y, traced_type, problem) -> list:
    """One entry per output of ``f``: a traced scalar or a float (``traced_type`` None: f
    ran on plain numbers)."""
    traced_type = traced_type or _Nothing
    if isinstance(y, traced_type):
        shape = tuple(y.shape)
        problem.output_shape = shape
        if shape == ():
            return [y]
        if y.size == 0:
            raise FunctionError("f returned an empty array")
        flat = y if len(shape) == 1 else y.reshape(-1)
        return [flat[k] for k in range(flat.shape[0])]
    if isinstance(y, np.ndarray) and y.ndim == 0:
        y = y.item()
    if isinstance(y, (list, tuple, np.ndarray)):
        if not isinstance(y, np.ndarray) and any(isinstance(item, (list, tuple, np.ndarray))
                                                 for item in y):
            raise FunctionError("f returned a nested list or tuple; return a numpy array "
                                "(np.array, np.stack) for outputs with several axes")
        if len(y) == 0 or (isinstance(y, np.ndarray) and y.size == 0):
            raise FunctionError("f returned an empty sequence")
        problem.output_shape = np.shape(y) if isinstance(y, np.ndarray) else (len(y),)
        items = y.reshape(-1) if isinstance(y, np.ndarray) else y
        return [item if isinstance(item, traced_type) and item.shape == ()
                else real_scalar(item, f"output {k} of f") for k, item in enumerate(items)]
    problem.output_shape = ()
    return [real_scalar(y, "f")]
