"""The gradient checker finds and names wrong components, and explains finite differences."""

import math

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.cli import main


def f10(x):
    return np.sum(np.sin(x) * x**2) + np.prod(1 + 0.1 * x)


def grad10(x):
    g = np.cos(x) * x**2 + 2 * x * np.sin(x)
    p = np.prod(1 + 0.1 * x)
    return g + p * 0.1 / (1 + 0.1 * x)


X10 = np.linspace(-1.0, 2.0, 10)


def test_a_correct_gradient_passes():
    check = dm.check_gradient(f10, grad10, X10)
    assert check.ok and bool(check) and not check.failures
    assert check.reference_method == "reverse"
    assert "all components agree" in str(check)


def test_a_planted_error_in_one_of_ten_components_is_named():
    def wrong(x):
        g = grad10(x)
        g[6] *= 1.0 + 1e-4  # a small slip in one component
        return g

    check = dm.check_gradient(f10, wrong, X10)
    assert not check.ok
    assert [c.index for c in check.failures] == [6]
    text = str(check)
    assert "1 of 10 components disagree" in text and "x[6]" in text
    bad = check.failures[0]
    assert bad.given == pytest.approx(grad10(X10)[6] * (1 + 1e-4))
    assert bad.rel_error == pytest.approx(1e-4, rel=1e-3)


def test_tolerance_follows_the_floating_point_type():
    g32 = grad10(X10).astype(np.float32)
    assert dm.check_gradient(f10, g32, X10).ok  # float32 rounding is fine for float32 numbers
    assert not dm.check_gradient(f10, g32.astype(float), X10).ok  # but not claimed as float64
    assert dm.check_gradient(f10, g32.astype(float), X10, rtol=1e-6).ok


def test_untraceable_functions_are_checked_against_richardson():
    def opaque(x, y):
        return math.exp(x) * math.sin(y)  # the math module: AD cannot trace it

    check = dm.check_gradient(opaque, lambda x, y: (math.exp(x) * math.sin(y),
                                                    math.exp(x) * math.cos(y)), (0.3, 1.1))
    assert check.ok and check.reference_method == "richardson"
    assert "could not be traced" in check.reason
    bad = dm.check_gradient(opaque, (1.0, 1.0), (0.3, 1.1))
    assert [c.name for c in bad.failures] == ["x", "y"]


def test_the_finite_difference_diagnosis():
    check = dm.check_gradient(SCENARIOS["sweep"].f, SCENARIOS["sweep"].f.__diffmethods_manual__
                              .gradient, 1.5)
    fd = check.finite_difference
    assert fd["dominant"] in ("round-off", "truncation")
    assert fd["rel_error"] < 1e-8 and fd["roundoff"] > 0
    # a huge constant offset makes round-off dominate a central difference
    big = dm.check_gradient(lambda x: 1e12 + x**2, lambda x: 2 * x, 0.5)
    assert big.finite_difference["dominant"] == "round-off" and "larger step" in str(big)


def test_bad_gradients_to_check():
    with pytest.raises(dm.FunctionError, match="2 entries but the point has 3"):
        dm.check_gradient(SCENARIOS["seed"].f, (1.0, 2.0), (2, 3, 4))
    with pytest.raises(dm.FunctionError, match="real numbers"):
        dm.check_gradient(SCENARIOS["seed"].f, ("a", "b", "c"), (2, 3, 4))


def test_check_on_the_command_line(capsys):
    assert main(["check", "3*(x1**2 + x2*x3)", "--grad", "6*x1; 3*x3; 3*x2", "--at", "2,3,4"]) == 0
    assert "all components agree" in capsys.readouterr().out
    assert main(["check", "3*(x1**2 + x2*x3)", "--grad", "6*x1; 3*x2; 3*x2",
                 "--at", "2,3,4"]) == 1
    out = capsys.readouterr().out
    assert "x2: yours 9, reference 12" in out
    assert main(["check", "x1*x2", "--grad", "x2", "--at", "1,2"]) == 2
    assert "--grad has 1 component(s)" in capsys.readouterr().err
