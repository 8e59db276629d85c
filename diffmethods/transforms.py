"""Function transforms: ``dm.grad(f)`` is a function that returns f's gradient, as
``jax.grad`` and ``autograd.grad`` are.

>>> import diffmethods as dm
>>> g = dm.grad(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), method="forward")
>>> g(2, 3, 4)
array([12., 12.,  9.])
>>> dm.value_and_grad(lambda x: x**3)(2.0)
(8.0, array([12.]))

The arguments of a call are the point: ``g(x)`` is ``dm.gradient(f, x)`` and ``g(a, b, X)`` is
``dm.gradient(f, (a, b, X))``. Unlike JAX, every argument is differentiated by default;
``argnums`` picks some. Work a method caches (the symbolic derivation) is reused from call to
call while the structure of the arguments and the data left out with ``argnums`` stay the same.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from . import api
from .api import Array, Function
from .errors import OptionError
from .registry import check_options, get_method

Returned = TypeVar("Returned")


class GradientFunction(Generic[Returned]):
    """``f``'s gradient (and, with ``with_value``, its value) as a function of f's arguments;
    ``Returned`` is what a call gives (an array, or ``(value, array)``), for type checkers."""

    def __init__(self, f: Function, method: str, argnums: Any, options: dict[str, Any],
                 with_value: bool) -> None:
        if not callable(f):
            from .errors import FunctionError
            raise FunctionError(f"dm.grad needs a callable f, got {type(f).__name__}")
        backend = get_method(method)  # an unknown method or option is refused now, not later
        check_options(method, backend.gradient, options)
        self.f, self.method, self.argnums = f, method, argnums
        self.options, self.with_value = dict(options), with_value
        self.__wrapped__ = f
        self.__name__ = ("value_and_grad_" if with_value else "grad_") + \
            getattr(f, "__name__", "f").replace("<lambda>", "lambda")
        self.__doc__ = (f"The {'value and ' if with_value else ''}gradient of "
                        f"{getattr(f, '__name__', 'f')} by method {method!r}.")

    def _point(self, args):
        if not args:
            raise OptionError(f"{self.__name__} was called with no arguments: call it with f's "
                              "arguments, e.g. g(x) or g(W, b, X, y)")
        if len(args) > 1:
            return args, self.argnums
        (x,) = args
        if isinstance(x, (tuple, list)):  # f's one argument is itself a tuple or list
            return (x,), 0 if self.argnums is None else self.argnums
        return x, self.argnums

    def __call__(self, *args: Any, **kwargs: Any) -> Returned:
        if kwargs:
            raise OptionError(f"{self.__name__} takes f's arguments positionally; got "
                              f"{', '.join(kwargs)}=. Pass data as positional arguments and "
                              "leave them out of the gradient with argnums.")
        point, argnums = self._point(args)
        r = api.differentiate(self.f, point, self.method, argnums=argnums, **self.options)
        out: Any = (r.value, r.gradient) if self.with_value else r.gradient
        return out

    def __repr__(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.options.items())
        argnums = "" if self.argnums is None else f", argnums={self.argnums!r}"
        kind = "value_and_grad" if self.with_value else "grad"
        return (f"dm.{kind}({getattr(self.f, '__name__', 'f')}, method={self.method!r}"
                f"{argnums}{options})")


def grad(f: Function, argnums: Any = None, *, method: str = api.DEFAULT_METHOD,
         **options: Any) -> GradientFunction[Array]:
    """A function of f's arguments that returns ``dm.gradient(f, arguments, method, ...)``."""
    return GradientFunction(f, method, argnums, options, with_value=False)


def value_and_grad(f: Function, argnums: Any = None, *, method: str = api.DEFAULT_METHOD,
                   **options: Any) -> GradientFunction[tuple[float, Array]]:
    """A function of f's arguments that returns ``(f(arguments), gradient)`` in one run."""
    return GradientFunction(f, method, argnums, options, with_value=True)
