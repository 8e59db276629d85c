"""The seed example, point conventions, counted costs, jvp/vjp, and the symbolic cache."""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS

from helpers import FROM_F, close

SEED = SCENARIOS["seed"].f
SEED_POINT = (2, 3, 4)


@pytest.mark.parametrize("method", dm.methods())
def test_seed_value_and_gradient(method):
    r = dm.differentiate(SEED, SEED_POINT, method=method)
    assert r.value == 48.0
    assert r.gradient.dtype == np.float64 and r.gradient.shape == (3,)
    rtol = 0.0 if dm.registry.get_method(method).exact else 1e-8
    assert close(r.gradient, [12.0, 12.0, 9.0], rtol), r


@pytest.mark.parametrize("scheme", ["forward", "backward"])
def test_seed_one_sided_differences(scheme):
    g = dm.gradient(SEED, SEED_POINT, method="finite", scheme=scheme, step=1e-6)
    assert close(g, [12, 12, 9], 1e-6) and not close(g, [12, 12, 9], 1e-12)


def test_seed_relative_step_is_a_fraction_of_each_coordinate():
    r = dm.differentiate(SEED, SEED_POINT, method="finite", scheme="central", rel_step=0.01)
    assert np.allclose(r.details["steps"], [0.02, 0.03, 0.04], rtol=1e-12)
    # central differences are exact for quadratics, whatever the step
    assert close(r.gradient, [12, 12, 9], 1e-12)
    fwd = dm.gradient(SEED, SEED_POINT, method="finite", scheme="forward", rel_step=0.01)
    assert fwd[0] == pytest.approx(12 + 3 * 0.02, rel=1e-9)  # truncation error 3 h for x1^2


def test_finite_differences_divide_by_the_representable_step():
    x = 1.0 + 2**-30  # x + h rounds: h' = (x + h) - x differs from h
    h = 1e-9
    r = dm.differentiate(lambda t: t * 3.0, x, method="finite", scheme="forward", step=h)
    h_used = r.details["steps"][0]
    assert h_used == (x + h) - x and h_used != h
    assert r.gradient[0] == pytest.approx(3.0, rel=1e-15)


def test_point_conventions():
    f_args = lambda a, b: a * b**2  # noqa: E731
    f_array = lambda x: x[0] * x[1]**2  # noqa: E731
    for method in FROM_F:
        assert close(dm.gradient(f_args, (3, 2), method=method), [4, 12], 1e-8)
        assert close(dm.gradient(f_args, [3, 2], method=method), [4, 12], 1e-8)
        assert close(dm.gradient(f_array, np.array([3.0, 2.0]), method=method), [4, 12], 1e-8)
        g = dm.gradient(np.sin, 0.5, method=method)
        assert g.shape == (1,) and close(g, [np.cos(0.5)], 1e-8)
        assert close(dm.gradient(lambda x: np.sum(x**2), np.ones(5), method=method), 2 * np.ones(5),
                     1e-8)


def test_integer_arrays_and_numpy_scalars_are_accepted():
    g = dm.gradient(lambda x: np.sum(x**3), np.array([1, 2, 3]), method="reverse")
    assert close(g, [3, 12, 27], 0)
    g = dm.gradient(lambda a, b: a * b, (np.float32(2), np.int64(5)), method="forward")
    assert close(g, [5, 2], 0)


