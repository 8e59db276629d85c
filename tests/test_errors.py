"""Every kind of bad input gets the package's exception and a message that says what to do."""

import math

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS

from helpers import FROM_F, TRACING

SEED = SCENARIOS["seed"].f
AD = TRACING  # the methods that trace f, from their declarations (complex step included)


def test_unknown_method_lists_the_valid_names():
    with pytest.raises(dm.UnknownMethodError) as e:
        dm.gradient(SEED, (2, 3, 4), method="backprop")
    for name in dm.methods():
        assert name in str(e.value)
    assert "'backprop'" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_manual_without_a_hand_derived_gradient():
    def plain(x1, x2):
        return x1 * x2

    with pytest.raises(dm.NoManualGradientError, match=r"plain has no hand-derived.*@dm\.manual"):
        dm.gradient(plain, (1, 2), method="manual")


def test_manual_gradient_of_the_wrong_length():
    @dm.manual(lambda a, b: (1.0,))
    def f(a, b):
        return a + b

    with pytest.raises(dm.FunctionError, match="returned 1 entries for a point with 2"):
        dm.gradient(f, (1, 2), method="manual")


@pytest.mark.parametrize("point, message", [
    ((), "empty"),
    ([], "empty"),
    (np.array([]), "empty"),
    ((1.0, "a"), r"coordinate 1 .* 'a'"),
    ((1.0, None), "coordinate 1"),
    ((1.0, 2j), "complex"),
    ((True, 1.0), "coordinate 0"),
    ((1.0, float("nan")), r"coordinate 1 .* nan.*finite"),
    ((float("inf"), 1.0), r"coordinate 0 .* inf"),
    (np.array([1.0, np.inf]), "finite"),
    ("1,2", "not str"),
    (None, "not NoneType"),
    ({"x": "a"}, r"the point \('x'\): x\['x'\] is str 'a'"),
    ({}, "empty dict"),
    ((np.ones(2), np.array([1 + 1j])), r"argument 1 \('x2'\): x2 is a complex array"),
    ((np.ones(2), np.array([True])), r"argument 1 .* boolean array"),
    ((np.ones(2), np.array([1, 2])), r"argument 1 .* integer array .*argnums"),
    ((np.ones(2), {"w": [1.0, None]}), r"x2\['w'\]\[1\] is NoneType"),
    ((np.ones(2), []), "empty list"),
    (np.array([[1.0, np.nan]]), r"x\[0, 1\] is nan"),
    ((10**400, 1.0), "too large"),
    (np.array(["a", "b"]), "dtype"),
    (np.array([1 + 1j]), "complex"),
])
def test_bad_points(point, message):
    with pytest.raises(dm.PointError, match=message):
        dm.gradient(lambda *x: 0.0, point, method="reverse")


@pytest.mark.parametrize("method", FROM_F)
def test_arity_mismatch_names_both_counts(method):
    with pytest.raises(dm.FunctionError, match=r"takes 3 positional arguments but the point has 2"):
        dm.gradient(SEED, (1.0, 2.0), method=method)
    with pytest.raises(dm.FunctionError, match="one argument per coordinate pass a tuple"):
        dm.gradient(SEED, np.ones(3), method=method)


def test_f_must_be_callable():
    with pytest.raises(dm.FunctionError, match="callable"):
        dm.gradient(3.0, (1.0,))


@pytest.mark.parametrize("method", FROM_F)
@pytest.mark.parametrize("f, message", [
    (lambda x: x * np.ones(2), r"shape \(2,\)|array"),
    (lambda x: [x, x], "list|jacobian"),
    (lambda x: "x", "not a number"),
    (lambda x: None, "forget a `return`"),
])
def test_f_must_return_one_real_number(method, f, message):
    with pytest.raises(dm.FunctionError, match=message):
        dm.gradient(f, 0.5, method=method)


@pytest.mark.parametrize("method", AD)
def test_complex_numbers_are_refused(method):
    with pytest.raises(dm.UnsupportedOperationError, match="complex numbers are not supported"):
        dm.gradient(lambda x: np.sum(x * 1j), np.ones(2), method=method)
    with pytest.raises(dm.UnsupportedOperationError, match="complex"):
        dm.gradient(lambda x: np.sum(x * np.array([1j, 2.0])), np.ones(2), method=method)


@pytest.mark.parametrize("method", AD)
def test_unsupported_numpy_function_names_function_and_method(method):
    with pytest.raises(dm.UnsupportedOperationError) as e:
        dm.gradient(lambda x: np.sum(np.spacing(x)), np.ones(2), method=method)
    assert "np.spacing" in str(e.value)
    assert method in str(e.value)  # the method is named
    with pytest.raises(dm.UnsupportedOperationError, match=r"np\.fft\.fft is not supported"):
        dm.gradient(lambda x: np.sum(np.fft.fft(x)), np.ones(2), method=method)


