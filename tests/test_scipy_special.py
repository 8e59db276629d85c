"""scipy.special on traced values (issue 10): the ufunc rows at their conventions, and scipy
staying optional -- without it the rows do not exist and nothing fails to import."""

import subprocess
import sys

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT, close

sc = pytest.importorskip("scipy.special")


def grad(f, x, m):
    return dm.gradient(f, x, method=m)


@pytest.mark.parametrize("m", EXACT)
def test_xlogy_and_xlog1py_are_flat_in_y_where_x_is_zero(m):
    # scipy: xlogy(0, y) = 0 for every y, so d/dy = 0 there; d/dx = log(y)
    assert close(grad(sc.xlogy, (0.0, 2.0), m), [np.log(2.0), 0.0], 1e-15)
    assert close(grad(sc.xlog1py, (0.0, -0.5), m), [np.log(0.5), 0.0], 1e-15)
    assert close(grad(sc.xlog1py, (0.0, 0.0), m), [0.0, 0.0], 0)
    # at x = y = 0, d/dx = log(0) = -inf: undefined, nan with a warning (never a number)
    with pytest.warns(dm.errors.DomainWarning):
        g = grad(sc.xlogy, (0.0, 0.0), m)
    assert np.isnan(g[0])


@pytest.mark.parametrize("m", EXACT)
def test_special_rows_far_in_their_tails(m):
    # log_ndtr'(x) = phi/Phi ~ -x for x << 0: no overflow, no 0/0
    assert grad(sc.log_ndtr, -40.0, m)[0] == pytest.approx(40.02496, rel=1e-6)
    assert grad(sc.expit, -800.0, m)[0] == 0.0 and grad(sc.expit, 30.0, m)[0] > 0
    assert grad(sc.erfc, 3.0, m)[0] == pytest.approx(-2 / np.sqrt(np.pi) * np.exp(-9.0),
                                                      rel=1e-13)


@pytest.mark.parametrize("m", EXACT)
def test_gammaln_is_log_abs_gamma_also_left_of_zero(m):
    # d log|Gamma(x)| = digamma(x) on both sides of the pole at -3
    for x in (-2.5, -3.5, 4.0):
        assert grad(sc.gammaln, x, m)[0] == pytest.approx(sc.digamma(x), rel=1e-12), x
    assert grad(sc.digamma, 2.0, m)[0] == pytest.approx(np.pi**2 / 6 - 1, rel=1e-13)
    assert grad(sc.psi, 2.0, m)[0] == pytest.approx(np.pi**2 / 6 - 1, rel=1e-13)


@pytest.mark.parametrize("m", ["reverse", "symbolic"])
def test_second_derivatives_of_the_special_rows(m):
    # a Hessian runs the tape on dual numbers: digamma's derivative polygamma(1, x) is an op
    f = lambda x: sc.gammaln(x) + sc.log_ndtr(x) + sc.expit(x)
    x = 1.5
    h = float(dm.hessian(f, x, method=m)[0, 0])
    central = float(dm.hessian(f, x, method="finite")[0, 0])
    assert h == pytest.approx(central, rel=1e-5)
    assert float(dm.hessian(sc.gammaln, x, method=m)[0, 0]) == pytest.approx(
        float(sc.polygamma(1, x)), rel=1e-13)


def test_a_scipy_ufunc_without_a_row_is_refused_by_its_scipy_name():
    for m in EXACT:
        with pytest.raises(dm.UnsupportedOperationError, match=r"scipy\.special\.gamma is not"):
            grad(lambda x: sc.gamma(x), 1.5, m)


NO_SCIPY = """
import sys
class Blocked:  # import scipy fails, as where it is not installed
    def find_spec(self, name, path=None, target=None):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("scipy is blocked")
sys.meta_path.insert(0, Blocked())
import numpy as np
import diffmethods as dm
from diffmethods.ops import OPS, load_special_rows
assert not load_special_rows() and "erf" not in OPS and "expit" not in OPS
for m in ("forward", "reverse", "symbolic", "complex-step"):
    g = dm.gradient(lambda x: np.sum(np.exp(x) * np.tanh(x)), np.array([0.5, 1.0]), method=m)
    assert abs(g[0] - (np.exp(0.5) * (np.tanh(0.5) + 1 / np.cosh(0.5) ** 2))) < 1e-12, (m, g)
from diffmethods.special import logsumexp  # needs numpy only
g = dm.gradient(lambda x: logsumexp(x), np.log(np.array([1.0, 3.0])), method="reverse")
assert abs(g[0] - 0.25) < 1e-15 and abs(g[1] - 0.75) < 1e-15, g
print("ok", "scipy" in sys.modules)
"""


def test_without_scipy_the_rows_do_not_exist_and_everything_else_works():
    out = subprocess.run([sys.executable, "-c", NO_SCIPY], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "False"]


# --- logsumexp, softmax, log_softmax: diffmethods.special, and scipy's own refused by name ---
from diffmethods import special  # noqa: E402
from systematic import RNG, check_function  # noqa: E402

