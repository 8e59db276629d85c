"""Hypothesis strategies that build random expressions from the operation table.

An expression is a tree: ("input", i), ("const", c) or ("op", name, children). It is built
together with its value at a drawn point: whenever a child's value falls outside the domain the
table gives for an argument (or grows large), the child is squashed into that interval with
lo + (hi - lo) * (tanh(child) + 1) / 2, itself built from table operations. So every drawn
expression is defined and smooth at its point, with no rejection sampling.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from diffmethods.ops import OPS, intervals

# kinks are tested on their own; random trees stick to smooth operations
SMOOTH = sorted(name for name in OPS if name not in ("absolute", "sign", "maximum", "minimum"))


def evaluate(tree, inputs):
    """Evaluate a tree on plain floats or on any method's traced values."""
    kind = tree[0]
    if kind == "input":
        return inputs[tree[1]]
    if kind == "const":
        return tree[1]
    args = [evaluate(child, inputs) for child in tree[2]]
    return OPS[tree[1]].ufunc(*args)


def _squash(tree, value, lo, hi):
    # lo + (hi - lo) * (tanh(t) + 1) / 2, with a margin so the result is strictly inside
    margin = 0.05 * (hi - lo)
    lo, hi = lo + margin, hi - margin
    t = ("op", "tanh", [tree])
    t = ("op", "add", [t, ("const", 1.0)])
    t = ("op", "multiply", [t, ("const", (hi - lo) / 2)])
    t = ("op", "add", [t, ("const", lo)])
    return t, lo + (hi - lo) * (math.tanh(value) + 1) / 2


def _fit(tree, value, lo, hi):
    if lo < value < hi and abs(value) < 50:
        return tree, value
    if not math.isfinite(value):
        value = 0.0
    return _squash(tree, max(-20.0, min(20.0, value)), lo, hi)


@st.composite
def expressions(draw, n_inputs=3, max_depth=5):
    """(tree, point): a random expression of depth <= max_depth and a point it is smooth at."""
    point = draw(st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=n_inputs,
                          max_size=n_inputs))

    def build(depth):
        leaf_only = depth >= max_depth
        choice = draw(st.integers(0, 2 if leaf_only else 6))
        if choice == 0:
            c = draw(st.floats(-3.0, 3.0, allow_subnormal=False))
            return ("const", c), c
        if choice in (1, 2):
            i = draw(st.integers(0, n_inputs - 1))
            return ("input", i), point[i]
        op = OPS[draw(st.sampled_from(SMOOTH))]
        children = []
        for spec in op.domain:
            lo, hi = intervals(spec)[0]
            child, value = build(depth + 1)
            children.append(_fit(child, value, lo, hi))
        tree = ("op", op.name, [c for c, _ in children])
        with np.errstate(all="ignore"):
            value = float(op.ufunc(*[v for _, v in children]))
        return tree, value

    tree, value = build(0)
    return tree, tuple(point)
