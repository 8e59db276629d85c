"""The symbolic cache is never stale: it is keyed by a fingerprint of what f reads."""

import numpy as np
import pytest

import diffmethods as dm

SCALE = np.array([1.0, 2.0])


class Model:
    def __init__(self, a):
        self.a = a

    def f(self, x):
        return self.a * x**2


def test_bound_methods_of_short_lived_instances_are_never_confused():
    # A freed instance's address is reused at once; the derivative must follow each instance.
    wrong = sum(dm.gradient(Model(a).f, 1.0, method="symbolic")[0] != 2.0 * a
                for a in np.linspace(1.0, 3.0, 300))
    assert wrong == 0


def test_a_rebound_closure_variable_gives_a_new_derivation():
    c = 2.0

    def f(x):
        return c * x**3

    assert dm.gradient(f, 1.0, method="symbolic")[0] == 6.0
    c = 5.0
    r = dm.differentiate(f, 1.0, method="symbolic")
    assert r.gradient[0] == 15.0 and not r.details["cached"]
    assert dm.differentiate(f, 2.0, method="symbolic").details["cached"]  # same state: reused


def global_reader(x):
    return np.sum(SCALE * x**2)


def test_a_global_array_changed_in_place_gives_a_new_derivation():
    x = np.array([1.0, 1.0])
    assert dm.gradient(global_reader, x, method="symbolic").tolist() == [2.0, 4.0]
    SCALE[1] = 10.0
    try:
        assert dm.gradient(global_reader, x, method="symbolic").tolist() == [2.0, 20.0]
    finally:
        SCALE[1] = 2.0


def test_data_arguments_left_out_with_argnums_are_part_of_the_key():
    f = lambda w, X: np.sum((X @ w) ** 2)  # noqa: E731
    w = np.array([1.0, -1.0])
    X1, X2 = np.eye(2), 2 * np.eye(2)
    g1 = dm.gradient(f, (w, X1), method="symbolic", argnums=0)
    g2 = dm.gradient(f, (w, X2), method="symbolic", argnums=0)
    assert np.allclose(g2, 4 * g1) and np.allclose(g1, dm.gradient(f, (w, X1), argnums=0))


def test_an_unreadable_context_is_derived_again_not_guessed():
    import random
    rng = random.Random(0)  # an object whose state the fingerprint cannot read

    def f(x):
        rng  # noqa: B018  (read, so it is part of f's context)
        return x**2

    first = dm.differentiate(f, 1.0, method="symbolic")
    second = dm.differentiate(f, 1.0, method="symbolic")
    assert not first.details["cached"] and not second.details["cached"]
    assert second.gradient[0] == pytest.approx(2.0)
