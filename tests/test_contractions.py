"""Contractions on traced values: one line per function and keyword variant (tests/systematic.py).

Each line checks every exact method (forward, reverse, symbolic, complex step) against central
differences and forward against reverse by <u, J v> = <J^T u, v>; ``check`` also checks that
the traced output has numpy's shape and value, so a product with the wrong semantics (matmul's
where dot's was meant) cannot pass by having the same derivative somewhere.
"""

import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.contractions import EINSUM, Spec, evaluate, parse_einsum
from systematic import EXACT, check_function

R = np.random.default_rng(10)


def r(*shape):
    return R.normal(size=shape)


def check(f, *args):
    """check_function, plus: the traced output has numpy's shape, and a scalar loss of it has
    numpy's value, under every method."""
    expected = np.shape(f(*args))

    def shaped(*xs):
        out = f(*xs)
        assert np.shape(out) == expected, (np.shape(out), expected)
        return out
    checked = check_function(shaped, *args)
    w = r(*expected)
    loss = lambda *xs: np.sum(f(*xs) * w)  # noqa: E731
    value = loss(*args)
    for method in EXACT:
        got = dm.differentiate(loss, args, method=method).value
        assert abs(got - value) <= 1e-12 * max(1.0, abs(value)), (method, got, value)
    return checked


# --- np.einsum ------------------------------------------------------------------------------
def test_einsum_explicit_and_implicit_output():
    assert check(lambda a, b: np.einsum("ij,jk->ik", a, b), r(2, 3), r(3, 2))
    assert check(lambda a, b: np.einsum("ij,kj->ki", a, b), r(2, 3), r(2, 3))
    assert check(lambda a, b: np.einsum("ij,jk", a, b), r(2, 3), r(3, 2))  # implicit: 'ik'
    assert check(lambda a, b: np.einsum("ba,aB", a, b), r(3, 2), r(2, 2))  # 'Bb': capitals first
    assert check(lambda a, b: np.einsum("i,i", a, b), r(3), r(3))  # implicit: a scalar


def test_einsum_ellipsis_and_broadcasting():
    assert check(lambda a, b: np.einsum("...ij,...jk->...ik", a, b), r(2, 2, 3), r(1, 3, 2))
    assert check(lambda a, b: np.einsum("...i,...i", a, b), r(2, 3), r(3))
    assert check(lambda a, b: np.einsum("i...,i", a, b), r(3, 2, 2), r(3))
    assert check(lambda a, b: np.einsum("ij,jk", a, b), r(2, 1), r(3, 2))  # j: 1 against 3
    # an operand summed to one element (an expression, not an array, in the symbolic method)
    assert check(lambda a, b: np.einsum("d,...->...", a, b), r(1), r(2, 1))
    assert check(lambda a, b, c: np.einsum("...bb,,c->...b", a, b, c), r(3, 3), np.array(2.0),
                 r(2))


def test_einsum_repeated_indices():
    assert check(lambda a: np.einsum("ii", a), r(3, 3))  # trace
    assert check(lambda a: np.einsum("ii->i", a), r(3, 3))  # diagonal
    assert check(lambda a: np.einsum("iij->ji", a), r(2, 2, 3))
    assert check(lambda a, b: np.einsum("ii,i->i", a, b), r(3, 3), r(3))


def test_einsum_one_and_three_operands():
    assert check(lambda a: np.einsum("ij->", a), r(2, 3))
    assert check(lambda a: np.einsum("ij->ji", a), r(2, 3))
    assert check(lambda a, b, c: np.einsum("ij,jk,k->i", a, b, c), r(2, 3), r(3, 2), r(2))
    assert check(lambda a, b, c: np.einsum("abc,cd,dbe->ae", a, b, c), r(2, 2, 2), r(2, 2),
                 r(2, 2, 3))
    assert check(lambda a: np.einsum("ij,ij,ij->i", a, a, a), r(2, 3))  # one operand thrice


