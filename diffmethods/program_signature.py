"""What a program is specialised to: the shapes of the point and the arguments not differentiated.

A program written from one recording holds for another point only where f does the same
operations on arrays of the same shapes: :func:`signature` is the kind of point and the shape
of every differentiated leaf. The arguments f is *not* differentiated in (data, labels) are
constants of the program, so they are kept as snapshots (:class:`_Frozen`) and compared by
value at every run; another value records again.
"""

from __future__ import annotations

import numpy as np

from .points import Problem


def signature(problem: Problem) -> tuple:
    """What a program is specialised to: the kind of point and the shape of every leaf."""
    return (problem.kind, tuple(leaf.shape for leaf in problem.leaves))


def _same_fixed(fixed: tuple, problem: Problem) -> bool:
    """Whether the arguments that are not differentiated equal the recorded snapshots (their
    numbers are constants of the program), compared in place: no copy per call."""
    parsed = problem._parsed
    current = [a for k, a in enumerate(parsed.args) if k not in parsed.diff]
    return len(current) == len(fixed) and all(s.equals(a) for s, a in zip(fixed, current))


def _fixed_arguments(problem: Problem):
    """The arguments that are not differentiated, as values to compare (their numbers are
    constants of the program)."""
    parsed = problem._parsed
    fixed = []
    for k, a in enumerate(parsed.args):
        if k not in parsed.diff:
            fixed.append(_Frozen(a))
    return tuple(fixed)


class _Frozen:
    """A snapshot of an argument, equal to another when every number agrees."""

    __slots__ = ("value",)

    def __init__(self, value):
        try:
            self.value = np.array(value, copy=True)
        except (TypeError, ValueError):
            self.value = value

    def equals(self, value) -> bool:
        a = self.value
        if isinstance(a, np.ndarray) and a.dtype != object and isinstance(value, np.ndarray):
            if a.shape != value.shape or a.dtype != value.dtype:
                return False
            if bool(np.equal(a, value).all()):  # the common case, without equal_nan's masks
                return True
            return a.dtype.kind in "fc" and bool(np.array_equal(a, value, equal_nan=True))
        return self == _Frozen(value)

    def __eq__(self, other) -> bool:
        a, b = self.value, other.value
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return a.shape == b.shape and a.dtype == b.dtype and (
                a.dtype == object and a.tolist() == b.tolist() or a.dtype != object
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
        return a is b

    __hash__ = None
