"""Point conventions, in one place.

* a tuple or list point is the list of f's positional arguments: ``f(*point)``. Each argument
  is a number, an array of any shape, or a container (tuple, list, dict) of these, nested;
* any other point -- a number, an array of any shape, a dict -- is f's single argument.

``argnums`` (an int or a tuple of ints, as in JAX) picks the arguments to differentiate; the
others (data, labels, hyper-parameters) are passed to f unchanged. By default every argument is
differentiated. Integers and float32 are read as float64.

A point made only of numbers (the seed ``(2, 3, 4)``), a 1-D array or a single number gives a
flat float64 gradient with one entry per coordinate; any other point gives the gradient in the
structure and shapes of the differentiated arguments.

A :class:`Problem` holds ``f`` and the checked point, calls ``f`` under that convention and counts
the calls, so every method reports how often ``f`` itself ran. Methods see one flat float64
vector ``problem.x`` of all differentiated components, and the *leaves* (one number or array
each) that :mod:`diffmethods.structure` maps onto it.
"""

from __future__ import annotations

import inspect
import numbers
import time
import types

import numpy as np

from .errors import FunctionError, OptionError, PointError
from .kept import calling_f
from .result import Result
from .structure import Leaf, NumberArguments, Structure, is_real_number

ARGS, ARRAY, SCALAR, TREE = "args", "array", "scalar", "tree"
_CONTAINERS = (tuple, list, dict)


def parse_point(point, argnums=None) -> tuple[str, np.ndarray]:
    """Check ``point`` and return its convention and its differentiated coordinates as one
    flat float64 array.

    >>> parse_point((2, 3, 4))
    ('args', array([2., 3., 4.]))
    """
    parsed = _Parsed(point, argnums, None)
    return parsed.kind, parsed.structure.x


def _is_real(v) -> bool:
    return is_real_number(v)


def _coordinates(values, what) -> np.ndarray:
    """A tuple of numbers (or a 1-D array) as float64 coordinates, with the first bad one
    named if there is one."""
    if len(values) == 0:
        raise PointError(f"the {what} is empty: give at least one coordinate.")
    if isinstance(values, np.ndarray):  # dtype already checked
        # A read-only view, not a copy (the point may be large): nothing may change the user's
        # array. Methods that bump coordinates work on copies (Problem.at).
        x = values.view() if values.dtype == np.float64 else values.astype(np.float64)
        x.flags.writeable = False
        if np.isfinite(x.min()) and np.isfinite(x.max()):  # NaN or inf: no temporary array
            return x
    elif not {bool, np.bool_} & set(map(type, values)):
        try:  # the common case, checked in one vectorised step
            x = np.array(values, dtype=np.float64)
            if x.ndim == 1 and np.all(np.isfinite(x)) and np.asarray(values).dtype.kind in "iuf":
                x.flags.writeable = False
                return x
        except (TypeError, ValueError, OverflowError):
            pass
    for i, v in enumerate(values):  # something is wrong: find and name it
        if not _is_real(v) or isinstance(v, np.ndarray):
            kind = "complex" if isinstance(v, numbers.Complex) and not isinstance(v, bool) \
                else type(v).__name__
            raise PointError(
                f"coordinate {i} of the {what} is {_short(v)} ({kind}); every coordinate must "
                "be a real number.")
        try:
            finite = np.isfinite(float(v))
        except OverflowError:
            raise PointError(f"coordinate {i} of the {what} is too large for a float64 (more "
                             "than about 1.8e308).") from None
        if not finite:
            raise PointError(f"coordinate {i} of the {what} is {float(v)}; every coordinate must "
                             "be finite (no NaN or infinity).")
    raise PointError(f"the {what} could not be read as real numbers.")


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _parameter_names(f) -> list[str]:
    """f's positional parameter names (empty where there is no signature)."""
    if type(f) is types.FunctionType and "__signature__" not in f.__dict__:
        code = f.__code__
        return list(code.co_varnames[:code.co_argcount])
    try:
        return [p.name for p in inspect.signature(f).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _checked_argnums(argnums, nargs: int, one_argument: bool):
    """(sorted tuple of argument indices, picked as an int?) from ``argnums``."""
    if argnums is None:
        return tuple(range(nargs)), False
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    items = (argnums,) if single else argnums
    if not isinstance(items, (tuple, list)) or not items or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items):
        raise OptionError(f"argnums must be an int or a non-empty tuple of ints (the positions "
                          f"of the arguments to differentiate), got {argnums!r}")
    out = []
    for a in items:
        k = int(a) + nargs if a < 0 else int(a)
        if not 0 <= k < nargs:
            has = ("the point is f's single argument (pass a tuple to give several)"
                   if one_argument else f"the point has {nargs} arguments")
            raise OptionError(f"argnums={argnums!r} names argument {a}, but {has}")
        if k in out:
            raise OptionError(f"argnums={argnums!r} names argument {a} twice")
        out.append(k)
    return tuple(out), single


