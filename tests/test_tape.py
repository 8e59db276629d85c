"""The reverse tape's array records reuse memory; these tests make sure that never changes an
answer (aliasing, nodes used many times, in-place reuse), and cover the element cache."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffmethods as dm

from helpers import close
from strategies import evaluate, expressions


@settings(max_examples=40, deadline=None)
@given(expressions(n_inputs=2, max_depth=4), st.integers(0, 3))
def test_array_expressions_with_shared_nodes_agree_with_forward_mode(case, pattern):
    tree, _ = case
    x0 = np.array([0.3, -0.7, 1.1, 0.05, -1.4, 0.8])

    def f(x):
        t = evaluate(tree, (x[:3], x[3:]))  # elementwise on two halves
        u = t * t  # t used twice in one op
        shapes = [u + t, u - t * 2.0, np.sin(t) * u + t, (t + t) * (u + 1.0)]
        return np.sum(shapes[pattern] * np.array([1.0, -2.0, 0.5])) + np.sum(t)

    with np.errstate(all="ignore"):
        forward = dm.gradient(f, x0, method="forward")
        reverse = dm.gradient(f, x0, method="reverse")
    if np.all(np.isfinite(forward)):
        scale = max(1.0, float(np.max(np.abs(forward))))
        assert close(reverse, forward, 1e-12, 1e-12 * scale), (tree, pattern)


def test_a_node_used_by_many_records_gets_every_contribution():
    def f(x):
        y = np.sin(x)
        return np.sum(y) + np.sum(y * y) + np.sum(y[1:] - y[:-1]) + np.sum(-y) + np.sum(y / 2.0)

    x = np.linspace(0.1, 1.0, 5)
    expected = np.cos(x) * (1 + 2 * np.sin(x) - 1 + 0.5)
    expected[0] -= np.cos(x[0])
    expected[-1] += np.cos(x[-1])
    assert close(dm.gradient(f, x), expected, 1e-14, 1e-14)


def test_the_gradient_is_a_fresh_writable_array_owned_by_the_caller():
    x = np.ones(4)
    for f in (lambda v: np.sum(v), lambda v: np.sum(v * 2.0), lambda v: v[0] + v[1]):
        g = dm.gradient(f, x)
        assert g.flags.writeable and g.flags.owndata
        g[:] = 7.0  # must not break anything
    assert np.all(x == 1.0)


def test_element_cache_handles_negative_and_out_of_range_indices():
    def f(x):
        return x[-1] * x[0] + x[-1] + x[len(x) - 1]

    g = dm.gradient(f, np.array([2.0, 5.0, 3.0]))
    assert close(g, [3.0, 0.0, 2.0 + 1 + 1], 0)
    with pytest.raises(IndexError):
        dm.gradient(lambda x: x[3], np.ones(3))


def test_elements_of_intermediate_arrays():
    def f(x):
        y = np.exp(x)
        return y[0] * y[2] + y[-1]

    x = np.array([0.1, 0.2, 0.3])
    e = np.exp(x)
    assert close(dm.gradient(f, x), [e[0] * e[2], 0.0, e[0] * e[2] + e[2]], 1e-15)


def test_the_logged_sweep_keeps_every_adjoint_and_matches_the_fast_one():
    from diffmethods.methods.reverse import Tape

    for sweep in ("fast", "logged"):
        tape = Tape()
        x = tape.input(np.array([0.5, 1.5]))
        y = np.sum(np.exp(x) * x)
        adjoint = tape.backward({y.index: 1.0}, log=[] if sweep == "logged" else None)
        assert close(adjoint[x.index], np.exp([0.5, 1.5]) * (1 + np.array([0.5, 1.5])), 1e-15)
        if sweep == "logged":
            assert all(a is not None for a in adjoint)


@pytest.mark.parametrize("f, n, ok", [
    (lambda a, b=1.0: a * b, 1, True),
    (lambda a, b=1.0: a * b, 2, True),
    (lambda a, b=1.0: a * b, 3, False),
    (lambda *xs: sum(xs), 5, True),
    (lambda a, *rest: a, 1, True),
    (lambda a, *, scale: a * scale, 1, False),
    (lambda a, *, scale=2.0: a * scale, 1, True),
])
def test_arity_check_fast_path(f, n, ok):
    point = tuple(float(i + 1) for i in range(n))
    if ok:
        assert dm.gradient(f, point, method="forward").shape == (n,)
    else:
        with pytest.raises(dm.FunctionError):
            dm.gradient(f, point, method="forward")


def test_a_retained_tape_can_be_swept_again_and_a_plain_one_cannot():
    from diffmethods.methods.reverse import Tape

    tape = Tape()
    x = tape.input(np.array([0.5, 1.5, 2.0]))
    y = np.sum(np.sin(x) * x**2)
    first = tape.backward({y.index: 1.0}, retain=True)[x.index].copy()
    second = tape.backward({y.index: 2.0}, retain=True)[x.index]
    assert close(second, 2 * first, 1e-15)
    tape.backward({y.index: 1.0})
    with pytest.raises(RuntimeError, match="retain=True"):
        tape.backward({y.index: 1.0})