A = RNG.normal(size=(3, 4))
W = RNG.uniform(0.5, 2.0, size=(3, 4))
SIGNED = W * np.array([1.0, -1.0, 1.0, 1.0])  # a negative weight: the sign is returned


@pytest.mark.parametrize("line", [
    lambda a: special.logsumexp(a),
    lambda a: special.logsumexp(a, axis=1),
    lambda a: special.logsumexp(a, axis=0, keepdims=True),
    lambda a: special.logsumexp(a, axis=(0, 1)),
    lambda a: special.logsumexp(a, axis=1, b=W),
    lambda a: special.logsumexp(a, axis=1, b=SIGNED, return_sign=True)[0],
    lambda a: special.logsumexp(a, b=a * a),  # traced weights
    lambda a: special.softmax(a),
    lambda a: special.softmax(a, axis=0),
    lambda a: special.log_softmax(a, axis=1),
    lambda a: special.log_softmax(a, axis=-1) * 3.0 + special.softmax(a, axis=1),
], ids=["lse", "lse-axis", "lse-keepdims", "lse-tuple-axis", "lse-b", "lse-sign", "lse-traced-b",
        "softmax", "softmax-axis", "log_softmax", "both"])
def test_systematic_logsumexp_softmax_log_softmax(line):
    check_function(line, A)


def test_the_compositions_give_scipys_values():
    assert special.logsumexp(A) == pytest.approx(sc.logsumexp(A), rel=1e-15)
    assert close(special.logsumexp(A, axis=0, b=W, keepdims=True),
                 sc.logsumexp(A, axis=0, b=W, keepdims=True), 1e-15)
    ours, theirs = (f(A, axis=1, b=SIGNED, return_sign=True)
                    for f in (special.logsumexp, sc.logsumexp))
    assert close(ours[0], theirs[0], 1e-15) and close(ours[1], theirs[1], 0)
    assert close(special.softmax(A, axis=1), sc.softmax(A, axis=1), 1e-15)
    assert close(special.log_softmax(A), sc.log_softmax(A), 1e-15)
    big = np.array([1000.0, 1000.0, -np.inf])  # shifted: no overflow; -inf contributes 0
    assert special.logsumexp(big) == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    assert special.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    masked = np.array([np.inf, 1.0, 2.0]), np.array([0.0, 1.0, 1.0])  # b = 0 leaves a term out
    assert special.logsumexp(masked[0], b=masked[1]) == pytest.approx(
        sc.logsumexp(masked[0], b=masked[1]), rel=1e-15)
    for m in EXACT:
        g = grad(lambda x: special.logsumexp(x, b=np.array([0.0, 1.0, 1.0])),
                 np.array([5.0, 1.0, 2.0]), m)
        assert close(g, [0.0, 1 / (1 + np.e), np.e / (1 + np.e)], 1e-14), m


@pytest.mark.parametrize("m", EXACT)
def test_large_values_do_not_overflow_in_any_method(m):
    x = np.array([1000.0, 1001.0])
    g = grad(lambda x: special.logsumexp(x), x, m)
    assert close(g, [1 / (1 + np.e), np.e / (1 + np.e)], 1e-14)


@pytest.mark.parametrize("m", EXACT)
def test_scipys_own_logsumexp_is_refused_by_name_with_the_fix(m):
    for name in ("logsumexp", "softmax", "log_softmax"):
        scipys = getattr(sc, name)
        with pytest.raises(dm.UnsupportedOperationError,
                           match=rf"scipy\.special\.{name} converts .*diffmethods\.special\.{name}"):
            grad(lambda x: np.sum(scipys(x)), np.array([1.0, 2.0]), m)
    with pytest.raises(dm.UnsupportedOperationError, match=r"scipy\.special\.polygamma"):
        grad(lambda x: np.sum(sc.polygamma(1, x)), np.array([1.0, 2.0]), m)


def test_np_array_of_traced_values_still_reads_them_as_a_sequence():
    # Traced.__array__ is absent outside scipy: np.array([...]) of traced scalars still works
    f = lambda x, y: np.sum(np.array([x * y, x + y]) * np.array([2.0, 3.0]))
    for m in EXACT:
        assert close(grad(f, (1.5, 2.0), m), [2 * 2.0 + 3, 2 * 1.5 + 3], 1e-15), m


SPECIAL_ROWS = ["expit", "logit", "erf", "erfc", "gammaln", "digamma", "log_ndtr", "xlogy",
                "xlog1py"]


@pytest.mark.parametrize("name", SPECIAL_ROWS)
def test_systematic_special_ufuncs_on_arrays(name):
    from diffmethods.ops import OPS, intervals, load_special_rows
    assert load_special_rows()
    op = OPS[name]
    columns = []
    for spec in op.domain:  # a 2 x 3 array per argument, drawn from the row's domain
        lo, hi = intervals(spec)[-1]
        columns.append(RNG.uniform(lo, hi, size=(2, 3)))
    check_function(lambda *args: getattr(sc, name)(*args), *columns)