class _Parsed:
    """A point read under the conventions: the arguments, which are differentiated, and the
    structure of the differentiated leaves."""

    def __init__(self, point, argnums, f):
        self.one_argument = not isinstance(point, (tuple, list))
        self.args = [point] if self.one_argument else list(point)
        self.diff, self.picked = _checked_argnums(argnums, len(self.args), self.one_argument)
        numbers_only = not self.one_argument and not any(  # over the few types, not the args
            issubclass(t, _CONTAINERS + (np.ndarray,)) for t in set(map(type, self.args)))
        # the conventions that keep a flat gradient: numbers only, one 1-D array, one number
        self.flat = numbers_only or (self.one_argument and (
            _is_real(point) or (isinstance(point, np.ndarray) and point.ndim <= 1)))
        self._f = f
        if numbers_only:
            self.kind = ARGS
            x = _coordinates(self.args, "point")
            picked = x if len(self.diff) == len(self.args) else x[list(self.diff)]
            self.structure = _scalar_arguments(
                picked, lambda: [self._name(k) for k in self.diff])
            self.structure.x.flags.writeable = False
        elif self.one_argument:
            self.kind, self.structure = self._single(point, f)
        else:
            self.kind = TREE
            self.structure = self._arguments()
        # the differentiated part is one argument's structure (not a tuple of arguments)
        self.rebuilds_one = self.one_argument or (self.kind == TREE and self.picked)

    @property
    def names(self) -> list:
        """f's parameter name for each argument (None where f has none: *args)."""
        names = _parameter_names(self._f) if self._f is not None else []
        return [names[k] if k < len(names) and not self.one_argument else None
                for k in range(len(self.args))]

    def _name(self, k: int) -> str:
        names = self.__dict__.get("_names")
        if names is None:
            names = self._names = self.names
        return names[k] or f"x{k + 1}"

    def _single(self, point, f):
        names = _parameter_names(f) if f is not None else []
        base = names[0] if names else "x"
        if isinstance(point, np.ndarray) and point.ndim == 1:
            if point.dtype.kind not in "iuf":
                raise PointError(
                    f"the point array has dtype {point.dtype}; it must hold real numbers"
                    + (" (complex points are not supported)" if point.dtype.kind == "c" else ""))
            return ARRAY, _array_structure(_coordinates(point, "point"), base)
        if _is_real(point) or (isinstance(point, np.ndarray) and point.ndim == 0
                               and point.dtype.kind in "iuf"):
            x = _coordinates([point.item() if isinstance(point, np.ndarray) else point], "point")
            return SCALAR, Structure(0, [Leaf(base, (), 0)], x)
        if isinstance(point, (np.ndarray, dict)):
            return TREE, Structure.of(point, base, what=f"the point ({base!r})")
        raise PointError(
            f"the point must be a number, an array, a dict, or a tuple/list of f's arguments "
            f"(numbers, arrays or containers of them), not {type(point).__name__}.")

    def _arguments(self) -> Structure:
        """The differentiated arguments: one argument's structure if argnums is an int, else
        the tuple of them. Arguments not differentiated may be anything (data, labels)."""
        labels = {k: f"argument {k} ({self._name(k)!r})" for k in self.diff}
        if self.picked:
            (k,) = self.diff
            return Structure.of(self.args[k], self._name(k), what=labels[k])
        return Structure.of_arguments([self.args[k] for k in self.diff],
                                      [self._name(k) for k in self.diff],
                                      [labels[k] for k in self.diff])