def test_einsum_with_traced_scalar_operands():
    # a 0-d operand has no labels: it multiplies every term, and is factored out
    assert check(lambda a, b: np.einsum(",i->i", a, b), np.array(2.0), r(3))
    assert check(lambda a, b: np.einsum("i,,i", b, a, b), np.array(-1.5), r(3))
    assert check(lambda a, b: np.einsum(",,", a, a, b), np.array(0.5), np.array(3.0))
    assert check(lambda a, b: np.tensordot(a, b, axes=0), np.array(2.0), r(2, 2))


def test_einsum_keywords_and_sublists():
    assert check(lambda a, b: np.einsum("ij,j->i", a, b, optimize=True), r(2, 3), r(3))
    assert check(lambda a, b: np.einsum("ij,j->i", a, b, optimize="greedy"), r(2, 3), r(3))
    assert check(lambda a, b: np.einsum(a, [0, 1], b, [1], [0]), r(2, 3), r(3))
    assert check(lambda a, b: np.einsum(a, [Ellipsis, 1], b, [1]), r(2, 3), r(3))


def test_einsum_with_a_constant_operand():
    M = r(3, 2)
    assert check(lambda a: np.einsum("ij,jk->ik", a, M), r(2, 3))
    assert check(lambda a: np.einsum("jk,ij->ki", M, a), r(2, 3))


# --- matmul / dot / inner / vdot ----------------------------------------------------------
def test_matmul_stacks_broadcasting_and_promotion():
    assert check(lambda a, b: a @ b, r(2, 2, 3), r(3, 2))
    assert check(lambda a, b: np.matmul(a, b), r(2, 1, 2, 3), r(3, 3, 2))
    assert check(lambda a, b: a @ b, r(3), r(2, 3, 2))  # 1-D on the left: a row, dropped
    assert check(lambda a, b: a @ b, r(2, 2, 3), r(3))  # 1-D on the right: a column, dropped
    assert check(lambda a, b: a @ b, r(3), r(3))
    assert check(lambda a: np.reshape(a, (2, 3)) @ np.reshape(a, (3, 2)), r(6))


def test_dot_n_d_rule_differs_from_matmul():
    assert check(lambda a, b: np.dot(a, b), r(2, 3), r(2, 3, 2))
    assert check(lambda a, b: np.dot(a, b), r(2, 2, 3), r(3))
    assert check(lambda a, b: np.dot(a, b), r(2, 2, 3), r(2, 3, 2))
    assert check(lambda a, b: np.dot(a, b), r(3), r(3, 2))
    assert check(lambda a, b: np.dot(a, b), r(3), np.array(2.0))  # a scalar: multiplication
    assert check(lambda a, b: a.dot(b), r(2, 3), r(3))


def test_symbolic_dot_of_a_3_d_operand_is_the_true_gradient():
    # issue 10: symbolic np.dot computed matmul semantics here, a silent wrong number
    f = lambda x: np.dot(x.reshape(2, 3), np.arange(24.0).reshape(2, 3, 4))[0, 1, 2]  # noqa
    for method in EXACT + ["finite"]:
        assert np.allclose(dm.gradient(f, np.arange(1.0, 7.0), method=method),
                           [14, 18, 22, 0, 0, 0], rtol=1e-7, atol=1e-7), method


def test_inner_vdot():
    assert check(lambda a, b: np.inner(a, b), r(2, 3), r(2, 2, 3))
    assert check(lambda a, b: np.inner(a, b), r(3), r(3))
    assert check(lambda a, b: np.inner(a, b), r(2, 3), np.array(1.5))
    assert check(lambda a, b: np.vdot(a, b), r(2, 3), r(3, 2))  # flattens both


# --- tensordot / outer / kron / cross -----------------------------------------------------
def test_tensordot_axes_forms():
    assert check(lambda a, b: np.tensordot(a, b), r(2, 3, 2), r(3, 2, 2))  # axes=2
    assert check(lambda a, b: np.tensordot(a, b, axes=1), r(2, 3), r(3, 2))
    assert check(lambda a, b: np.tensordot(a, b, axes=0), r(2), r(3))  # an outer product
    assert check(lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), r(2, 3, 2), r(2, 2, 3))
    assert check(lambda a, b: np.tensordot(a, b, axes=(1, 0)), r(2, 3), r(3, 2))
    assert check(lambda a, b: np.tensordot(a, b, axes=([-1], [-2])), r(2, 3), r(3, 2))


