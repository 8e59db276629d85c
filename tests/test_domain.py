"""The one policy for undefined points (diffmethods.domain), the same for every method."""

import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.errors import DomainError, DomainWarning

METHODS = [m for m in dm.methods() if m != "manual"]


def gradient_and_warnings(f, point, method):
    """The gradient and the warnings it raised (all of them, also repeated ones)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = dm.gradient(f, point, method=method)
    return g, caught


def domain_messages(caught):
    return [str(w.message) for w in caught if issubclass(w.category, DomainWarning)]


# f undefined at the point: (f, point, what the warning must name). np.divide keeps IEEE
# rules where f runs on plain Python floats (finite differences): a / 0 there is Python's own
# ZeroDivisionError, raised by f itself.
UNDEFINED = [
    (lambda a, b: np.log(a) * b, (-1.0, 2.0), "log(-1.0) is nan (outside the domain of log)"),
    (lambda a, b: a * np.nan + b, (1.0, 2.0), "non-finite constant"),
    (lambda a: np.divide(a, 0.0), 1.0, "divide(1.0, 0.0) is inf (a division by zero)"),
    (lambda a, b: np.divide(a, b), (1.0, 0.0), "a division by zero"),
    (lambda x: np.exp(x) + 1, 800.0, "exp(800.0) is inf (an overflow)"),
    (lambda x: np.sum(np.sqrt(x)), np.array([1.0, -4.0, 2.0]), "sqrt(-4.0) (element 1) is nan"),
    (lambda x: np.arcsin(x) - x, 2.0, "outside the domain of arcsin"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f, point, named", UNDEFINED)
def test_an_undefined_point_gives_nan_and_one_warning_that_names_the_operation(
        f, point, named, method):
    # was: log(-1) gave the gradient -1 in reverse, forward and symbolic; a*nan + b gave
    # [0, 0] symbolically and [nan, 1] in reverse; a / 0 four different answers
    g, caught = gradient_and_warnings(f, point, method)
    assert np.all(np.isnan(g)), (method, g)
    messages = domain_messages(caught)
    assert len(messages) == 1 and named in messages[0], (method, messages)
    assert messages[0].startswith("f is undefined at") and "The derivative is nan" in messages[0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f, point, named", [
    (lambda a, b: np.sqrt(a) + b, (0.0, 1.0), "sqrt(0.0) has no finite derivative"),
    (np.arctan2, (0.0, 0.0), "arctan2(0.0, 0.0) has no finite derivative"),
    (lambda x: np.arcsin(x) * 2, 1.0, "arcsin(1.0) has no finite derivative"),
])
def test_where_f_is_finite_but_not_differentiable_every_exact_method_gives_nan(
        f, point, named, method):
    # sqrt'(0) was inf in some methods, nan or a partial answer ([1, inf]) in others
    if not dm.registry.get_method(method).exact:
        pytest.skip("a difference quotient at a kink is a number, not a derivative")
    g, caught = gradient_and_warnings(f, point, method)
    assert np.all(np.isnan(g)), (method, g)
    messages = domain_messages(caught)
    assert len(messages) == 1 and named in messages[0], (method, messages)


@pytest.mark.parametrize("method", ["complex-step", "finite"])
def test_a_step_that_reaches_a_singularity_is_named(method):
    # f is fine at 1e-300 (forward and reverse give 1e300), but no step fits between the
    # point and log's singularity at 0: nan, and the warning says which operation it was
    g, caught = gradient_and_warnings(lambda x: np.log(x) + x, 1e-300, method)
    assert np.isnan(g[0])
    (message,) = domain_messages(caught)
    assert "log(1e-300) is within 1e-300 of a singularity of log" in message
    assert "use forward or reverse mode" in message
    for exact in ("forward", "richardson"):  # Richardson cuts its first step to fit (1e-301)
        assert dm.gradient(lambda x: np.log(x) + x, 1e-300, method=exact)[0] == \
            pytest.approx(1e300, rel=1e-12)


def test_jacobian_rows_of_undefined_outputs_are_nan_the_others_kept():
    def f(a, b):
        return [a * b, np.log(a), a + b]
    for method in ("forward", "reverse", "complex-step", "finite", "symbolic"):
        with pytest.warns(DomainWarning, match="output 1 of f is undefined"):
            J = dm.jacobian(f, (-1.0, 2.0), method=method)
        assert np.all(np.isnan(J[1])), method
        assert np.allclose(J[[0, 2]], [[2.0, -1.0], [1.0, 1.0]], rtol=1e-6), method


def test_hessian_and_products_follow_the_policy_too():
    f = lambda a, b: np.log(a) * b  # noqa: E731
    for operator, extra in ((dm.hessian, ()), (dm.hvp, ([1.0, 0.0],)), (dm.jvp, ([1.0, 0.0],)),
                            (dm.vjp, ([1.0],))):
        method = "forward" if operator is dm.jvp else "reverse"
        with pytest.warns(DomainWarning, match="log"):
            out = operator(f, (-1.0, 2.0), *extra, method=method)
        assert np.all(np.isnan(out)), operator.__name__


def test_domain_warnings_as_errors_raise_the_packages_domain_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DomainWarning)
        with pytest.raises(DomainError, match="log") as raised:
            dm.gradient(lambda a: np.log(a), -1.0)
    assert isinstance(raised.value, dm.DiffMethodsError) and isinstance(raised.value, ValueError)


def test_defined_points_are_untouched_and_the_warning_points_at_the_callers_line():
    g = dm.gradient(lambda a, b: np.log(a) * b, (2.0, 3.0))
    assert np.allclose(g, [1.5, np.log(2.0)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dm.gradient(np.log, -1.0, method="reverse")
    (w,) = [w for w in caught if issubclass(w.category, DomainWarning)]
    assert w.filename == __file__  # the user's call, not a line inside diffmethods


def test_an_untraceable_f_still_gets_the_policy_with_its_value():
    import math

    def f(x):
        return math.sqrt(x) if x >= 0 else math.nan  # plain floats only: no tracer can run it

    g, caught = gradient_and_warnings(f, -1.0, "finite")
    assert np.isnan(g[0])
    assert domain_messages(caught) == ["f is undefined at (-1.0,): its value is nan. "
                                       "The derivative is nan."]


# numpy's own RuntimeWarnings must not leak from diffmethods' source lines (they did, 6 to 36
# per point): the DomainWarning is the one report. Finite differences run f on plain numbers,
# so numpy warns from f's own lines there, which is f's business.
QUIET_METHODS = [m for m in METHODS if m != "finite"]


@pytest.mark.parametrize("method", QUIET_METHODS)
@pytest.mark.parametrize("f, point", [
    (np.log, -1.0), (lambda a, b: np.sqrt(a) * b, (0.0, 1.0)), (lambda a, b: a / b, (1.0, 0.0)),
    (lambda x: np.sum(1.0 / x), np.array([1.0, 0.0, 2.0])),
    (lambda x: np.sum(x[:-1] / x[1:]), np.array([1.0, 0.0, 2.0])),
    (lambda x: np.sum(np.sqrt(x) * x[::-1]), np.array([1.0, 0.0, 2.0, 3.0])),
    (lambda x: np.sum(np.exp(x) * x), np.array([1.0, 800.0])),
    (lambda x: np.sum(x ** 0.5), np.array([1.0, -1.0])),
])
def test_no_numpy_warning_quotes_the_librarys_source(f, point, method):
    if method == "richardson" and not isinstance(point, np.ndarray) and np.ndim(point) and \
            0.0 in point:
        pytest.skip("f divides Python floats by zero itself: Python raises, as f would")
    _, caught = gradient_and_warnings(f, point, method)
    internal = [(w.filename, w.lineno, str(w.message)) for w in caught
                if not issubclass(w.category, DomainWarning) and "diffmethods" in w.filename]
    assert internal == [], internal
    assert len(domain_messages(caught)) == 1
