"""The elementwise rows of issue 10 at the points the generated table tests avoid: on the
jumps and kinks, where each row's stated convention decides (README, "Conventions where f is
not differentiable"), and the numpy functions that reach the rows through __array_function__."""

import warnings

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT, close


def grad(f, x, m):
    return dm.gradient(f, x, method=m)


@pytest.mark.parametrize("m", EXACT)
def test_rounding_has_derivative_zero_also_on_its_jumps(m):
    for fn in (np.floor, np.ceil, np.trunc, np.rint, np.round, np.around):
        for x in (2.0, 2.5, -1.5, 0.0, 0.7):
            assert grad(lambda x: fn(x) + 3.0 * x, x, m)[0] == 3.0, (fn, x)


@pytest.mark.parametrize("m", EXACT)
def test_np_round_is_rint_and_refuses_other_decimals(m):
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.2])
    # the value numpy gives (half to even), traced: d/dx of x * round(x) is round(x)
    assert close(grad(lambda x: np.sum(x * np.round(x)), x, m), np.round(x), 0)
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.round with decimals=2"):
        grad(lambda x: np.sum(np.round(x, 2)), x, m)


@pytest.mark.parametrize("m", EXACT)
def test_remainder_fmod_and_percent_follow_numpy(m):
    # d/da = 1; d/db = -floor(a/b) for remainder (Python's %), -trunc(a/b) for fmod
    for a, b in [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (-5.5, -2.0), (0.3, 7.0)]:
        assert close(grad(np.remainder, (a, b), m), [1.0, -np.floor(a / b)], 0), (a, b)
        assert close(grad(lambda a, b: a % b, (a, b), m), [1.0, -np.floor(a / b)], 0), (a, b)
        assert close(grad(np.fmod, (a, b), m), [1.0, -np.trunc(a / b)], 0), (a, b)
    # the reflected form: 7 % x
    assert close(grad(lambda x: 7.0 % x, 2.0, m), [-3.0], 0)
    with pytest.raises(dm.UnsupportedOperationError, match="//"):
        grad(lambda x: x // 2.0, 3.0, m)


def test_remainder_values_are_numpys():
    a, b = np.array([5.5, -5.5, 5.5, 1e8 + 0.25]), np.array([2.0, 2.0, -2.0, 0.7])
    for m in EXACT:
        r = dm.differentiate(lambda a: np.sum(a % b * np.array([1.0, 10, 100, 1000])), a,
                             method=m)
        assert r.value == pytest.approx(float(np.sum(np.remainder(a, b) * [1, 10, 100, 1000])),
                                        rel=1e-15), m


@pytest.mark.parametrize("m", EXACT)
def test_clip_inside_outside_and_on_its_bounds(m):
    x = np.array([-2.0, -1.0, 0.3, 1.0, 3.0])
    expected = [0.0, 0.5, 1.0, 0.5, 0.0]  # on a bound: the tie of maximum/minimum, 1/2
    assert close(grad(lambda x: np.sum(np.clip(x, -1.0, 1.0)), x, m), expected, 0)
    assert close(grad(lambda x: np.sum(x.clip(-1.0, 1.0)), x, m), expected, 0)
    assert close(grad(lambda x: np.sum(np.clip(x, min=0.0)), x, m), [0, 0, 1, 1, 1], 0)
    assert close(grad(lambda x: np.sum(x.clip(max=0.0)), x, m), [1, 1, 0, 0, 0], 0)
    # traced bounds: d clip(2, lo, 1)/d lo = 0, d/d hi = 1
    assert close(grad(lambda lo, hi: np.clip(2.0, lo, hi), (0.0, 1.0), m), [0.0, 1.0], 0)
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.clip"):
        grad(lambda x: np.sum(np.clip(x)), x, m)


@pytest.mark.parametrize("m", EXACT)
def test_heaviside_is_flat_in_x_and_reads_h0_at_zero(m):
    assert close(grad(np.heaviside, (0.0, 0.3), m), [0.0, 1.0], 0)
    assert close(grad(np.heaviside, (-2.0, 0.3), m), [0.0, 0.0], 0)
    assert close(grad(np.heaviside, (2.0, 0.3), m), [0.0, 0.0], 0)


@pytest.mark.parametrize("m", EXACT)
def test_fabs_copysign_fmax_fmin_at_their_kinks(m):
    assert grad(np.fabs, 0.0, m)[0] == 0.0
    assert grad(np.fabs, -3.0, m)[0] == -1.0
    assert close(grad(np.copysign, (2.0, -1.0), m), [-1.0, 0.0], 0)
    assert close(grad(np.copysign, (-2.0, 1.0), m), [-1.0, 0.0], 0)
    assert close(grad(np.copysign, (0.0, 1.0), m), [0.0, 0.0], 0)
    assert close(grad(np.fmax, (1.0, 1.0), m), [0.5, 0.5], 0)
    assert close(grad(np.fmin, (1.0, 2.0), m), [1.0, 0.0], 0)


@pytest.mark.parametrize("m", EXACT)
def test_logaddexp_far_apart_neither_overflows_nor_cancels(m):
    g = grad(np.logaddexp, (1000.0, 0.0), m)
    assert g[0] == 1.0 and 0.0 <= g[1] < 1e-300
    g = grad(np.logaddexp, (0.0, -40.0), m)
    assert g[1] == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-13)
    assert close(grad(np.logaddexp2, (3.0, 3.0), m), [0.5, 0.5], 1e-15)


