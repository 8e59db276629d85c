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
print("ok", "scipy" in sys.modules)
"""


def test_without_scipy_the_rows_do_not_exist_and_everything_else_works():
    out = subprocess.run([sys.executable, "-c", NO_SCIPY], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "False"]
