"""The operation table checks itself, and every method agrees on every row."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import diffmethods as dm
from diffmethods.ops import OPS, ieee, intervals, load_special_rows

from helpers import EXACT, close
from strategies import evaluate, expressions

load_special_rows()  # scipy.special's rows too, when scipy is installed
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


# --- the partials keep their relative accuracy in the tails and near the domain edges ---------
# A partial written from the output cancels where the output saturates (1 - tanh(x)**2 is 0
# for x > 19, y + 1 for expm1 is 0 below -37); one written as 1 - x*x keeps only a few digits
# near |x| = 1. Every row is checked at such points against its exact partial at 50 digits.
_HARD = [s * v for v in (1e-300, 1e-20, 1e-8, 0.3, 1 - 2**-30, 1 + 2**-30, 2.5, 19.5, 40.0,
                         700.0, 1e20, 1e200) for s in (1.0, -1.0)]
_HARD2 = [s * v for v in (1e-200, 1e-8, 0.7, 3.0, 1e8, 1e200) for s in (1.0, -1.0)]


def _sympy_own(op, symbols):
    """The row's function as sympy itself defines it (and differentiates it)."""
    expr = op.sympy(*symbols)
    if type(expr).__module__ == "diffmethods.ops":  # a table class with a stable derivative
        expr = type(expr).__mro__[1](*symbols)
    return expr


@pytest.mark.parametrize("name", ROWS)
def test_partials_keep_their_digits_in_the_tails(name):
    import mpmath
    from diffmethods.harness.reference import NotEvaluable, evaluate

    op = OPS[name]
    symbols = sympy.symbols(f"a0:{op.arity}", real=True)
    expr = _sympy_own(op, symbols)
    exact_partials = [sympy.diff(expr, s) for s in symbols]
    points = [(v,) for v in _HARD] if op.arity == 1 else [(a, b) for a in _HARD2 for b in _HARD2]
    checked = 0
    for values in points:
        if name in ("absolute", "sign", "fabs") and values[0] == 0 or \
                name in ("maximum", "minimum", "fmax", "fmin") and values[0] == values[1] or \
                name == "sinc" and abs(values[0]) > 1e15:  # 50 digits cannot reduce pi * x
            continue
        with np.errstate(all="ignore"):
            out = op.value(*values) if np.isfinite(op.ufunc(*values)) else None
        if out is None:
            continue
        for k, partial in enumerate(exact_partials):
            with mpmath.workdps(50):
                try:
                    exact = evaluate(partial, {s: mpmath.mpf(v) for s, v in zip(symbols, values)})
                except NotEvaluable:
                    continue
                if not 1e-290 < abs(exact) < 1e290:
                    continue  # subnormal or beyond float64: no relative accuracy to keep
                got = ieee(op.partials[k], out, *values)
                assert np.isfinite(got) and abs(mpmath.mpf(got) - exact) <= 1e-13 * abs(exact), \
                    (name, k, values, got, float(exact))
            checked += 1
    # heaviside's partial in h0 is 1 only at x == 0, which no tail point is; logit's domain
    # (0, 1) holds four of them
    assert checked >= (4 if name == "logit" else 5) or all(p == 0 for p in exact_partials) \
        or name == "heaviside", name


@pytest.mark.parametrize("name", [n for n in ROWS
                                  if getattr(OPS[n].sympy_spec, "stable_derivative", False)])
def test_stable_sympy_derivatives_equal_sympys_own(name):
    """The rows that replace sympy's derivative rule (it cancels) replace it by an equal one."""
    op = OPS[name]
    x = sympy.Symbol("x", real=True)
    ours, theirs = sympy.diff(op.sympy(x), x), sympy.diff(_sympy_own(op, (x,)), x)
    assert ours != theirs  # really a different formula ...
    for v in (-0.9, -0.3, 0.2, 0.7, 1.3, 4.0):  # ... of the same function
        v = sympy.Rational(v)  # exact, so the 40 digits are all meaningful
        difference = abs(complex((ours - theirs).subs(x, v).evalf(40)))
        assert difference <= 1e-30 * max(1.0, abs(complex(theirs.subs(x, v).evalf(40)))), (name, v)


def test_tanh_and_expm1_no_longer_cancel_in_any_exact_method():
    # the cases: 1 - tanh(20)**2 was 0 (truth 1.7e-17); tanh(expm1(x)) at 3.341 had
    # relative error 1.0; expm1's y + 1 was 0 at -40 (truth 4.2e-18)
    cases = [(np.tanh, 20.0, 4 * np.exp(-40.0) / (1 + np.exp(-40.0))**2),
             (lambda x: np.tanh(np.expm1(x)), 3.341,
              float(np.exp(3.341) / np.cosh(np.expm1(3.341))**2)),
             (np.expm1, -40.0, float(np.exp(-40.0)))]
    for f, x, exact in cases:
        for m in EXACT:
            g = dm.gradient(f, x, method=m)[0]
            assert g == pytest.approx(exact, rel=1e-13), (m, x, g, exact)


def test_power_with_exponent_zero_has_derivative_zero_at_zero():
    # x**0 = 1 everywhere: its derivative is 0, also at 0 (b a**(b-1) there is 0 * inf = nan)
    for m in EXACT:
        assert dm.gradient(lambda x: x**0, 0.0, method=m)[0] == 0.0, m
        assert dm.gradient(lambda x: x**0.0 + x, 0.0, method=m)[0] == 1.0, m


@pytest.mark.parametrize("name", [n for n in ROWS if OPS[n].radius is not None])
def test_the_radius_column_marks_the_domain(name):
    """radius <= 0 where the real function is undefined (< 0 outside the domain, 0 at a pole such
    as 0/0), >= 0 where a unary one is defined, > 0 inside the sampling domain: the complex step
    and the undefined-point policy rely on it."""
    op = OPS[name]
    grid = np.concatenate([np.linspace(-4, 4, 81), [-1.0, 0.0, 1.0, -0.0]])
    pairs = ([(v,) for v in grid] if op.arity == 1
             else [(a, b) for a in grid[::4] for b in grid[::4]])
    for values in pairs:
        with np.errstate(all="ignore"):
            undefined = np.isnan(op.ufunc(*values))
        radii = [float(r(*values)) for r in op.radius if r is not None]
        if undefined:
            assert min(radii) <= 0, (name, values)
        elif op.arity == 1:
            assert radii[0] >= 0, (name, values)
    rng = np.random.default_rng(2)
    for _ in range(30):
        values = [sample_in(rng, spec) for spec in op.domain]
        assert all(r(*values) > 0 for r in op.radius if r is not None), (name, values)