def test_outer_kron():
    assert check(lambda a, b: np.outer(a, b), r(2, 2), r(3))  # flattens both
    assert check(lambda a, b: np.kron(a, b), r(2, 2), r(2, 3))
    assert check(lambda a, b: np.kron(a, b), r(2), r(2, 3))  # fewer axes: ones in front
    assert check(lambda a, b: np.kron(a, b), np.array(2.0), r(2))


def test_cross_products():
    assert check(lambda a, b: np.cross(a, b), r(3), r(3))
    assert check(lambda a, b: np.cross(a, b), r(2, 3), r(3))  # broadcast
    assert check(lambda a, b: np.cross(a, b, axisa=0, axisb=0, axisc=0), r(3, 2), r(3, 2))
    assert check(lambda a, b: np.cross(a, b, axis=0), r(3, 2), r(3, 1))
    with warnings.catch_warnings():  # numpy deprecates 2-vectors (and so do we, alike)
        warnings.simplefilter("ignore", DeprecationWarning)
        assert check(lambda a, b: np.cross(a, b), r(2, 2), r(2))  # the z component only
        assert check(lambda a, b: np.cross(a, b), r(2), r(3))


# --- trace / diagonal -----------------------------------------------------------------------
def test_trace_offsets_and_axes():
    assert check(np.trace, r(3, 3))
    assert check(lambda a: np.trace(a, offset=1), r(3, 4))
    assert check(lambda a: np.trace(a, offset=-2), r(4, 3))
    assert check(lambda a: np.trace(a, offset=-1, axis1=1, axis2=2), r(2, 3, 3))
    assert check(lambda a: np.trace(a, axis1=2, axis2=0), r(3, 2, 3))
    assert check(lambda a: np.trace(a, offset=5), r(2, 3))  # past the corner: 0


def test_diagonal_offsets_and_axes():
    assert check(np.diagonal, r(3, 4))
    assert check(lambda a: np.diagonal(a, 1), r(3, 4))
    assert check(lambda a: np.diagonal(a, -1, 0, 2), r(3, 2, 4))
    assert check(lambda a: np.diagonal(a, axis1=1, axis2=0), r(2, 3))


# --- the rule itself ------------------------------------------------------------------------
def test_evaluate_agrees_with_numpy_einsum():
    cases = [("ij,jk->ik", (2, 3), (3, 4)), ("bqd,bkd->bqk", (2, 4, 3), (2, 5, 3)),
             ("...i,...i->...", (2, 3), (1, 3)), ("iij->ji", (3, 3, 2)), ("i,i->i", (1,), (3,)),
             ("ij...,jk...->ik...", (2, 3, 5), (3, 4, 1)),
             ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
             (",", (), ()), ("i->", (0,)), ("...ij,...jk->...ik", (5, 1, 2, 3), (4, 3, 2))]
    for subscripts, *shapes in cases:
        xs = [r(*s) for s in shapes]
        spec = parse_einsum(subscripts, tuple(shapes))
        got, want = evaluate(spec, xs), np.einsum(subscripts, *xs)
        assert got.shape == want.shape and np.allclose(got, want), subscripts


def test_adjoint_is_the_transpose_of_the_tangent_for_every_operand():
    # <g, J_i t> = <J_i^T g, t> operand by operand, with broadcasting and diagonals
    cases = [("ii,i->i", (3, 3), (3,)), ("ij,jk", (2, 1), (3, 2)), ("ij->", (2, 3)),
             ("...ij,...jk->...ik", (1, 2, 3), (4, 3, 2)), ("iij,j->ij", (2, 2, 3), (1,))]
    for subscripts, *shapes in cases:
        xs = [r(*s) for s in shapes]
        spec = parse_einsum(subscripts, tuple(shapes))
        out = evaluate(spec, xs)
        g = r(*out.shape)
        for i in range(len(xs)):
            t = r(*xs[i].shape, 1)
            ts = [None] * len(xs)
            ts[i] = t
            jt = EINSUM.jvp(ts, xs, out, spec=spec)[..., 0]
            jg = EINSUM.vjp(g, xs, out, i, spec=spec)
            assert jg.shape == xs[i].shape
            assert np.isclose(np.sum(g * jt), np.sum(jg * t[..., 0])), (subscripts, i)


