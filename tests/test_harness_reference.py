"""The 50-digit reference: really ~50 correct digits, every catalogue function, honest gaps."""

import math

import mpmath
import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.expr import parse_expression
from diffmethods.harness.reference import reference_gradient

EPS = np.finfo(float).eps


def _mp(x):
    return mpmath.mpf(float(x))


# (f for diffmethods, the same f written in mpmath, point): mpmath.diff is an independent check
INDEPENDENT = [
    (SCENARIOS["sweep"].f, lambda x: mpmath.exp(x) / mpmath.sqrt(mpmath.sin(x)**3
                                                                 + mpmath.cos(x)**3), (1.5,)),
    (parse_expression("log1p(x1) * expm1(x2) + exp2(x1) - log2(x2) + log10(x1 + x2)"),
     lambda a, b: (mpmath.log1p(a) * mpmath.expm1(b) + mpmath.power(2, a) - mpmath.log(b, 2)
                   + mpmath.log10(a + b)), (0.3, 1.7)),
    (parse_expression("hypot(x1, x2) + cbrt(x1 - 2) + abs(x2 - 3) * sign(x1)"),
     lambda a, b: (mpmath.hypot(a, b) + mpmath.sign(a - 2) * mpmath.cbrt(abs(a - 2))
                   + abs(b - 3) * mpmath.sign(a)), (0.3, 1.7)),
    (parse_expression("atan2(x1, x2) * tanh(x2) + acosh(x2 + 1) / asinh(x1) + atanh(x1 / 2)"),
     lambda a, b: (mpmath.atan2(a, b) * mpmath.tanh(b) + mpmath.acosh(b + 1) / mpmath.asinh(a)
                   + mpmath.atanh(a / 2)), (0.3, 1.7)),
    (SCENARIOS["three_hump_camel"].f,  # float constants such as 1.05 are taken as stored
     lambda x, y: (2 * x**2 - _mp(1.05) * x**4 + x**6 / 6 + x * y + y**2), (0.5, -0.3)),
]


@pytest.mark.parametrize("f, mp_f, point", INDEPENDENT)
def test_reference_has_about_50_correct_digits(f, mp_f, point):
    ref = reference_gradient(f, point if len(point) > 1 else point[0])
    assert ref.available and ref.verified_digits >= 50
    with mpmath.workdps(70):
        x = [_mp(v) for v in point]
        for i in range(len(x)):
            def along(t, i=i):
                y = list(x)
                y[i] = t
                return mp_f(*y)
            exact = mpmath.diff(along, x[i])
            assert abs(ref.gradient[i] - exact) <= mpmath.mpf(10)**-48 * max(1, abs(exact))


def test_log1p_keeps_its_digits_for_tiny_arguments():
    # log(1 + x) would round 1 + 1e-30 to 1 at 50 digits' working precision minus guard
    ref = reference_gradient(parse_expression("log1p(x) * 1e30"), 1e-30)
    with mpmath.workdps(80):
        exact = _mp(1e30) / (1 + _mp(1e-30))  # the literal 1e30 as float64 stores it
        assert abs(ref.gradient[0] - exact) / exact < mpmath.mpf(10)**-49


@pytest.mark.parametrize("name", [n for n, s in SCENARIOS.items()
                                  if not {"branching", "no-symbolic"} & s.tags])
def test_reference_matches_the_hand_derived_gradients(name):
    s = SCENARIOS[name]
    ref = reference_gradient(s.f, s.point)
    assert ref.available, ref.reason
    hand = dm.gradient(s.f, s.point, method="manual")
    _, rel = ref.errors(hand)
    assert rel <= 8 * EPS


def test_python_if_has_no_reference_and_says_why():
    ref = reference_gradient(SCENARIOS["huber"].f, SCENARIOS["huber"].point)
    assert not ref.available and ref.gradient is None
    assert "Python `if`" in ref.reason and ref.describe().startswith("unavailable:")


@pytest.mark.parametrize("text, point, why", [
    ("sqrt(x)", -1.0, "not real"),
    ("log(x)", 0.0, "not finite"),
    ("1/x", 0.0, "cannot be evaluated"),
])
def test_points_outside_the_domain_have_no_reference(text, point, why):
    ref = reference_gradient(parse_expression(text), point)
    assert not ref.available and why in ref.reason


def test_errors_are_normwise_and_exact_for_exact_input():
    ref = reference_gradient(lambda x1, x2: x1**2 + 3 * x2, (1.0, 0.0))   # gradient (2, 3)
    assert ref.errors([2.0, 3.0]) == (0.0, 0.0)
    abs_err, rel = ref.errors([2.0, 3.0 + 3e-6])
    assert math.isclose(abs_err, 3e-6, rel_tol=1e-9) and math.isclose(rel, 1e-6, rel_tol=1e-9)
    assert all(math.isnan(v) for v in ref.errors([float("nan"), 3.0]))


def test_piecewise_from_np_where_is_evaluated():
    f = lambda x: np.where(x > 1, x**3, -x)  # noqa: E731
    assert float(reference_gradient(f, 2.0).gradient[0]) == 12.0
    assert float(reference_gradient(f, 0.5).gradient[0]) == -1.0


