"""Threads, long chains, conventions at kinks, IEEE behaviour, and the extension points."""

import threading

import numpy as np
import pytest
import sympy

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.symfuncs import RealAbs, RealCbrt, RealSign

from helpers import close


def test_gradients_from_eight_threads_at_once():
    names = ["seed", "rosenbrock", "trig", "logistic", "sum_sin", "beale", "product", "ackley"]
    errors, barrier = [], threading.Barrier(8)

    def work(name):
        s = SCENARIOS[name]
        hand = dm.gradient(s.f, s.point, method="manual")
        barrier.wait()
        try:
            for _ in range(15):
                for method in dm.methods():
                    g = dm.gradient(s.f, s.point, method=method)
                    tol = 1e-12 if dm.registry.get_method(method).exact else 1e-6
                    if not close(g, hand, tol, tol):
                        errors.append((name, method, g, hand))
        except Exception as e:  # pragma: no cover - reported below
            errors.append((name, repr(e)))

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def test_reverse_mode_through_a_chain_of_100000_operations():
    def chain(x):
        for _ in range(50_000):
            x = x * 1.00001 + 0.0  # two recorded operations per step
        return x

    r = dm.differentiate(chain, 0.5, method="reverse")
    assert r.ops == 100_000
    assert r.gradient[0] == pytest.approx(1.00001**50_000, rel=1e-9)


def test_conventions_at_points_of_non_differentiability():
    """Documented in README: AD and symbolic take sign(0) = 0 for |x| and split ties of
    max/min evenly; central differences agree there, one-sided ones see one side."""
    for method in ("forward", "reverse", "symbolic"):
        assert dm.gradient(np.abs, 0.0, method=method)[0] == 0.0
        assert close(dm.gradient(np.maximum, (1.0, 1.0), method=method), [0.5, 0.5], 0)
        assert close(dm.gradient(np.minimum, (1.0, 1.0), method=method), [0.5, 0.5], 0)
    assert dm.gradient(np.abs, 0.0, method="finite")[0] == 0.0
    assert dm.gradient(np.abs, 0.0, method="finite", scheme="forward")[0] == 1.0
    assert dm.gradient(np.abs, 0.0, method="finite", scheme="backward")[0] == -1.0
    assert close(dm.gradient(np.maximum, (1.0, 1.0), method="finite"), [0.5, 0.5], 1e-9)


def test_branches_follow_the_value_at_the_point():
    def relu(x):
        return x if x > 0 else 0.0 * x

    for method in ("forward", "reverse"):
        assert dm.gradient(relu, 2.0, method=method)[0] == 1.0
        assert dm.gradient(relu, -2.0, method=method)[0] == 0.0


def test_ieee_results_instead_of_python_exceptions():
    # no Python exception from deep inside; and since the undefined-point policy
    # (diffmethods.domain), no confident derivative either: sqrt'(0) was inf and log(x - 2) at 1
    # had the gradient -1 beside its nan value -- now both are nan, with a DomainWarning
    for method in ("forward", "reverse", "symbolic"):
        with pytest.warns(dm.errors.DomainWarning, match="sqrt"):
            assert np.isnan(dm.gradient(lambda x: np.sqrt(x), 0.0, method=method)[0]), method
        with pytest.warns(dm.errors.DomainWarning, match="log"):
            r = dm.differentiate(lambda x: np.log(x - 2.0), 1.0, method=method)
        assert np.isnan(r.value) and np.isnan(r.gradient[0])
        with pytest.warns(dm.errors.DomainWarning, match="division by zero"):
            assert np.isnan(dm.gradient(lambda x: 1 / x, 0.0, method=method)[0])


def test_real_sympy_functions_match_sympy_builtins_on_real_symbols():
    x = sympy.Symbol("x", real=True)
    for mine, builtin in ((RealAbs, sympy.Abs), (RealSign, sympy.sign),
                          (RealCbrt, lambda v: sympy.sign(v) * sympy.Abs(v)**sympy.Rational(1, 3))):
        for v in (-2.5, -0.3, 0.7, 4.0):
            assert float(mine(x).subs(x, v)) == pytest.approx(float(builtin(x).subs(x, v)))
            d_mine = sympy.diff(mine(x), x).subs(x, v)
            d_builtin = sympy.diff(builtin(x), x).replace(sympy.DiracDelta, lambda *a: 0).subs(x, v)
            assert float(d_mine) == pytest.approx(float(d_builtin))


