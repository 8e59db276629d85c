"""The operation table checks itself, and every method agrees on every row."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import diffmethods as dm
from diffmethods.ops import OPS, intervals

from helpers import EXACT, close
from strategies import evaluate, expressions

ROWS = sorted(OPS)


def draw_in(data, spec, label):
    """A float from one of the domain's intervals."""
    lo, hi = data.draw(st.sampled_from(intervals(spec)), label=f"{label} interval")
    return data.draw(st.floats(lo, hi, allow_subnormal=False), label=label)


def sample_in(rng, spec):
    lo, hi = intervals(spec)[rng.integers(len(intervals(spec)))]
    return rng.uniform(lo, hi)


@pytest.mark.parametrize("name", ROWS)
def test_partials_match_sympy_diff_of_the_sympy_column(name):
    """Each row's hand-written local partials equal sympy.diff of its own sympy constructor."""
    op = OPS[name]
    symbols = sympy.symbols(f"a0:{op.arity}", real=True)
    expr = op.sympy(*symbols)
    rng = np.random.default_rng(0)
    for _ in range(20):
        values = [sample_in(rng, spec) for spec in op.domain]
        subs = dict(zip(symbols, values))
        out = op.value(*values)
        assert float(expr.subs(subs).evalf(30)) == pytest.approx(out, rel=1e-13, abs=1e-300)
        for k, s in enumerate(symbols):
            exact = sympy.diff(expr, s).replace(sympy.DiracDelta, lambda *a: 0)
            assert op.partials[k](out, *values) == pytest.approx(
                float(exact.subs(subs).evalf(30)), rel=1e-12, abs=1e-15), (name, k, values)


@pytest.mark.parametrize("name", ROWS)
def test_every_method_agrees_on_every_row(name):
    op = OPS[name]

    @settings(max_examples=25, deadline=None)
    @given(st.data())
    def check(data):
        point = tuple(draw_in(data, spec, f"x{k}") for k, spec in enumerate(op.domain))
        f = FUNCTIONS[name]
        grads = {m: dm.gradient(f, point, method=m) for m in EXACT}
        scale = _scale(f, point, grads["reverse"])
        for m in EXACT:
            assert close(grads[m], grads["forward"], 1e-12, 1e-12 * scale), (m, point, grads)
        central = dm.gradient(f, point, method="finite")
        assert close(central, grads["reverse"], 1e-6, 1e-6 * scale), (point, central, grads)
    check()


def _scale(f, point, grad):
    """The size that rounding errors scale with: max(1, |f(x)|, |grad f(x)|). Central
    differences err by ~eps**(2/3) |f| from round-off, so |f| belongs in the tolerance."""
    return max(1.0, abs(float(f(*point))), float(np.max(np.abs(grad))))


def _make(op):
    if op.arity == 1:
        return lambda x: op.ufunc(x)
    return lambda a, b: op.ufunc(a, b)


# one function object per row, so the symbolic cache is reused across examples
FUNCTIONS = {name: _make(OPS[name]) for name in ROWS}


@pytest.mark.parametrize("name", ROWS)
def test_every_row_works_elementwise_on_arrays(name):
    """The same rows applied to whole arrays: forward, reverse and symbolic agree."""
    op = OPS[name]
    rng = np.random.default_rng(1)
    n = 4
    columns = [np.array([sample_in(rng, spec) for _ in range(n)]) for spec in op.domain]
    x = np.concatenate(columns)

    def f(x):
        parts = [x[k * n:(k + 1) * n] for k in range(op.arity)]
        return np.sum(op.ufunc(*parts) * np.arange(1.0, n + 1))

    grads = {m: dm.gradient(f, x, method=m) for m in EXACT}
    for m in EXACT:
        assert close(grads[m], grads["reverse"], 1e-12, 1e-12), (m, grads)
    assert close(dm.gradient(f, x, method="finite"), grads["reverse"], 1e-6, 1e-6)


@settings(max_examples=60, deadline=None)
@given(expressions(n_inputs=3, max_depth=5))
def test_random_expressions_agree_across_methods(case):
    tree, point = case

    def f(x1, x2, x3):
        return evaluate(tree, (x1, x2, x3))

    grads = {m: dm.gradient(f, point, method=m) for m in EXACT}
    scale = _scale(f, point, grads["reverse"])
    for m in EXACT:
        assert close(grads[m], grads["reverse"], 1e-12, 1e-12 * scale), (m, tree, point, grads)
    central = dm.gradient(f, point, method="finite")
    assert close(central, grads["reverse"], 1e-6, 1e-6 * scale), (tree, point, central, grads)
