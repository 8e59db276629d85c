"""The registry of differentiation methods.

A method is any object with a ``name``, a one-line ``summary``, a flag ``exact`` (exact up to
rounding, as AD and symbolic are, or an approximation, as finite differences are) and a
``gradient(problem, **options)`` that returns a :class:`~diffmethods.result.Result`. Optional
``jvp``/``vjp``/``jacobian``/``hessian``/``hvp`` add operators, and an optional
``declaration`` (:class:`~diffmethods.declaration.Declaration`) says what else it is and can do;
:func:`declaration` reads one off any method. Tests, the harness and the CLI iterate
:func:`methods`, so a method registered from outside the package shows up everywhere.

Packages register methods through the ``diffmethods.methods`` entry-point group::

    [project.entry-points."diffmethods.methods"]
    central4 = "mypackage.methods:Central4"     # a class, an instance or a plain function

They are loaded the first time the registry is asked for its methods.

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
import warnings

from .declarations import Declaration, Kind, options_from_signature, undeclared
from .errors import OptionError, UnknownMethodError

ENTRY_POINT_GROUP = "diffmethods.methods"
_METHODS: dict = {}
_LOCK = threading.Lock()
_PLUGINS = {"loaded": False}


class FunctionMethod:
    """Wraps a plain function ``backend(problem, **options)`` as a method."""

    def __init__(self, name, fn, summary=None, exact: bool = False, kind: Kind = Kind.OTHER):
        self.name, self._fn, self.exact = name, fn, bool(exact)
        self.summary = summary or (inspect.getdoc(fn) or name).splitlines()[0]
        self.declaration = Declaration(kind=kind, exact=self.exact,
                                       options=options_from_signature(fn))

    def gradient(self, problem, **options):
        check_options(self.name, self._fn, options)  # fn's keyword-only parameters
        out = self._fn(problem, **options)
        if isinstance(out, tuple):  # (value, gradient)
            value, grad = out
            return problem.result(value, grad, passes=problem.calls, ops=None)
        return out


def register_method(name: str, backend, *, replace: bool = False, exact: bool | None = None,
                    kind: Kind | None = None) -> None:
    """Add a differentiation method under ``name``.

    ``backend`` is an object with ``gradient(problem, **options)`` (see the module docstring),
    or a plain function ``backend(problem, **options)`` returning a Result or a
    ``(value, gradient)`` pair; ``exact=True`` and ``kind`` declare what a plain function is
    (by default: an approximation of kind "other").
    """
    if not isinstance(name, str) or not name or name.strip() != name or "," in name:
        raise OptionError(f"a method name must be a non-empty string without commas or "
                          f"surrounding spaces, got {name!r}")
    if not hasattr(backend, "gradient"):
        if not callable(backend):
            raise OptionError(f"backend for {name!r} must have a gradient() method or be callable")
        backend = FunctionMethod(name, backend, exact=bool(exact), kind=kind or Kind.OTHER)
    elif exact is not None or kind is not None:
        raise OptionError("exact= and kind= declare a plain-function backend; a method object "
                          "declares itself with a `declaration` attribute")
    with _LOCK:
        if name in _METHODS and not replace:
            raise OptionError(f"a method named {name!r} is already registered; "
                              "pass replace=True to replace it")
        _METHODS[name] = backend


def unregister_method(name: str) -> None:
    """Remove a registered method (mainly for tests and experiments)."""
    with _LOCK:
        _METHODS.pop(name, None)


def load_plugins(entry_points=None) -> list[str]:
    """Register the methods of installed packages (the ``diffmethods.methods`` entry-point
    group), once; returns the names registered. A plugin that fails to load is reported with a
    warning naming it, and the others still load. ``entry_points`` replaces the installed ones
    (for tests)."""
    if entry_points is None:
        if _PLUGINS["loaded"]:
            return []
        _PLUGINS["loaded"] = True
        from importlib.metadata import entry_points as installed
        entry_points = installed(group=ENTRY_POINT_GROUP)
    names = []
    for ep in entry_points:
        try:
            obj = ep.load()
            backend = obj() if inspect.isclass(obj) else obj
            register_method(ep.name, backend, replace=ep.name in _PLUGIN_NAMES)
        except Exception as e:  # a broken plugin must not break the package
            warnings.warn(f"diffmethods: the method plugin {ep.name!r} ({ep.value}) could not be "
                          f"loaded and is left out: {type(e).__name__}: {e}", stacklevel=2)
            continue
        _PLUGIN_NAMES.add(ep.name)
        names.append(ep.name)
    return names


_PLUGIN_NAMES: set = set()


def methods() -> list[str]:
    """The registered method names, in registration order (plugins after the built-ins)."""
    load_plugins()
    return list(_METHODS)


def declaration(name: str) -> Declaration:
    """What the method registered as ``name`` is and can do: its own declaration, or what can
    be read off an object that brought none."""
    method = get_method(name)
    declared = getattr(method, "declaration", None)
    return declared if isinstance(declared, Declaration) else undeclared(method)


def get_method(name: str):
    """The backend registered as ``name``, or an error listing the valid names."""
    load_plugins()
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
