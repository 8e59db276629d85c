"""Point conventions, in one place.

* a tuple or list of numbers ``(2, 3, 4)`` calls ``f(*point)``: one argument per coordinate;
* a 1-D numpy array calls ``f(x)`` with one array argument;
* a single number calls ``f(x)`` with one scalar.

A :class:`Problem` holds ``f`` and the checked point, calls ``f`` under that convention and counts
the calls, so every method reports how often ``f`` itself ran.
"""

from __future__ import annotations

import inspect
import numbers
import time
import types

import numpy as np

from .errors import FunctionError, PointError
from .result import Result

ARGS, ARRAY, SCALAR = "args", "array", "scalar"


def parse_point(point) -> tuple[str, np.ndarray]:
    """Check ``point`` and return its convention and its coordinates as a float64 array.

    >>> parse_point((2, 3, 4))
    ('args', array([2., 3., 4.]))
    """
    if isinstance(point, np.ndarray):
        if point.ndim == 0:
            return SCALAR, _coordinates([point.item()], "point")
        if point.ndim != 1:
            raise PointError(
                f"the point is a {point.ndim}-D array of shape {point.shape}; only 1-D arrays are "
                "supported. Pass x.ravel() and reshape inside f.")
        if point.dtype.kind not in "iuf":
            raise PointError(f"the point array has dtype {point.dtype}; it must hold real numbers"
                             + (" (complex points are not supported)" if point.dtype.kind == "c"
                                else ""))
        return ARRAY, _coordinates(point, "point")
    if isinstance(point, (tuple, list)):
        return ARGS, _coordinates(point, "point")
    if _is_real(point):
        return SCALAR, _coordinates([point], "point")
    raise PointError(
        f"the point must be a number, a tuple/list of numbers or a 1-D numpy array, "
        f"not {type(point).__name__}.")


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _coordinates(values, what) -> np.ndarray:
    if len(values) == 0:
        raise PointError(f"the {what} is empty: give at least one coordinate.")
    if isinstance(values, np.ndarray):  # dtype already checked by parse_point
        # A read-only view, not a copy (the point may be large): nothing may change the user's
        # array. Methods that bump coordinates in place take Problem.working_copy().
        x = values.view() if values.dtype == np.float64 else values.astype(np.float64)
        x.flags.writeable = False
        if np.isfinite(x.min()) and np.isfinite(x.max()):  # NaN or inf: no temporary array
            return x
    elif not {bool, np.bool_} & set(map(type, values)):
        try:  # the common case, checked in one vectorised step
            x = np.array(values, dtype=np.float64)
            if x.ndim == 1 and np.all(np.isfinite(x)) and np.asarray(values).dtype.kind in "iuf":
                return x
        except (TypeError, ValueError):
            pass
    for i, v in enumerate(values):  # something is wrong: find and name it
        if not _is_real(v) or isinstance(v, np.ndarray):
            kind = "complex" if isinstance(v, numbers.Complex) and not isinstance(v, bool) \
                else type(v).__name__
            raise PointError(
                f"coordinate {i} of the {what} is {v!r} ({kind}); every coordinate must be a real "
                "number.")
        if not np.isfinite(float(v)):
            raise PointError(f"coordinate {i} of the {what} is {float(v)}; every coordinate must be "
                             "finite (no NaN or infinity).")
    raise PointError(f"the {what} could not be read as real numbers: {values!r}")


def _plain_function_accepts(f, nargs: int) -> bool:
    """A quick yes for the common case: a plain function that takes ``nargs`` positional
    arguments (read off its code object; inspect.signature costs ~10 us a call)."""
    if type(f) is not types.FunctionType:
        return False
    code = f.__code__
    required = code.co_argcount - len(f.__defaults__ or ())
    required_kwonly = code.co_kwonlyargcount - len(f.__kwdefaults__ or {})
    takes_more = code.co_flags & inspect.CO_VARARGS or nargs <= code.co_argcount
    return required_kwonly == 0 and nargs >= required and bool(takes_more)


