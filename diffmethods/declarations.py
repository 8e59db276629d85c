"""What a method is and can do, declared once, next to the method, and asked everywhere.

The harness, the findings, the plots, the CLI and the teaching package never compare a
method's *name*: they read its :class:`Declaration` -- the kind of method, whether it is exact,
its options (with types, defaults and help), the option that is its step, its error model, its
extra variants for the studies and the calls of f and passes it is expected to make.

>>> import diffmethods as dm
>>> d = dm.declaration("finite")
>>> d.kind.value, d.exact, d.step_option, [o.name for o in d.options]
('difference', False, 'step', ['scheme', 'step', 'rel_step', 'noise'])
>>> d.counts.f_calls(10, {"scheme": "forward"})
11
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

from .errors import OptionError


class Accumulation(str, Enum):
    """Which way a tracer carries derivatives through the computation."""

    FORWARD = "forward"   # from the inputs: one pass per block of input directions
    REVERSE = "reverse"   # from the output: one backward sweep per output


class Kind(str, Enum):
    """What a method does to get a derivative."""

    HAND_RULE = "hand rule"     # a person derived the gradient; the method only evaluates it
    SYMBOLIC = "symbolic"       # a computer algebra system derives a formula
    DIFFERENCE = "difference"   # evaluations of f at nearby points (an approximation)
    TRACER = "tracer"           # runs f on tracing numbers: automatic differentiation
    OTHER = "other"             # a method registered from outside that did not say


def _text(value: str) -> str:
    return value


@dataclass(frozen=True)
class Option:
    """One option of a method: ``parse`` reads it from the command line."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = _text
    choices: Callable[[], list] | None = None   # the valid values, asked when needed

    def read(self, text: str, method: str):
        """The value of this option written as ``text`` (from ``--opt name=text``)."""
        try:
            value = self.parse(text)
        except (TypeError, ValueError):
            kind = getattr(self.parse, "__name__", "value")
            raise OptionError(f"option {self.name} of method {method!r} must be a {kind}, got "
                              f"{text!r}") from None
        if self.choices is not None and value not in self.choices():
            raise OptionError(f"option {self.name} of method {method!r} must be one of "
                              f"{', '.join(map(str, self.choices()))}; got {text!r}")
        return value


@dataclass(frozen=True)
class ErrorModel:
    """The error of a step method at step h, as its Taylor series says:

    truncation  |c_m f^(m)(x)| h^(m-1)  for the first m in ``taylor`` whose term is non-zero;
    round-off   u * roundoff_weight * |f(x)| / h  (``roundoff_weight=None``: no such term, as
                for the complex step, which subtracts nothing).

    >>> central = ErrorModel({3: 1 / 6, 5: 1 / 120}, roundoff_weight=1.0)
    >>> central.terms({0: 1.0, 3: 6.0, 5: 0.0})
    (1.0, 2, 1.1102230246251565e-16)
    """

    taylor: dict
    roundoff_weight: float | None
    description: str = ""

    def orders(self) -> set:
        """The derivatives of f the model needs (0 is f itself)."""
        return {0, *self.taylor}

    def terms(self, derivatives: dict) -> tuple:
        """(T, q, R): truncation T h^q and round-off R / h; ``None`` where a term vanishes."""
        T = q = None
        for m in sorted(self.taylor):
            term = abs(self.taylor[m] * float(derivatives[m]))
            if abs(self.taylor[m]) > 1e-12 and term > 0:
                T, q = term, m - 1
                break
        R = None
        if self.roundoff_weight is not None:
            R = UNIT_ROUNDOFF * self.roundoff_weight * abs(float(derivatives[0])) or None
        return T, q, R


UNIT_ROUNDOFF = 2.0 ** -53


@dataclass(frozen=True)
class Variant:
    """A setting of a method worth showing beside its default in a study."""

    label: str                 # "chunk=1": shown after the method's name
    options: dict
    studies: frozenset = frozenset({"scaling"})   # "scaling", "jacobian"


