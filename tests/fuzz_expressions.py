"""Seeded random expressions from the operation table, at points inside and at the edges of the
operations' domains, for the fault suite (tests/test_fuzz.py) and the Richardson study.

A tree is ("input", i), ("const", c) or ("op", name, [children]) as in tests/strategies.py,
whose ``evaluate`` runs it on floats or on any method's traced values. Unlike the hypothesis
strategy, these generators take a ``numpy.random.Generator``: one seed gives the same
thousands of cases in a fraction of a second, each reproducible from its index.
"""

from __future__ import annotations

import math

import numpy as np

from diffmethods.ops import OPS, intervals
from strategies import evaluate

PIECEWISE = ("absolute", "sign", "maximum", "minimum", "fabs", "fmax", "fmin", "copysign",
             "heaviside", "floor", "ceil", "trunc", "rint", "remainder", "fmod")
SMOOTH = sorted(name for name in OPS if name not in PIECEWISE)
ALL = sorted(OPS)  # with the kinks: at random points the operands are never exactly on them
N_INPUTS = 3


def _value(name, args):
    with np.errstate(all="ignore"):
        return float(OPS[name].ufunc(*args))


def _squash(tree, value, lo, hi):
    """lo + (hi - lo) (tanh(t) + 1) / 2 with a margin: t forced strictly inside (lo, hi)."""
    margin = 0.05 * (hi - lo)
    lo, hi = lo + margin, hi - margin
    t = ("op", "add", [("op", "tanh", [tree]), ("const", 1.0)])
    t = ("op", "add", [("op", "multiply", [t, ("const", (hi - lo) / 2)]), ("const", lo)])
    return t, lo + (hi - lo) * (math.tanh(max(-20.0, min(20.0, value))) + 1) / 2


def smooth_tree(rng, point, inputs, max_depth, depth=0, names=SMOOTH):
    """(tree, value at point): a random expression of the given inputs, every operation applied
    inside the domain the table gives for it (a child that falls outside is squashed in)."""
    if depth >= max_depth or rng.random() < 0.25:
        if rng.random() < 0.3:
            c = float(rng.uniform(-3, 3))
            return ("const", c), c
        i = int(rng.choice(inputs))
        return ("input", i), point[i]
    name = names[rng.integers(len(names))]
    children = []
    for spec in OPS[name].domain:
        lo, hi = intervals(spec)[rng.integers(len(intervals(spec)))]
        child, value = smooth_tree(rng, point, inputs, max_depth, depth + 1, names)
        if not (lo < value < hi and abs(value) < 50):
            child, value = _squash(child, value if math.isfinite(value) else 0.0, lo, hi)
        children.append((child, value))
    return ("op", name, [c for c, _ in children]), _value(name, [v for _, v in children])


def defined_case(rng, max_depth=5, names=SMOOTH):
    """(tree, point): f defined at a point drawn from [-2, 2]^3 (and smooth there: with
    ``names=ALL`` kinks may lie nearby, never on the point)."""
    point = tuple(float(v) for v in rng.uniform(-2, 2, N_INPUTS))
    tree, _ = smooth_tree(rng, point, range(N_INPUTS), max_depth, names=names)
    return tree, point


# Where the operations meet the edges of their domains, with x0 placed there exactly (no
# arithmetic on constants, which sympy would redo at another precision): (name, the operand
# trees given x0 and x1, x0's edge value, the side of the edge that is inside the domain).
X0, X1 = ("input", 0), ("input", 1)
EDGES = [
    ("sqrt", [X0], 0.0, +1), ("log", [X0], 0.0, +1), ("log2", [X0], 0.0, +1),
    ("log10", [X0], 0.0, +1), ("log1p", [X0], -1.0, +1), ("arcsin", [X0], 1.0, -1),
    ("arcsin", [X0], -1.0, +1), ("arccos", [X0], 1.0, -1), ("arctanh", [X0], -1.0, +1),
    ("arccosh", [X0], 1.0, +1), ("cbrt", [X0], 0.0, +1), ("divide", [X1, X0], 0.0, +1),
    ("power", [X0, ("const", 0.5)], 0.0, +1), ("power", [X0, ("const", -1.0)], 0.0, +1),
    ("power", [X0, X1], 0.0, +1),
]
NEAR = (2.0**-10, 2.0**-30, 2.0**-50, 1e-200, 1e-300)  # inside: distances from the edge
TAILS = [("tanh", 20.0), ("tanh", -30.0), ("expm1", -40.0), ("exp", 700.0), ("exp", 800.0),
         ("arctan", 1e200), ("arcsinh", 1e200), ("sinh", 720.0)]


def edge_case(rng, max_depth=3):
    """(tree, point, kind): an operation at ("edge"), just inside ("near"), outside
    ("outside") the edge of its domain, or in a tail of its range ("tail"), combined with a
    random smooth expression of x1 and x2 by + or *."""
    point = [float(v) for v in rng.uniform(-2, 2, N_INPUTS)]
    kind = ("edge", "near", "outside", "tail")[rng.integers(4)]
    if kind == "tail":
        name, x0 = TAILS[rng.integers(len(TAILS))]
        operands, point[0] = [X0], x0
    else:
        name, operands, edge, inside = EDGES[rng.integers(len(EDGES))]
        step = {"edge": 0.0, "near": NEAR[rng.integers(len(NEAR))],
                "outside": -0.5}[kind]
        point[0] = edge + inside * step
        if name == "power" and operands[1] == X1 and kind != "near":
            point[1] = float(rng.uniform(0.5, 2.0))  # 0**b with b > 0: 0, not inf
    part = ("op", name, operands)
    rest, _ = smooth_tree(rng, point, (1, 2), max_depth)
    combine = ("add", "multiply")[rng.integers(2)]
    return ("op", combine, [part, rest]), tuple(point), kind


def as_function(tree):
    """f(x0, x1, x2) evaluating the tree (a fresh function object per tree)."""
    def f(x0, x1, x2):
        return evaluate(tree, (x0, x1, x2))
    return f


def size(tree) -> int:
    return 1 if tree[0] != "op" else 1 + sum(size(c) for c in tree[2])