@pytest.mark.parametrize("m", EXACT)
def test_real_imag_conj_angle_of_real_values(m):
    x = np.array([-2.0, 0.5, 3.0])
    assert close(grad(lambda x: np.sum(np.real(x) ** 2), x, m), 2 * x, 0)
    assert close(grad(lambda x: np.sum(np.imag(x) + x), x, m), [1, 1, 1], 0)
    assert close(grad(lambda x: np.sum(np.conj(x) * x), x, m), 2 * x, 0)
    assert close(grad(lambda x: np.sum(np.conjugate(x)), x, m), [1, 1, 1], 0)
    r = dm.differentiate(lambda x: np.sum(np.angle(x) + x), x, method=m)
    assert close(r.gradient, [1, 1, 1], 0) and r.value == pytest.approx(np.pi + 1.5)
    assert dm.differentiate(lambda x: np.angle(x, deg=True), -1.0, method=m).value == 180.0


@pytest.mark.parametrize("m", EXACT)
def test_reciprocal_and_degrees(m):
    assert grad(np.reciprocal, 4.0, m)[0] == pytest.approx(-1 / 16, rel=1e-15)
    for fn, factor in ((np.deg2rad, np.pi / 180), (np.radians, np.pi / 180),
                       (np.rad2deg, 180 / np.pi), (np.degrees, 180 / np.pi)):
        assert grad(fn, 1.0, m)[0] == pytest.approx(factor, rel=1e-15)


@pytest.mark.parametrize("m", [m for m in EXACT if m != "symbolic"])
def test_nan_to_num_is_the_identity_where_finite(m):
    x = np.array([-2.0, 0.5, 4.0])  # log(-2) is nan: replaced by 0, derivative 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # f is defined: no DomainWarning either
        r = dm.differentiate(lambda x: np.sum(np.nan_to_num(np.log(x))), x, method=m)
    assert close(r.gradient, [0.0, 2.0, 0.25], 1e-15)
    assert r.value == pytest.approx(np.log(0.5) + np.log(4.0))
    assert close(grad(lambda x: np.sum(np.nan_to_num(x) ** 2), x, m), 2 * x, 0)


def test_nan_to_num_in_the_symbolic_method_keeps_x_and_says_so():
    x = np.array([0.5, 4.0])
    assert close(grad(lambda x: np.sum(np.nan_to_num(np.log(x))), x, "symbolic"), 1 / x, 1e-15)
    # where a value is not finite it has no value to test: nan with a warning, not 0
    with pytest.warns(dm.errors.DomainWarning):
        g = grad(lambda x: np.sum(np.nan_to_num(np.log(x))), np.array([-2.0, 4.0]), "symbolic")
    assert np.isnan(g).all()


@pytest.mark.parametrize("m", EXACT)
def test_sinc_at_and_near_zero(m):
    # sinc'(0) = 0, and near 0 the series: -pi^2 x / 3, not the cancelling (cos - sinc) / x
    assert grad(np.sinc, 0.0, m)[0] == 0.0
    assert grad(np.sinc, 1e-8, m)[0] == pytest.approx(-np.pi**2 * 1e-8 / 3, rel=1e-12)
    assert grad(np.sinc, 1.0, m)[0] == pytest.approx(-1.0, rel=1e-14)


@pytest.mark.parametrize("m", EXACT)
def test_ldexp_scales_by_two_to_the_integer_exponent(m):
    x, i = np.array([0.3, -1.5, 2.0]), np.array([3, -2, 0])
    r = dm.differentiate(lambda x: np.sum(np.ldexp(x, i) * np.array([1.0, 2.0, 3.0])), x, method=m)
    assert close(r.gradient, [8.0, 0.5, 3.0], 0)
    assert r.value == float(np.sum(np.ldexp(x, i) * [1.0, 2.0, 3.0]))
    assert grad(lambda x: np.ldexp(x, 5), 1.25, m)[0] == 32.0
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.ldexp.*integer data"):
        grad(lambda x, e: np.ldexp(x, e), (1.0, 2.0), m)
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.ldexp.*integer exponent"):
        grad(lambda x: np.ldexp(x, 2.0), 1.0, m)
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.ldexp.*1022"):
        grad(lambda x: np.ldexp(x, 1100), 1.0, m)


def test_systematic_ldexp():
    from systematic import RNG, check_function
    check_function(lambda x: np.ldexp(x, np.array([[1, -3, 0], [2, 5, -1]])),
                   RNG.normal(size=(2, 3)))


def test_sinc_of_a_value_sympy_cannot_prove_real_compiles():
    """np.sinc's derivative switches to its series where |x| < 1/4; written with sympy's Abs,
    exp(arcsin(x)) inside it became exp(re(t)) and the compiled code raised NameError: 're'
    (found by the random-expression test)."""
    import numpy as np
    f = lambda x: np.sinc(np.exp(np.arcsin(x)))  # noqa: E731
    for x in (-0.9, 0.1, 0.5):
        assert dm.gradient(f, x, method="symbolic") == pytest.approx(
            dm.gradient(f, x, method="reverse"), rel=1e-12)


@pytest.mark.parametrize("module", ["math", "numpy", "mpmath"])
def test_compiled_code_reads_re_and_im_of_real_values(module):
    import sympy
    from diffmethods.symfuncs import LAMBDIFY_NAMESPACES
    t = sympy.Symbol("t")  # not declared real, as a common-subexpression temporary is not
    fn = sympy.lambdify(t, sympy.re(t) + sympy.im(t), modules=[LAMBDIFY_NAMESPACES[module],
                                                               module])
    assert float(fn(2.5)) == 2.5
