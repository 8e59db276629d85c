"""Outputs of vector-valued functions, for Jacobian-vector and vector-Jacobian products.

``f`` may return a list or tuple of scalars, a 1-D numpy array (of numbers or of traced
scalars) or a 1-D traced array; :func:`vector_output` turns any of these into a list with one
scalar (traced or a plain float) per output.
"""

from __future__ import annotations

import numpy as np

from .errors import FunctionError
from .points import real_scalar


def vector_output(y, traced_type, problem) -> list:
    """One entry per output of ``f``: a traced scalar or a float."""
    if isinstance(y, traced_type):
        if y.shape == ():
            return [y]
        if len(y.shape) != 1:
            raise FunctionError(f"f returned an array of shape {y.shape}; vector-valued "
                                "functions must return a 1-D array, a list or a tuple.")
        return [y[k] for k in range(y.shape[0])]
    if isinstance(y, np.ndarray) and y.ndim == 0:
        y = y.item()
    if isinstance(y, (list, tuple, np.ndarray)):
        if isinstance(y, np.ndarray) and y.ndim != 1:
            raise FunctionError(f"f returned an array of shape {y.shape}; vector-valued "
                                "functions must return a 1-D array, a list or a tuple.")
        if len(y) == 0:
            raise FunctionError("f returned an empty sequence")
        return [item if isinstance(item, traced_type) and item.shape == ()
                else real_scalar(item, f"output {k} of f") for k, item in enumerate(y)]
    return [real_scalar(y, "f")]
