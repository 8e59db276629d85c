"""Where an explanation must not state a derivative as a plain fact: kinks and domains.

The piecewise rows of the operation table (``absolute``, ``sign``, ``maximum``, ``minimum``)
have a derivative everywhere except at their kinks, where every method of this library follows
a stated convention (sign(0) = 0; a tie of max/min splits 1/2 each). A node that sits exactly
on a kink gets a note saying so; a node whose value is not finite stops the explanation.

>>> kink_note("absolute", [0.0]).split(":")[0]
'x = 0 is a kink of abs'
>>> kink_note("absolute", [1.0]) is None
True
"""

from __future__ import annotations

import numpy as np

from .notation import num

_FINITE_DIFFERENCES = "finite differences see the average of the one-sided slopes here"

KINKS = {
    "absolute": (lambda x: x == 0,
                 "x = 0 is a kink of abs: every method follows the convention sign(0) = 0; "
                 + _FINITE_DIFFERENCES + " (0 for a central difference)"),
    "sign": (lambda x: x == 0,
             "x = 0 is the jump of sign: its derivative is taken as 0, which is no slope at "
             "all; finite differences see a quotient that grows like 1/h here"),
    "maximum": (lambda a, b: a == b,
                "a tie of max: every method splits the derivative 1/2 to each operand; "
                + _FINITE_DIFFERENCES),
    "minimum": (lambda a, b: a == b,
                "a tie of min: every method splits the derivative 1/2 to each operand; "
                + _FINITE_DIFFERENCES),
}
"""Operation -> (is the point on its kink?, what to say). Kept here until the operation table
carries its kinks itself."""


def kink_note(op: str, operands: list) -> str | None:
    """The note for operation ``op`` at these (scalar) operand values, or None off its kinks."""
    entry = KINKS.get(op)
    if entry is None or any(np.ndim(v) for v in operands):
        return None
    test, text = entry
    return text if bool(test(*[float(v) for v in operands])) else None


def first_non_finite(values) -> int | None:
    """The position of the first value that is nan or infinite (scalars or arrays)."""
    for k, v in enumerate(values):
        if not np.all(np.isfinite(np.asarray(v, dtype=float))):
            return k
    return None


def stop_note(name: str, formula: str, value) -> str:
    """Why an explanation stops at a node whose value is not finite."""
    what = "undefined (nan)" if np.any(np.isnan(np.asarray(value, dtype=float))) else "infinite"
    shown = "" if what.startswith("un") else f" ({num(value)})"
    return (f"**Stopped.** `{name} = {formula}` is {what} here{shown}: the point is "
            "outside the domain of that operation, so f has no derivative to explain. Every "
            "number that would follow would be arithmetic on "
            f"{'nan' if what.startswith('un') else 'inf'}, not a derivative.")
