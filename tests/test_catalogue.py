"""All methods agree with the hand-derived gradients of the catalogue."""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS, scenarios

from helpers import close

NAMES = sorted(SCENARIOS)


def test_catalogue_is_large_and_varied():
    assert len(SCENARIOS) >= 15
    for tag in ("classic", "array", "piecewise", "composition", "scalable", "branching"):
        assert scenarios(tag), tag
    used = set()
    for s in SCENARIOS.values():
        sg = None
        if "no-symbolic" in s.tags:  # refused by the symbolic method, its formula says why
            continue
        try:
            sg = dm.symbolic_gradient(s.f, s.point)
        except dm.BranchError:
            continue
        used |= {type(a).__name__ for a in __import__("sympy").preorder_traversal(sg.expression)}
    # every elementary function the issue lists appears in some catalogue expression
    for name in ("sin", "cos", "tan", "exp", "log", "log1p", "expm1", "tanh", "sinh", "cosh",
                 "atan", "asin", "acos", "RealAbs", "Max", "Min", "hypot", "Pow"):
        assert name in used, name


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", [m for m in dm.methods() if m != "manual"])
def test_method_agrees_with_the_hand_derived_gradient(name, method):
    s = SCENARIOS[name]
    hand = dm.gradient(s.f, s.point, method="manual")
    if method == "symbolic" and "branching" in s.tags:
        with pytest.raises(dm.BranchError):
            dm.gradient(s.f, s.point, method=method)
        return
    if method == "symbolic" and "no-symbolic" in s.tags:
        with pytest.raises(dm.UnsupportedOperationError, match="not supported by the symbolic"):
            dm.gradient(s.f, s.point, method=method)
        return
    # a noisy entry: a method that can be told about noise is told to estimate it (the default
    # step of finite differences is off by ~1e-4 there; test_noise.py pins that down)
    options = ({"noise": "estimate"} if "noisy" in s.tags
               and dm.declaration(method).option("noise") is not None else {})
    g = dm.gradient(s.f, s.point, method=method, **options)
    scale = max(1.0, float(np.max(np.abs(hand))))
    if dm.registry.get_method(method).exact:
        assert close(g, hand, 1e-12, 1e-14 * scale), (g, hand)
    else:
        value = abs(s.f(*s.point) if isinstance(s.point, tuple) else s.f(s.point))
        assert close(g, hand, 1e-6, 1e-8 * max(scale, value)), (g, hand)


@pytest.mark.parametrize("s", scenarios("scalable"), ids=lambda s: s.name)
def test_scalable_entries_build_points_of_any_dimension(s):
    for n in (2, 7):
        point = s.point_of(n)
        assert np.size(point) == n
        assert close(dm.gradient(s.f, point, method="reverse"),
                     dm.gradient(s.f, point, method="manual"), 1e-12, 1e-12)
