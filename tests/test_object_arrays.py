"""np.array([...]) of traced scalars (issue 10): an object array of traced values. Where it
meets a traced operand or a ufunc, diffmethods adopts it (one traced array); where numpy
never hands it over (np.linalg given only such arrays) it is refused by name, with the fix."""

import numpy as np
import pytest

import diffmethods as dm

from helpers import EXACT, close

V = np.array([1.0, 2.0])
POINT = (3.0, 1.0, 0.5, 2.0)

WORKS = {
    "matmul": lambda a, b, c, d: np.sum(np.array([[a, b], [c, d]]) @ V),
    "rmatmul": lambda a, b, c, d: np.sum(V @ np.array([[a, b], [c, d]])),
    "dot": lambda a, b, c, d: np.sum(np.dot(np.array([[a, b], [c, d]]), V)),
    "einsum": lambda a, b, c, d: np.einsum("ij,j->", np.array([[a, b], [c, d]]), V),
    "tensordot": lambda a, b, c, d: np.tensordot(np.array([[a, b], [c, d]]), V, axes=1)[0],
    "kron": lambda a, b, c, d: np.sum(np.kron(np.array([a, b]), V)),
    "norm": lambda a, b, c, d: np.linalg.norm(np.array([a, b, c])),
    "both-built": lambda a, b, c, d: np.sum(np.array([[a, b], [c, d]]) @ np.array([a, d])),
    "with-traced": lambda a, b, c, d: np.sum(np.linalg.solve(
        np.array([[a, b], [c, d]]), np.stack([a, b]))),
    "broadcast": lambda a, b, c, d: np.sum(np.array([a, 2.0]) * np.array([[c], [d]])),
}

LINALG = {
    "np.linalg.solve": lambda M: np.sum(np.linalg.solve(M, V)),
    "np.linalg.inv": lambda M: np.sum(np.linalg.inv(M)),
    "np.linalg.det": lambda M: np.linalg.det(M),
    "np.linalg.slogdet": lambda M: np.linalg.slogdet(M)[1],
    "np.linalg.cholesky": lambda M: np.sum(np.linalg.cholesky(M @ M.T)),
}


@pytest.mark.parametrize("m", EXACT)
@pytest.mark.parametrize("name", WORKS)
def test_object_arrays_meeting_traced_operands_or_contractions_work(name, m):
    f = WORKS[name]
    assert close(dm.gradient(f, POINT, method=m), dm.gradient(f, POINT, method="finite"),
                 1e-7, 1e-7), (name, m)


@pytest.mark.parametrize("m", EXACT)
@pytest.mark.parametrize("name", LINALG)
def test_linalg_given_only_an_object_array_is_refused_and_np_stack_works(name, m):
    g = LINALG[name]
    built = lambda a, b, c, d: g(np.array([[a, b], [c, d]]))
    with pytest.raises(dm.UnsupportedOperationError,
                       match=rf"{name.replace('.', '[.]')} was given an object array.*np\.stack"):
        dm.gradient(built, POINT, method=m)
    stacked = lambda a, b, c, d: g(np.stack([np.stack([a, b]), np.stack([c, d])]))
    assert close(dm.gradient(stacked, POINT, method=m),
                 dm.gradient(stacked, POINT, method="finite"), 1e-7, 1e-7), (name, m)


def test_a_users_own_type_error_still_reaches_the_user():
    def f(x):
        raise TypeError("my own mistake")

    def g(x, h=None):
        return h(x)  # TypeError: 'NoneType' object is not callable
    for m in EXACT:
        with pytest.raises(TypeError, match="my own mistake"):
            dm.gradient(f, 1.0, method=m)
        with pytest.raises(TypeError, match="'NoneType' object is not callable"):
            dm.gradient(g, 1.0, method=m)


def test_symbolic_names_numpys_element_loop_on_an_object_array():
    # np.max of np.array([a, b]) compares the traced elements one by one (an object loop)
    for f, name in ((lambda a, b: np.max(np.array([a, b])), "np.max"),
                    (lambda a, b: np.sort(np.array([a, b]))[0], "np.sort")):
        with pytest.raises(dm.BranchError, match=rf"{name} compared traced values.*np\.stack"):
            dm.gradient(f, (1.0, 2.0), method="symbolic")
    assert dm.gradient(lambda a, b: np.max(np.stack([a, b])), (1.0, 2.0),
                       method="symbolic").tolist() == [0.0, 1.0]  # the fix it names