@pytest.mark.parametrize("text, point", [
    ("x**x**x**x**x", 3.0),        # was a MemoryError: 3**(3**27) in the exponent
    ("exp(exp(exp(x)))", 30.0),    # was a MemoryError
    ("sin(exp(exp(x)))", 20.0),    # hung: sin of a 2e8-digit number
    ("1 / (1 + exp(exp(x)))", 10.0),  # 10^9565 in the middle, though f is a tiny number
])
def test_the_reference_bounds_its_work_and_says_why(text, point):
    ref = reference_gradient(parse_expression(text), point)
    assert not ref.available
    assert "beyond the reference's range of 10^±4932" in ref.reason, ref.reason
    assert ref.describe().startswith("unavailable: ")


def test_values_inside_the_range_are_still_referenced():
    ref = reference_gradient(parse_expression("exp(exp(x))"), 7.0)  # exp(1097): 10^476
    assert ref.available and ref.verified_digits >= 50
    with mpmath.workdps(70):
        exact = mpmath.exp(mpmath.exp(7) + 7)
        assert abs(ref.gradient[0] - exact) <= mpmath.mpf(10)**-48 * exact


def test_an_exhausted_time_budget_makes_the_reference_unavailable():
    # budget=0: the deadline has passed before the first node (no timing decides this test)
    ref = reference_gradient(lambda x: x**3, 2.0, budget=0)
    assert not ref.available and "longer than its budget" in ref.reason


@pytest.mark.parametrize("options", [{"digits": 0}, {"digits": 10**6}, {"digits": 2.5},
                                     {"digits": True}, {"budget": -1}, {"budget": "1"}])
def test_bad_digits_or_budget_are_refused(options):
    with pytest.raises(dm.OptionError, match="digits|budget"):
        reference_gradient(lambda x: x**3, 2.0, **options)


def test_the_comparison_table_shows_why_the_reference_is_missing():
    rows = dm.compare(parse_expression("x**x**x**x**x"), 3.0, methods=["reverse"], repeat=1)
    reference = rows[0]["reference"]
    assert reference["kind"] == "unavailable" and "range" in reference["reason"]
    assert rows[0]["abs_error"] is None  # no error is made up without a reference


# --- issue 10: the newer rows and np.max/np.min have references too ---------------------------
def _newer_rows():
    rows = [
        (lambda x: np.max(x) * x[0] + np.min(x**2), lambda a, b, c: max(a, b, c) * a
         + min(a * a, b * b, c * c), (0.3, 1.7, -0.9)),
        # (no constant inside exp: sympy would round exp(1.0) to a float64 number when tracing)
        (lambda x: np.sum(np.logaddexp(x, 2 * x) + np.sinc(x) + np.floor(x) * x),
         lambda *v: sum(mpmath.log(mpmath.exp(t) + mpmath.exp(2 * t)) + mpmath.sincpi(t)
                        + mpmath.floor(t) * t for t in v), (0.3, 1.7, -0.9)),
        (lambda x: np.sum(np.fmod(x, 0.7) + np.heaviside(x, 0.5) * x),
         lambda *v: sum(mpmath.fmod(t, _mp(0.7)) + (t if t > 0 else 0) for t in v),
         (0.3, 1.7, -0.9)),
    ]
    try:
        import scipy.special as sc
    except ImportError:
        return rows
    from diffmethods import special
    rows += [
        (lambda x: np.sum(sc.erf(x) + sc.erfc(x) * x + sc.expit(x) + sc.log_ndtr(x)),
         lambda *v: sum(mpmath.erf(t) + mpmath.erfc(t) * t + 1 / (1 + mpmath.exp(-t))
                        + mpmath.log(mpmath.ncdf(t)) for t in v), (0.3, 1.7, -0.9)),
        (lambda x: np.sum(sc.gammaln(x) + sc.digamma(x) + sc.xlogy(x, x + 2)
                          + sc.xlog1py(x, x) + sc.logit(x / 4)),
         lambda *v: sum(mpmath.log(abs(mpmath.gamma(t))) + mpmath.digamma(t)
                        + t * mpmath.log(t + 2) + t * mpmath.log1p(t)
                        + mpmath.log(t / 4 / (1 - t / 4)) for t in v), (0.3, 1.7, 2.9)),
        (lambda x: special.logsumexp(x) + special.log_softmax(x)[1],
         lambda *v: v[1], (0.3, 1.7, -0.9)),  # log_softmax(x)[1] = x1 - logsumexp(x)
    ]
    return rows


@pytest.mark.parametrize("f, mp_f, point", _newer_rows())
def test_the_newer_rows_and_max_min_have_50_digit_references(f, mp_f, point):
    ref = reference_gradient(f, np.array(point))
    assert ref.available, ref.reason
    assert ref.verified_digits >= 45
    with mpmath.workdps(70):
        x = [_mp(v) for v in point]
        for i in range(len(x)):
            def along(t, i=i):
                y = list(x)
                y[i] = t
                return mp_f(*y)
            exact = mpmath.diff(along, x[i])
            assert abs(ref.gradient[i] - exact) <= mpmath.mpf(10)**-45 * max(1, abs(exact)), i


def test_the_reference_shares_a_tie_of_np_max_as_every_method_does():
    f = lambda x: np.max(x)
    ref = reference_gradient(f, np.array([2.0, 2.0, 1.0]))
    assert ref.available and [float(g) for g in ref.gradient] == [0.5, 0.5, 0.0]
    assert close_enough(ref.as_floats(), dm.gradient(f, np.array([2.0, 2.0, 1.0])))


def close_enough(a, b):
    return np.allclose(a, b, rtol=0, atol=0)