def _check_arity(f, kind: str, n: int) -> None:
    if _plain_function_accepts(f, n if kind == ARGS else 1):
        return
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return  # builtins and some callables have no signature: let the call decide
    nargs = n if kind == ARGS else 1
    try:
        signature.bind(*range(nargs))
    except TypeError:
        params = [p for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in params if p.default is p.empty]
        takes = (f"{len(required)}" if len(required) == len(params)
                 else f"{len(required)} to {len(params)}")
        if kind == ARGS:
            hint = ("A tuple point calls f(*point), one argument per coordinate; to call f(x) "
                    "with one array, pass a numpy array.")
            has = f"the point has {n} coordinate{'s' if n != 1 else ''}"
        else:
            hint = ("An array point calls f(x) with one array argument; for one argument per "
                    "coordinate pass a tuple." if kind == ARRAY else "A number calls f(x).")
            has = "the point is passed as one argument"
        raise FunctionError(f"{_name(f)} takes {takes} positional argument"
                            f"{'s' if takes != '1' else ''} but {has}. {hint}") from None


def _name(f) -> str:
    return f"f ({getattr(f, '__name__', type(f).__name__)})"


class Problem:
    """A function and a checked point: the calling convention, a call counter, and the place
    where results are assembled. Every method receives one of these."""

    def __init__(self, f, point, method: str = ""):
        if not callable(f):
            raise FunctionError(f"f must be callable, got {type(f).__name__}.")
        self.f = f
        self.kind, self.x = parse_point(point)
        self.n = len(self.x)
        self.method = method
        self.calls = 0
        self.started = time.perf_counter()
        _check_arity(f, self.kind, self.n)

    @property
    def is_array(self) -> bool:
        return self.kind == ARRAY

    def __call__(self, inputs):
        """Call ``f`` under the point's convention and count the call. ``inputs`` is one
        array-like for an array point, otherwise a sequence with one entry per coordinate."""
        self.calls += 1
        if self.kind == ARGS:
            return self.f(*inputs)
        if self.kind == SCALAR:
            return self.f(inputs[0])
        return self.f(inputs)

    def inputs(self, x: np.ndarray):
        """Plain-number inputs for ``self(...)``: the array itself or a list of floats."""
        return x if self.is_array else [float(v) for v in x]

    def working_copy(self):
        """Inputs that may be bumped in place, one coordinate at a time: the one copy of the
        point a finite-difference method makes (``self.x`` itself is read-only)."""
        return self.inputs(self.x.copy())

    def scalar_output(self, y, traced_type=None):
        """Check that ``f`` returned one real number (or a traced scalar): return it unchanged
        if traced, as a float otherwise, with a clear error for anything else."""
        if traced_type is not None and isinstance(y, traced_type):
            if y.shape != ():
                raise FunctionError(
                    f"{_name(self.f)} returned an array of shape {y.shape}; a gradient needs a "
                    "single number. Reduce it (np.sum, np.mean, x[0]) or use dm.jacobian for "
                    "vector-valued functions.")
            return y
        return real_scalar(y, _name(self.f))

    def result(self, value, derivative, *, passes: int, ops, **details) -> Result:
        """Assemble a :class:`Result` with the counted calls and the elapsed time; an undefined
        value is handled by the one policy in :mod:`diffmethods.domain`."""
        from .domain import undefined_point
        derivative = undefined_point(self, value, np.asarray(derivative, float))
        return Result(method=self.method, value=value, derivative=derivative,
                      f_calls=self.calls, passes=passes, ops=ops,
                      seconds=time.perf_counter() - self.started, details=details)


def real_scalar(y, who="f") -> float:
    """``y`` as a Python float, or a :class:`FunctionError` saying what ``f`` returned instead."""
    if isinstance(y, np.ndarray) and y.shape == () and y.dtype.kind in "iuf":
        y = y.item()
    if _is_real(y):
        return float(y)
    if y is None:
        raise FunctionError(f"{who} returned None; did it forget a `return`?")
    if isinstance(y, (np.ndarray, list, tuple)):
        shape = np.shape(y) if not isinstance(y, np.ndarray) or y.dtype != object else y.shape
        raise FunctionError(
            f"{who} returned {type(y).__name__} of shape {shape}; a gradient needs a single "
            "number. Reduce it (np.sum, np.mean) or use dm.jacobian for vector-valued functions.")
    if isinstance(y, numbers.Complex):
        raise FunctionError(f"{who} returned the complex number {y!r}; a gradient needs a real "
                            "number.")
    raise FunctionError(f"{who} returned {type(y).__name__} {y!r}, not a number.")