def bind_arguments(f, point, argnums):
    """(g, point of g): g takes only the arguments ``argnums`` picks, in order, with the others
    fixed at their values in ``point``; g's parameters keep f's names. For tools (the harness)
    that want a function of the differentiated arguments alone.

    >>> g, p = bind_arguments(lambda a, b, c: a * b + c, (2.0, 3.0, 4.0), argnums=(0, 2))
    >>> p, g(*p), list(inspect.signature(g).parameters)
    ((2.0, 4.0), 10.0, ['a', 'c'])
    """
    parsed = _Parsed(point, argnums, f)
    if parsed.one_argument or argnums is None:
        return f, point
    args, diff = parsed.args, parsed.diff

    def bound(*values):
        full = list(args)
        for k, v in zip(diff, values):
            full[k] = v
        return f(*full)

    bound.__signature__ = inspect.Signature(
        [inspect.Parameter(parsed._name(k), inspect.Parameter.POSITIONAL_ONLY) for k in diff])
    bound.__name__ = getattr(f, "__name__", "f")
    bound.__wrapped_function__ = f
    return bound, tuple(args[k] for k in diff)


def _scalar_arguments(x: np.ndarray, names) -> Structure:
    """The structure of numbers passed one per argument (the seed's convention); ``names``
    may be a function that makes them when first asked."""
    return NumberArguments(x, names)


def _array_structure(x: np.ndarray, name: str) -> Structure:
    return Structure(0, [Leaf(name, x.shape, 0)], x)


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


