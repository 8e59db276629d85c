"""Shared test helpers: method lists come from the registry, never from literals."""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.declarations import Kind

# methods exact up to rounding that need no hand-written rule: AD, symbolic, complex step, ...
EXACT = [m for m in dm.methods() if dm.declaration(m).exact
         and not dm.declaration(m).needs_hand_gradient]
# methods that run f on values of their own (tracers and the symbolic tracer): they meet
# Python code on traced values -- `if`, int(), unsupported numpy -- and must refuse it clearly
TRACING = [m for m in dm.methods() if dm.declaration(m).kind in (Kind.TRACER, Kind.SYMBOLIC)]
# every method that needs nothing but f
FROM_F = [m for m in dm.methods() if not dm.declaration(m).needs_hand_gradient]


def close(a, b, rtol, atol=0.0):
    """|a - b| <= atol + rtol * |b| elementwise, and the same non-finite entries."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


@pytest.fixture(params=EXACT)
def exact_method(request):
    return request.param
