"""Shared test helpers: method lists come from the registry, never from literals."""

import numpy as np
import pytest

import diffmethods as dm

# methods exact up to rounding that need no hand-written rule: AD, symbolic, complex step, ...
EXACT = [m for m in dm.methods() if m != "manual" and dm.registry.get_method(m).exact]


def close(a, b, rtol, atol=0.0):
    """|a - b| <= atol + rtol * |b| elementwise, and the same non-finite entries."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


@pytest.fixture(params=EXACT)
def exact_method(request):
    return request.param