def test_hessian_through_einsum_reverse_agrees_with_symbolic():
    A, x = r(3, 3), r(3)

    def f(A, x):
        return (np.einsum("ij,j,i->", A, x, x) + np.sum(np.einsum("ii->i", A * A) * x)
                + np.sum(np.sin(np.einsum("...ij,j->...i", A[None], x))) * np.trace(A))
    H = dm.hessian(f, (A, x), method="reverse")
    S = dm.hessian(f, (A, x), method="symbolic")
    for i in range(2):
        for j in range(2):
            assert np.allclose(H[i][j], S[i][j], rtol=1e-10, atol=1e-12)


def test_reverse_adjoints_of_a_transposing_einsum_are_not_views_of_g():
    # 'ij->ji' hands back g transposed. Its adjoint reaches a first, then the cos and sin
    # branches add into a's adjoint in place: were it a view of g, the cos branch would change
    # the g that the sin branch reads after it
    w = r(3, 2)
    f = lambda a: np.sum(w * (np.sin(a).T + np.cos(a).T + np.einsum("ij->ji", a)))  # noqa
    a = r(2, 3)
    assert np.allclose(dm.gradient(f, a), w.T * (np.cos(a) - np.sin(a) + 1), rtol=1e-12)


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("f, match", [
    (lambda a: np.einsum("ij,jk->ik", a, np.ones((4, 2))), r"np\.einsum: .*broadcast"),
    (lambda a: np.einsum("ii->i", a), r"np\.einsum: .*different lengths"),
    (lambda a: np.einsum("i->ii", a[0]), r"np\.einsum: .*repeats"),
    (lambda a: np.einsum("ij->k", a), r"np\.einsum: .*names no operand"),
    (lambda a: np.einsum("...j,j->j", a, np.ones(3)), r"np\.einsum: .*add '\.\.\.'"),
    (lambda a: np.einsum("ij,jk", a), r"np\.einsum: .*2 operand"),
    (lambda a: np.einsum("i1", a), r"np\.einsum: .*letters"),
    (lambda a: np.einsum("ij", a, out=np.empty((2, 3))), r"np\.einsum: out= .*y = np\.einsum"),
    (lambda a: a @ np.ones((4, 2)), r"np\.matmul: .*do not match"),
    (lambda a: a @ 2.0, r"np\.matmul: .*scalar.*use \*"),
    (lambda a: np.matmul(a, a.T, axes=[(-2, -1), (-2, -1), (-2, -1)]),
     r"np\.matmul with axes= .*np\.einsum"),
    (lambda a: np.dot(a, np.ones((2, 4, 2))), r"np\.dot: .*not aligned"),
    (lambda a: np.tensordot(a, np.ones((2, 3)), axes=([0], [1])), r"np\.tensordot: .*mismatch"),
    (lambda a: np.inner(a, np.ones(2)), r"np\.inner: .*last axes"),
    (lambda a: np.cross(a, np.ones((2, 4))), r"np\.cross: .*2 or 3"),
    (lambda a: np.trace(a[0]), r"np\.trace: .*at least 2 axes"),
    (lambda a: np.vdot(a, np.ones(4)), r"np\.vdot: .*same number"),
])
def test_bad_contractions_are_refused_by_name(f, match):
    for method in ("forward", "reverse", "symbolic"):
        with pytest.raises(dm.UnsupportedOperationError, match=match):
            dm.gradient(lambda a: np.sum(f(a)), r(2, 3), method=method)


def test_spec_text_names_the_subscripts():
    assert str(parse_einsum("ij,jk->ik", ((2, 3), (3, 4)))) == "ab,bc->ac"
    assert str(Spec(((0,), (0,)), ())) == "a,a->"