@pytest.mark.parametrize("n", [1, 4, 9])
def test_evaluation_counts_are_counted(n):
    point = np.linspace(0.5, 1.5, n)
    f = SCENARIOS["sum_sin"].f
    central = dm.differentiate(f, point, method="finite")
    assert central.f_calls == 2 * n + 1 and central.passes == 2 * n + 1 and central.ops is None
    for scheme in ("forward", "backward"):
        one_sided = dm.differentiate(f, point, method="finite", scheme=scheme)
        assert one_sided.f_calls == n + 1
    forward = dm.differentiate(f, point, method="forward", chunk=1)
    assert forward.passes == n and forward.f_calls == n
    blocked = dm.differentiate(f, point, method="forward", chunk=2)
    assert blocked.passes == -(-n // 2)
    reverse = dm.differentiate(f, point, method="reverse")
    assert reverse.passes == 2 and reverse.f_calls == 1 and reverse.ops > 0
    symbolic = dm.differentiate(f, point, method="symbolic")
    assert symbolic.passes == 1 and symbolic.ops > 0


def test_operation_counts_grow_with_the_work_done():
    r1 = dm.differentiate(SEED, SEED_POINT, method="reverse")
    assert r1.ops == 4  # x1**2, x2*x3, +, 3*
    f1 = dm.differentiate(SEED, SEED_POINT, method="forward", chunk=1)
    assert f1.ops == 3 * 4  # the same four operations, once per pass
    loop = SCENARIOS["rosenbrock_loop"]
    small = dm.differentiate(loop.f, loop.point_of(10), method="reverse").ops
    large = dm.differentiate(loop.f, loop.point_of(20), method="reverse").ops
    assert large - small == 10 * 8  # eight operations per term


def test_reverse_mode_passes_do_not_grow_with_dimension():
    f = SCENARIOS["rosenbrock"]
    for n in (2, 50, 500):
        r = dm.differentiate(f.f, f.point_of(n), method="reverse")
        assert (r.passes, r.f_calls) == (2, 1)


def test_symbolic_derivation_is_cached_per_function_and_dimension():
    def f(x):
        return np.sum(np.exp(x) * x)

    dm.clear_symbolic_cache()
    first = dm.differentiate(f, np.ones(3), method="symbolic")
    again = dm.differentiate(f, np.ones(3) * 2, method="symbolic")
    other_n = dm.differentiate(f, np.ones(4), method="symbolic")
    assert first.f_calls == 1 and not first.details["cached"]
    assert again.f_calls == 0 and again.details["cached"]
    assert other_n.f_calls == 1 and not other_n.details["cached"]
    assert close(again.gradient, np.exp(2) * 3 * np.ones(3), 1e-14)


def test_symbolic_gradient_exposes_expressions_and_sizes():
    sg = dm.symbolic_gradient(SEED, 3)
    assert [str(g) for g in sg.gradient] == ["6*x1", "3*x3", "3*x2"]
    assert str(sg.expression) == "3*x1**2 + 3*x2*x3"
    assert sg.ops_cse <= sg.ops
    sg2 = dm.symbolic_gradient(lambda x: np.sum(x**2), np.zeros(2))
    assert [str(s) for s in sg2.symbols] == ["x0", "x1"]


def test_expression_swell_shows_in_the_op_counts():
    def nested(x):
        for _ in range(6):
            x = np.sin(x) * x
        return x

    sg = dm.symbolic_gradient(nested, 1.0)
    assert sg.ops_cse < sg.ops / 2  # sharing removes most of the repeated subexpressions


def test_jvp_is_one_forward_pass_and_matches_the_gradient():
    v = np.array([1.0, -2.0, 0.5])
    r = dm.jvp(SEED, SEED_POINT, v, full_output=True)
    assert r.passes == 1 and r.f_calls == 1
    assert r.derivative[0] == pytest.approx(np.dot([12, 12, 9], v))


def test_vjp_of_a_vector_function():
    def f(x1, x2):
        return [x1 * x2, np.sin(x1), x2**2]

    w = np.array([1.0, 2.0, -1.0])
    r = dm.vjp(f, (0.5, 3.0), w, full_output=True)
    jac = np.array([[3.0, 0.5], [np.cos(0.5), 0.0], [0.0, 6.0]])
    assert close(r.derivative, w @ jac, 1e-15)
    assert r.passes == 2 and r.f_calls == 1
    assert close(dm.jvp(f, (0.5, 3.0), [1.0, 0.0]), jac[:, 0], 1e-15)


def test_vector_functions_returning_arrays():
    def f(x):
        return np.sin(x) * x[0]

    x = np.array([0.3, 1.2])
    jac = np.diag(np.cos(x) * x[0])
    jac[:, 0] += np.sin(x)
    assert close(dm.vjp(f, x, [1.0, 1.0]), np.ones(2) @ jac, 1e-15)
    assert close(dm.jvp(f, x, [0.0, 1.0]), jac[:, 1], 1e-15)


def test_result_repr_and_fields():
    r = dm.differentiate(SEED, SEED_POINT, method="reverse")
    assert "gradient=[12., 12.,  9.]" in repr(r)
    wall = r.seconds  # recorded, not tested for speed
    assert r.method == "reverse" and wall >= 0


def test_symbolic_parameters_may_share_names_with_functions():
    def f(sin, exp):
        return sin * np.exp(exp)

    sg = dm.symbolic_gradient(f, 2)
    assert [str(s) for s in sg.symbols] == ["sin", "exp"]
    assert close(dm.gradient(f, (2.0, 0.0), method="symbolic"), [1.0, 2.0], 1e-15)


def test_importing_diffmethods_stays_light():
    """sympy, mpmath and matplotlib load on first use: a subprocess sees a fresh import."""
    import subprocess
    import sys
    code = ("import sys, diffmethods as dm; heavy = [m for m in ('sympy', 'mpmath', "
            "'matplotlib') if m in sys.modules and type(sys.modules[m]).__name__ == 'module']; "
            "print(heavy); dm.compare; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"


def test_the_users_array_is_never_changed_and_not_copied_needlessly():
    x = np.linspace(0.1, 1.0, 6)
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v)
        return np.sum(v**2)

    for method in FROM_F:
        dm.gradient(f, x, method=method)
    assert np.array_equal(x, before)
    assert all(v is not x for v in seen)  # finite differences bump their own working copy

    @dm.manual(lambda v: np.ones_like(v))
    def mutating(v):
        v[0] = 5.0  # f changing its argument in place is refused by numpy, not silently wrong
        return np.sum(v)

    with pytest.raises(ValueError, match="read-only"):
        dm.gradient(mutating, x, method="manual")
    assert np.array_equal(x, before)
