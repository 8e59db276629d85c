"""Where traced values meet code outside numpy's dispatch to diffmethods: scipy, object arrays.

* **scipy.special's ufuncs** reach ``Traced.__array_ufunc__`` like numpy's; their rows
  (:mod:`diffmethods.ops_special`) are added to the operation table the first time one meets a
  traced value (:func:`load_special_rows`), so importing diffmethods never imports scipy.
* **scipy's Python functions** (``scipy.special.logsumexp``, ``scipy.stats``...) first convert
  their argument with ``np.asarray``; ``Traced.__array__`` then calls
  :func:`refuse_scipy_conversion`, which names the scipy function and the traceable spelling.
* **Object arrays** of traced values (``np.array([a, b])`` of traced scalars) that a numpy
  function keeps to itself (``np.linalg.solve`` given only such arrays casts them and fails):
  :func:`refuse_object_array_error` turns numpy's TypeError into our error with the fix.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from .errors import UnsupportedOperationError

_SPECIAL_LOCK = threading.Lock()
_SPECIAL_LOADED: list = []


def load_special_rows() -> bool:
    """Add scipy.special's ufuncs (:mod:`diffmethods.ops_special`) to the operation table
    (``ops.OPS`` and ``ops.BY_UFUNC``), once; False, and no rows, when scipy is not importable. Called when a
    ufunc missing from the table meets a traced value, so importing diffmethods never imports
    scipy (half a second) and code that does not use scipy never pays for it."""
    if _SPECIAL_LOADED:
        return _SPECIAL_LOADED[0]
    with _SPECIAL_LOCK:
        if not _SPECIAL_LOADED:
            try:
                from . import ops_special
            except ImportError:
                _SPECIAL_LOADED.append(False)
                return False
            from .ops import BY_UFUNC, OPS, RADIUS, Op
            radius = {**RADIUS, **ops_special.RADIUS}
            for name, ufunc, value, partials, sym, domain, symbol in ops_special.ROWS:
                op = Op(name, ufunc, value, partials, sym, domain, symbol, radius.get(name),
                        value, ops_special.COMPLEX.get(name))
                OPS[name] = op
                BY_UFUNC[ufunc] = op
            RADIUS.update(ops_special.RADIUS)
            _SPECIAL_LOADED.append(True)
    return _SPECIAL_LOADED[0]


def ufunc_name(ufunc) -> str:
    """A ufunc's name as users write it: ``np.sin``, ``scipy.special.erf``."""
    name = ufunc.__name__
    if getattr(np, name, None) is ufunc:
        return f"np.{name}"
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, name, None) is ufunc:
        return f"scipy.special.{name}"
    return name


def refuse_scipy_conversion(value, module: str):
    """scipy's Python code (``module``) called np.asarray on a traced value: refuse it by the
    name of the scipy function the user called, with the traceable spelling where there is one."""
    name, frame = module, sys._getframe(2)
    while frame is not None:  # the outermost scipy frame: the function f called
        where = frame.f_globals.get("__name__", "")
        if where.startswith("scipy."):
            public = where.split("._")[0]  # scipy.special._logsumexp -> scipy.special
            function = frame.f_code.co_name
            name = (f"{public}.{function}" if getattr(sys.modules.get(public), function, None)
                    is not None else f"{public}'s {function}")
        frame = frame.f_back
    short = name.rsplit(".", 1)[-1]
    from .special import REPLACEMENTS
    fix = (f"use diffmethods.special.{short}, the same function with the same arguments, "
           "built from operations every method differentiates" if short in REPLACEMENTS and
           name.startswith("scipy.special") else
           "scipy's Python functions cannot be traced; scipy.special's ufuncs (erf, expit, "
           "gammaln, xlogy, ...) and diffmethods.special.logsumexp/softmax/log_softmax can")
    raise UnsupportedOperationError(
        f"{name} converts its argument with np.asarray, which would drop the derivative "
        f"({value.method_label}): {fix}.")


def refuse_object_array_error(error: TypeError, inputs) -> None:
    """numpy's TypeError about an object array, raised inside f while it runs on traced values,
    as our error naming the numpy function: an array built with np.array([...]) from traced
    numbers is an object array, and a numpy function given only such arrays never hands them
    to diffmethods (np.linalg.solve casts them to float and fails). Returns for other errors."""
    leaves = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    from .tracing import Traced
    traced = [v for v in leaves if isinstance(v, Traced)]
    text = str(error)  # numpy's words for object dtype (not Python's "'int' object is ...")
    if not traced or "dtype('O')" not in text and "array type object" not in text:
        return
    where, tb = "a numpy function", error.__traceback__
    while tb is not None:  # the outermost numpy frame: the function f called
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module == "numpy" or module.startswith("numpy."):
            public = module.split("._")[0]  # numpy._core.fromnumeric -> numpy
            where = f"np{public[len('numpy'):]}.{tb.tb_frame.f_code.co_name}"
            break
        tb = tb.tb_next
    raise UnsupportedOperationError(
        f"{where} was given an object array ({error}) while f ran on {traced[0].method_label} "
        "values: np.array([...]) of traced numbers makes one, and numpy does not hand it to "
        "diffmethods when no other operand is traced. Build the array with np.stack instead, "
        "e.g. np.stack([np.stack([a, b]), np.stack([c, d])]) for [[a, b], [c, d]].") from error


def refuse_store_into_float_array(error: ValueError, inputs) -> None:
    """numpy's "setting an array element with a sequence", raised when f writes a traced
    number into a plain array (``buf = np.zeros(2); buf[0] = x1``): numpy cannot hold it, and
    the derivative would be lost. Re-raised as our error with the fix; other errors return."""
    leaves = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    from .tracing import Traced
    traced = [v for v in leaves if isinstance(v, Traced)]
    if not traced or "setting an array element with a sequence" not in str(error):
        return
    raise UnsupportedOperationError(
        f"f stored a value traced by {traced[0].method_label} into a plain numpy array (buf = "
        "np.zeros(n); buf[i] = x): numpy cannot hold a traced number there, and its "
        "derivative would be lost. Build the array from the traced values instead: "
        "np.stack([x1, x2]), np.array([x1, x2]), or np.where / np.concatenate for updates."
    ) from error
