"""The registry of differentiation methods.

A method is any object with a ``name``, a one-line ``summary``, a flag ``exact`` (exact up to
rounding, as AD and symbolic are, or an approximation, as finite differences are) and a
``gradient(problem, **options)`` that returns a :class:`~diffmethods.result.Result`. Optional
``jvp``/``vjp`` add the Jacobian-vector products. Tests, the harness and the CLI iterate
:func:`methods`, so a method registered from outside the package shows up everywhere.

>>> class Zero:
...     name, summary, exact = "zero", "always zero (a toy)", False
...     def gradient(self, problem):
...         return problem.result(problem(problem.inputs(problem.x)), 0 * problem.x,
...                               passes=1, ops=None)
>>> register_method("zero", Zero())
>>> "zero" in methods()
True
>>> unregister_method("zero")
"""

from __future__ import annotations

import inspect
import threading

from .errors import OptionError, UnknownMethodError

_METHODS: dict = {}
_LOCK = threading.Lock()


class FunctionMethod:
    """Wraps a plain function ``backend(problem, **options)`` as a method."""

    exact = False

    def __init__(self, name, fn, summary=None):
        self.name, self._fn = name, fn
        self.summary = summary or (inspect.getdoc(fn) or name).splitlines()[0]

    def gradient(self, problem, **options):
        out = self._fn(problem, **options)
        if isinstance(out, tuple):  # (value, gradient)
            value, grad = out
            return problem.result(value, grad, passes=problem.calls, ops=None)
        return out


def register_method(name: str, backend, *, replace: bool = False) -> None:
    """Add a differentiation method under ``name``.

    ``backend`` is an object with ``gradient(problem, **options)`` (see the module docstring),
    or a plain function ``backend(problem, **options)`` returning a Result or a
    ``(value, gradient)`` pair.
    """
    if not isinstance(name, str) or not name:
        raise OptionError("a method name must be a non-empty string")
    if not hasattr(backend, "gradient"):
        if not callable(backend):
            raise OptionError(f"backend for {name!r} must have a gradient() method or be callable")
        backend = FunctionMethod(name, backend)
    with _LOCK:
        if name in _METHODS and not replace:
            raise OptionError(f"a method named {name!r} is already registered; "
                              "pass replace=True to replace it")
        _METHODS[name] = backend


def unregister_method(name: str) -> None:
    """Remove a registered method (mainly for tests and experiments)."""
    with _LOCK:
        _METHODS.pop(name, None)


def methods() -> list[str]:
    """The registered method names, in registration order."""
    return list(_METHODS)


def get_method(name: str):
    """The backend registered as ``name``, or an error listing the valid names."""
    try:
        return _METHODS[name]
    except (KeyError, TypeError):
        raise UnknownMethodError(
            f"unknown method {name!r}; choose one of: {', '.join(_METHODS)}.") from None


def check_options(name: str, func, options: dict) -> None:
    """Refuse options that ``func`` (a backend's gradient/jvp/...) does not take."""
    if not options:
        return
    params = inspect.signature(func).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    allowed = [p for p, v in params.items() if v.kind is v.KEYWORD_ONLY]
    unknown = [k for k in options if k not in allowed]
    if unknown:
        takes = f"takes the options {', '.join(allowed)}" if allowed else "takes no options"
        users = [m for m in _METHODS if m != name and all(
            k in inspect.signature(_METHODS[m].gradient).parameters for k in unknown)]
        hint = f" ({', '.join(unknown)} belongs to method {users[0]!r})" if users else ""
        raise OptionError(f"method {name!r} {takes}; got {', '.join(u + '=' for u in unknown)}"
                          f"{hint}.")
