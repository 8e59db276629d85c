"""Where an explanation must not state a derivative as a plain fact: kinks and domains.

The piecewise rows of the operation table (``absolute``, ``sign``, ``maximum``, ``floor``,
``fmax``, ``copysign``, ...) carry their kinks themselves (:class:`diffmethods.ops.Kink`): where
the derivative does not exist and the convention every method of this library follows there
(sign(0) = 0; a tie of max/min splits 1/2 each). A node that sits exactly on a kink gets a note
saying so, in every method's explanation, with what that method computes there; a node whose
value is not finite stops every method's explanation.

>>> kink_note("absolute", [0.0])
'x = 0 is a kink of abs: every method follows the convention sign(0) = 0'
>>> kink_note("absolute", [1.0]) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..api import differentiate
from ..errors import DiffMethodsError
from ..methods.finite import FiniteDifferences
from ..ops import OPS
from .document import Paragraph
from .notation import num


def kink_note(op: str, operands: list) -> str | None:
    """The note for operation ``op`` at these (scalar) operand values, or None off its kinks."""
    row = OPS.get(op)
    if row is None or row.kink is None or any(np.ndim(v) for v in operands):
        return None
    return row.kink.note() if bool(row.kink.at(*[float(v) for v in operands])) else None


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


@dataclass
class Scan:
    """What one recorded run of f found: nodes on a kink, and the first non-finite node."""

    kinks: list  # (node name, formula, note), in the order f ran them
    stop: str | None  # the stop note, or None when every value is finite


def scan(f, point) -> Scan:
    """Record f at ``point`` once (the reverse-mode tape) and look at every node: the one
    place the kink and domain checks of every method's explanation come from."""
    from .reverse_trace import walk_reverse  # the tape walk imports this module
    try:
        walk = walk_reverse(f, point)
    except Exception:  # noqa: BLE001 - black-box code the tape cannot run: nothing to scan,
        return Scan([], None)  # and the method's own explanation still goes ahead
    kinks = []
    for n in walk.operations:
        note = kink_note(n.op, [walk.nodes[o].value if isinstance(o, int) else o
                                for o in n.operands])
        if note:
            kinks.append((n.name, n.formula(), note))
    bad = first_non_finite([n.value for n in walk.nodes])
    stop = None
    if bad is not None:
        node = walk.nodes[bad]
        stop = stop_note(node.name, node.formula() if node.op else "input", node.value)
    return Scan(kinks, stop)


def one_sided(f, point) -> str:
    """What finite differences see at a kink, computed: the central quotient and the two
    one-sided ones, e.g. "(0) with the central scheme, (1) forward and (-1) backward"."""
    seen = {}
    for scheme in ("central", "forward", "backward"):
        try:
            with np.errstate(all="ignore"):
                g = differentiate(f, point, method=FiniteDifferences.name,
                                  scheme=scheme).flat_gradient
            seen[scheme] = "(" + ", ".join(num(v, 6) for v in g) + ")"
        except DiffMethodsError:
            seen[scheme] = "(not computable)"
    return (f"finite differences see {seen['central']} with the central scheme, "
            f"{seen['forward']} forward and {seen['backward']} backward")


def kink_paragraph(found: Scan, says: str) -> Paragraph | None:
    """"**A kink.** `x2 = abs(x1)`: x = 0 is a kink of abs: every method follows the
    convention sign(0) = 0; <says>." -- ``says`` is what this method computes there."""
    if not found.kinks:
        return None
    notes = " ".join(f"`{name} = {formula}`: {note}." for name, formula, note in found.kinks)
    return Paragraph(f"**A kink.** {notes} Here: {says}. The derivative at a kink is a "
                     "convention, not the slope of f.")


def gradient_text(values) -> str:
    """(0, 1.5): a gradient as the kink notes quote it."""
    return "(" + ", ".join(num(v) for v in np.ravel(values)) + ")"