def test_register_a_method_from_outside_the_package():
    class CentralByHand:
        name, summary, exact = "by-hand-central", "central differences written in a test", False

        def gradient(self, problem, *, h=1e-5):
            x = problem.x
            value = problem(problem.inputs(x))
            g = []
            for i in range(problem.n):
                up, down = x.copy(), x.copy()
                up[i] += h
                down[i] -= h
                g.append((problem(problem.inputs(up)) - problem(problem.inputs(down))) / (2 * h))
            return problem.result(value, g, passes=problem.calls, ops=None)

    dm.register_method("by-hand-central", CentralByHand())
    try:
        assert "by-hand-central" in dm.methods()
        r = dm.differentiate(SCENARIOS["seed"].f, (2, 3, 4), method="by-hand-central", h=1e-4)
        assert close(r.gradient, [12, 12, 9], 1e-8) and r.f_calls == 7
        with pytest.raises(dm.OptionError, match="takes the options h"):
            dm.gradient(SCENARIOS["seed"].f, (2, 3, 4), method="by-hand-central", step=1)
        with pytest.raises(dm.OptionError, match="already registered"):
            dm.register_method("by-hand-central", CentralByHand())
    finally:
        dm.unregister_method("by-hand-central")
    assert "by-hand-central" not in dm.methods()


def test_register_a_plain_function_as_a_method():
    def zero(problem):
        """always zero"""
        return problem(problem.inputs(problem.x)), np.zeros(problem.n)

    dm.register_method("zero", zero)
    try:
        r = dm.differentiate(lambda a, b: a + b, (1, 2), method="zero")
        assert r.value == 3.0 and close(r.gradient, [0, 0], 0)
    finally:
        dm.unregister_method("zero")


def test_register_a_finite_difference_scheme():
    dm.register_scheme("forward3", (0, 1, 2), (-1.5, 2.0, -0.5), 2)
    try:
        assert "forward3" in dm.schemes()
        g = dm.gradient(lambda x: x**3, 2.0, method="finite", scheme="forward3")
        assert g[0] == pytest.approx(12.0, rel=1e-8)
        with pytest.raises(dm.OptionError, match="first derivative"):
            dm.register_scheme("broken", (0, 1), (1.0, 1.0), 1)
    finally:
        dm.unregister_scheme("forward3")
    assert "forward3" not in dm.schemes()


def test_tape_trace_and_backward_log_describe_the_seed_walkthrough():
    from diffmethods.methods.reverse import Tape

    tape = Tape(trace=True)
    x1, x2, x3 = (tape.input(v) for v in (2.0, 3.0, 4.0))
    y = SCENARIOS["seed"].f(x1, x2, x3)
    names = [entry[1] for entry in tape.trace]
    assert names == ["power", "multiply", "add", "multiply"]
    assert [entry[3] for entry in tape.trace] == [4.0, 12.0, 16.0, 48.0]
    assert tape.trace[1][4] == (4.0, 3.0)  # dx5/dx2 = x3 = 4, dx5/dx3 = x2 = 3
    log = []
    adjoint = tape.backward({y.index: 1.0}, log=log)
    assert adjoint[:3] == [12.0, 12.0, 9.0]
    assert [(out, i) for out, i, _, _ in log] == [(6, 5), (5, 3), (5, 4), (4, 1), (4, 2), (3, 0)]
    assert adjoint == tape.backward({y.index: 1.0})  # the logged sweep is the same sweep


def test_forward_pass_can_record_every_operation():
    from diffmethods.methods.forward import Dual, ForwardPass

    trace = ForwardPass(1, record=True)
    x1, x2, x3 = (Dual(v, np.array([float(i == 0)]), trace) for i, v in enumerate((2.0, 3.0, 4.0)))
    y = SCENARIOS["seed"].f(x1, x2, x3)
    assert [name for name, _, _ in trace.nodes] == ["power", "multiply", "add", "multiply"]
    assert [float(d.tangent[0]) for _, _, d in trace.nodes] == [4.0, 0.0, 4.0, 12.0]
    assert y.value == 48.0 and trace.ops == 4