@dataclass(frozen=True)
class Counts:
    """The calls of f and passes a method makes at dimension n, and the rule in words."""

    f_calls: Callable[[int, dict], int] | None = None
    passes: Callable[[int, dict], int] | None = None
    rule: Callable[[dict], str] = lambda options: ""

    def check(self, row: dict, options: dict) -> bool:
        """Whether a measured row (``n``, ``f_calls``, ``passes``) follows the rule."""
        n = row["n"]
        return ((self.f_calls is None or row["f_calls"] == self.f_calls(n, options)) and
                (self.passes is None or row["passes"] == self.passes(n, options)))


@dataclass(frozen=True)
class Declaration:
    """Everything the rest of the package may ask of a method (see the module docstring).

    ``accumulation`` says which way a tracer carries derivatives (:class:`Accumulation`);
    ``builds_from_f`` is
    true for the methods that need nothing but evaluations of f (no formula, no hand rule).
    ``error_model(options)`` returns the :class:`ErrorModel` of a step method for those options,
    or ``None`` when it has none -- and then nothing is said about its truncation.
    ``answered_by`` names the operators the method provides by handing them to another
    method (the compiled method's Hessians: reverse mode's), so that is never silent.
    """

    kind: Kind
    exact: bool
    needs_hand_gradient: bool = False
    accumulation: Accumulation | None = None
    options: tuple = ()
    step_option: str | None = None
    step_meaning: str = ""      # what h is, where it is not simply the step (for figures)
    error_model: Callable[[dict], ErrorModel | None] = lambda options: None
    variants: tuple = ()
    counts: Counts | None = None
    setup: str = ""              # a one-off cost before the first gradient, in words
    answered_by: tuple = ()      # (operator, method) pairs: operators another method answers
    builds_from_f: bool = field(default=True)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def variants_for(self, study: str) -> list:
        return [v for v in self.variants if study in v.studies]


OPERATORS = ("gradient", "derivative", "jacobian", "hessian", "jvp", "vjp", "hvp")


def operators_of(method) -> tuple:
    """The operators a method object provides itself (the rest are built from its gradient
    or refused; see :mod:`diffmethods.api`)."""
    return tuple(op for op in OPERATORS if op == "gradient" or callable(getattr(method, op, None)))


def options_from_signature(func) -> tuple:
    """Options read from a backend's keyword-only parameters (for methods that declare none)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(Option(p.name, None if p.default is p.empty else p.default, "", plain_value)
                 for p in params if p.kind is p.KEYWORD_ONLY)


def undeclared(method, exact: bool | None = None, kind: Kind = Kind.OTHER) -> Declaration:
    """The declaration of a method that brought none: what can be read off the object."""
    return Declaration(kind=kind, exact=bool(getattr(method, "exact", False) if exact is None
                                             else exact),
                       options=options_from_signature(getattr(method, "gradient", None)))


_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
_PLAIN_WHOLE = re.compile(r"\+?[0-9]{1,9}")


def positive_float(text) -> float:
    """A positive, finite number written plainly ("1e-6", "0.25"); numbers pass through."""
    if isinstance(text, str) and not _PLAIN_NUMBER.fullmatch(text.strip()):
        raise ValueError(text)
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(text)
    return value


def positive_int(text) -> int:
    """A whole number >= 1 written plainly ("3")."""
    if isinstance(text, str) and not _PLAIN_WHOLE.fullmatch(text.strip()):
        raise ValueError(text)
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def whole_number(low: int, high: int):
    """A parser of whole numbers from ``low`` to ``high`` written plainly."""
    def parse(text) -> int:
        if isinstance(text, str) and not _PLAIN_WHOLE.fullmatch(text.strip()):
            raise ValueError(text)
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value
    parse.__name__ = f"whole number from {low} to {high}"
    return parse


def plain_value(text: str):
    """An option of a method that declared none: a whole number, a number, or the text."""
    piece = text.strip()
    if _PLAIN_WHOLE.fullmatch(piece):
        return int(piece)
    if _PLAIN_NUMBER.fullmatch(piece):
        return float(piece)
    return text


positive_float.__name__, positive_int.__name__ = "positive number", "whole number >= 1"
plain_value.__name__ = "value"