@pytest.mark.parametrize("method", AD)
def test_math_module_functions_suggest_numpy(method):
    with pytest.raises(dm.UnsupportedOperationError, match=r"math\.sin\(\).*np\.sin\(\)"):
        dm.gradient(lambda x: math.sin(x), 1.0, method=method)
    with pytest.raises(dm.UnsupportedOperationError, match=r"math\.atan2\(\).*np\.arctan2\(\)"):
        dm.gradient(lambda x, y: math.atan2(x, y), (1.0, 2.0), method=method)
    with pytest.raises(dm.UnsupportedOperationError, match="float()"):
        dm.gradient(lambda x: float(x), 1.0, method=method)


@pytest.mark.parametrize("method", AD)
def test_non_differentiable_python_operators(method):
    with pytest.raises(dm.UnsupportedOperationError, match="//"):
        dm.gradient(lambda x: x // 2, 1.0, method=method)
    with pytest.raises(dm.UnsupportedOperationError, match="index"):
        dm.gradient(lambda x: [1.0, 2.0][x], 1.0, method=method)
    with pytest.raises(dm.UnsupportedOperationError, match="out="):
        dm.gradient(lambda x: np.sin(x, out=np.empty(2)), np.ones(2), method=method)


def test_python_if_under_the_symbolic_method():
    def branchy(x):
        if x > 0:
            return x**2
        return -x

    with pytest.raises(dm.BranchError, match="cannot follow data-dependent branches"):
        dm.gradient(branchy, 1.5, method="symbolic")
    with pytest.raises(dm.BranchError, match="np.where"):
        dm.gradient(lambda x: max(x, 0.0), 1.5, method="symbolic")
    with pytest.raises(dm.BranchError, match="np.where"):
        dm.gradient(lambda x: np.sum(x[x > 0]), np.ones(2), method="symbolic")
    # the other traced methods follow the branch taken at the point
    assert dm.gradient(branchy, 1.5, method="forward")[0] == 3.0
    assert dm.gradient(branchy, -1.5, method="reverse")[0] == -1.0


@pytest.mark.parametrize("options, message", [
    ({"step": 0.0}, "positive"),
    ({"step": -1e-3}, "positive"),
    ({"step": float("nan")}, "positive and finite"),
    ({"rel_step": -0.1}, "positive"),
    ({"step": "big"}, "step must be"),
    ({"step": [1e-3, 1e-3]}, "one per coordinate"),
    ({"step": 1e-3, "rel_step": 0.1}, "not both"),
    ({"scheme": "sideways"}, r"unknown finite-difference scheme 'sideways'.*central"),
    ({"step": 1e-20}, "vanishes"),
])
def test_bad_finite_difference_options(options, message):
    with pytest.raises(dm.OptionError, match=message):
        dm.gradient(SEED, (2, 3, 4), method="finite", **options)


def test_options_of_another_method_are_refused():
    with pytest.raises(dm.OptionError, match=r"'reverse' takes no options; got step=.*'finite'"):
        dm.gradient(SEED, (2, 3, 4), method="reverse", step=1e-6)
    with pytest.raises(dm.OptionError, match="chunk"):
        dm.gradient(SEED, (2, 3, 4), method="forward", chunk=0)


def test_mixing_values_of_two_methods_is_refused():
    outer = {}

    def g(y):
        return y * outer["x"]

    def f(x):
        outer["x"] = x
        return dm.gradient(g, 1.0, method="forward")[0] * x

    with pytest.raises(dm.DiffMethodsError):
        dm.gradient(f, 2.0, method="reverse")


def test_every_error_is_a_diffmethods_error():
    for cls in (dm.UnknownMethodError, dm.OptionError, dm.PointError, dm.FunctionError,
                dm.NoManualGradientError, dm.UnsupportedOperationError, dm.BranchError,
                dm.ExpressionError):
        assert issubclass(cls, dm.DiffMethodsError)


@pytest.mark.parametrize("method", AD)
def test_a_traced_value_stored_into_a_float_array_is_refused_with_the_fix(method):
    """numpy's own "setting an array element with a sequence" never escapes: the message says
    what f did and how to build the array instead."""
    def f(x1, x2):
        buf = np.zeros(2)
        buf[0], buf[1] = x1, x2
        return buf[0] ** 2 + 2 * buf[1]
    with pytest.raises(dm.UnsupportedOperationError, match=r"into a plain numpy array.*np\.stack"):
        dm.gradient(f, (1.0, 2.0), method=method)
    assert dm.gradient(lambda x1, x2: np.stack([x1, x2])[0] ** 2, (1.0, 2.0),
                       method=method).tolist() == [2.0, 0.0]