def _check_arity(f, kind: str, nargs: int, one_argument: bool) -> None:
    if _plain_function_accepts(f, nargs):
        return
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):
        return  # builtins and some callables have no signature: let the call decide
    try:
        signature.bind(*range(nargs))
    except TypeError:
        params = [p for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in params if p.default is p.empty]
        kwonly = [p.name for p in signature.parameters.values()
                  if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
        if kwonly and len(required) <= nargs:
            raise FunctionError(
                f"{_name(f)} has the required keyword-only parameter"
                f"{'s' if len(kwonly) > 1 else ''} {', '.join(kwonly)}, which a point cannot "
                "fill; give it a default, or bind it first: "
                f"functools.partial(f, {kwonly[0]}=...).") from None
        takes = (f"{len(required)}" if len(required) == len(params)
                 else f"{len(required)} to {len(params)}")
        if kind == ARGS:
            hint = ("A tuple point calls f(*point), one argument per coordinate; to call f(x) "
                    "with one array, pass a numpy array.")
            has = f"the point has {nargs} coordinate{'s' if nargs != 1 else ''}"
        elif not one_argument:
            hint = "A tuple or list point is the list of f's positional arguments."
            has = f"the point has {nargs} argument{'s' if nargs != 1 else ''}"
        else:
            hint = ("An array point calls f(x) with one array argument; for one argument per "
                    "coordinate pass a tuple." if kind != SCALAR else "A number calls f(x).")
            has = "the point is passed as one argument"
        raise FunctionError(f"{_name(f)} takes {takes} positional argument"
                            f"{'s' if takes != '1' else ''} but {has}. {hint}") from None


def _name(f) -> str:
    return f"f ({getattr(f, '__name__', type(f).__name__)})"


class Problem:
    """A function and a checked point: the calling convention, a call counter, and the place
    where results are assembled. Every method receives one of these.

    ``x`` is the flat float64 vector of the differentiated components (read-only), ``n`` its
    length, ``leaves`` the numbers and arrays it is made of (:class:`~diffmethods.structure.Leaf`).
    """

    def __init__(self, f, point, method: str = "", argnums=None):
        if not callable(f):
            raise FunctionError(f"f must be callable, got {type(f).__name__}.")
        self.f = f
        parsed = _Parsed(point, argnums, f)
        self.kind, self.structure = parsed.kind, parsed.structure
        self.n = self.structure.n
        self.flat_results = parsed.flat
        self._parsed = parsed
        self._point = point
        self.argnums = argnums
        self.method = method
        self.output_shape = None  # set by vectors.vector_output for vector-valued f
        self.calls = 0
        self.started = time.perf_counter()
        _check_arity(f, self.kind, len(parsed.args), parsed.one_argument)
        self._direct = self.kind == ARGS and len(parsed.diff) == len(parsed.args)

    @property
    def x(self) -> np.ndarray:
        """The flat float64 coordinates of the differentiated components (read-only)."""
        return self.structure.x

    @property
    def leaves(self) -> list:
        """The differentiated numbers and arrays, in the order of ``x``."""
        return self.structure.leaves

    @property
    def is_array(self) -> bool:
        """One 1-D array point, f(x): the convention before structured points."""
        return self.kind == ARRAY

    def point(self):
        """The point as the user gave it."""
        return self._point

    def __call__(self, inputs):
        """Call ``f`` with ``inputs`` -- one value (a number, an array, or a traced value) per
        leaf, in order -- placed into the point's structure, and count the call. For a 1-D
        array point the array itself may be passed."""
        self.calls += 1
        try:
            with calling_f():  # constants a tape keeps stay unchanged until f returns
                if self._direct:
                    return self.f(*inputs)
                if self.kind == ARRAY:
                    return self.f(inputs[0] if isinstance(inputs, list) else inputs)
                if self.kind == SCALAR:
                    return self.f(inputs[0])
                return self.f(*self.arguments(inputs))
        except TypeError as error:  # numpy refusing an object array of traced values
            from .interop import refuse_object_array_error
            refuse_object_array_error(error, inputs)
            raise
        except ValueError as error:  # a traced value stored into a plain float array
            from .interop import refuse_store_into_float_array
            refuse_store_into_float_array(error, inputs)
            raise

    def arguments(self, leaf_values) -> list:
        """f's positional arguments with the differentiated leaves set to ``leaf_values``."""
        parsed = self._parsed
        built = self.structure.rebuild(leaf_values)
        args = list(parsed.args)
        if parsed.rebuilds_one:
            args[parsed.diff[0]] = built
        else:
            for k, value in zip(parsed.diff, built):
                args[k] = value
        return args

    def inputs(self, x: np.ndarray):
        """Plain-number inputs for ``self(...)`` at the coordinates ``x``: one value per leaf
        (floats for numbers, views of ``x`` for arrays), or the array itself for a 1-D point."""
        return x if self.is_array else self.structure.split(x)

    def leaf_values(self) -> list:
        """The differentiated leaves at the point: floats and read-only arrays."""
        return self.structure.leaf_values()

    def at(self, x: np.ndarray):
        """f at the coordinates ``x`` (plain numbers), on a fresh copy: an f that writes into
        its argument cannot change the point or the next evaluation."""
        if self._direct:  # numbers, one per argument: nothing to copy
            self.calls += 1
            return self.f(*x.tolist())
        return self(self.structure.split(np.array(x, dtype=float)))

    def working_copy(self) -> np.ndarray:
        """A writable copy of the coordinates, for methods that bump them one at a time and
        evaluate with :meth:`at`."""
        return self.x.copy()

    def component_name(self, i: int) -> str:
        """What coordinate i is called: ``x2``, ``b1[0]``, ``W1[2, 1]``, ``params['W'][0, 3]``."""
        return self.structure.component_name(i)

    def component_names(self) -> list[str]:
        return self.structure.component_names()

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

    def result(self, value, derivative, *, passes: int, ops=None, **details) -> Result:
        """Assemble a :class:`Result` with the counted calls and the elapsed time (``ops``: the
        elementary operations, where a method counts them); an undefined
        value is handled by the one policy in :mod:`diffmethods.domain`."""
        from .domain import undefined_point
        derivative = undefined_point(self, value, np.asarray(derivative, float))
        return Result(method=self.method, value=value, derivative=derivative,
                      f_calls=self.calls, passes=passes, ops=ops,
                      seconds=time.perf_counter() - self.started, details=details,
                      structure=None if self.flat_results else self.structure,
                      names=self.structure)


def real_scalar(y, who="f") -> float:
    """``y`` as a Python float, or a :class:`FunctionError` saying what ``f`` returned instead."""
    if isinstance(y, np.ndarray) and y.shape == () and y.dtype.kind in "iuf":
        y = y.item()
    if _is_real(y):
        return float(y)
    if y is None:
        raise FunctionError(f"{who} returned None; did it forget a `return`?")
    if isinstance(y, (bool, np.bool_)):
        raise FunctionError(f"{who} returned the boolean {y!r}, not a number (a comparison "
                            "instead of a value?).")
    if isinstance(y, (np.ndarray, list, tuple)):
        shape = np.shape(y) if not isinstance(y, np.ndarray) or y.dtype != object else y.shape
        raise FunctionError(
            f"{who} returned {type(y).__name__} of shape {shape}; a gradient needs a single "
            "number. Reduce it (np.sum, np.mean) or use dm.jacobian for vector-valued functions.")
    if isinstance(y, numbers.Complex):
        raise FunctionError(f"{who} returned the complex number {y!r}; a gradient needs a real "
                            "number.")
    raise FunctionError(f"{who} returned {type(y).__name__} {_short(y)}, not a number.")
