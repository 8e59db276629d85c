"""Structured points: matrices, several arrays with argnums, nested pytrees -- every method and
every operator, results in the shapes of the arguments, components named as the user knows them.
"""

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.points import Problem
from diffmethods.registry import get_method

rng = np.random.default_rng(7)
A0 = rng.normal(size=(2, 3))
W0, B0, X0 = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(4, 2))
LABELS = np.array([0, 2, 1, 2])  # integer data: never differentiated


def matrix_vec(A):
    return np.sin(A) * A**2 + A[0] * A[1]


def matrix_f(A):
    return np.sum(matrix_vec(A))


def layer_vec(W, b, X, labels):
    return np.tanh(X @ W.T + b)[np.arange(len(labels)), labels]


def layer_f(W, b, X, labels):
    return np.sum(layer_vec(W, b, X, labels) ** 2)


def tree_vec(p):
    W, b = p["layer"]
    return p["scale"] * np.exp(0.3 * (X0 @ W.T + b))


def tree_f(p):
    return np.sum(tree_vec(p)) + p["scale"] ** 3


# (name, scalar f, vector f, point, argnums, hand-derived gradient in the point's structure)
def _matrix_grad(A):
    g = np.cos(A) * A**2 + 2 * A * np.sin(A)
    return g + 2 * np.stack([A[1], A[0]])  # A[0] * A[1] is broadcast to both rows


def _layer_grad(W, b, X, labels):
    h = np.tanh(X @ W.T + b)
    picked = np.zeros_like(h)
    picked[np.arange(len(labels)), labels] = 1.0
    dz = picked * 2 * h * (1 - h**2)
    return dz.T @ X, dz.sum(axis=0)


def _tree_grad(p):
    W, b = p["layer"]
    e = p["scale"] * np.exp(0.3 * (X0 @ W.T + b))
    return {"layer": (0.3 * e.T @ X0, 0.3 * e.sum(axis=0)),
            "scale": float(np.sum(e) / p["scale"] + 3 * p["scale"] ** 2)}


dm.manual(_matrix_grad)(matrix_f)
dm.manual(_layer_grad)(layer_f)
dm.manual(_tree_grad)(tree_f)

CASES = {
    "matrix": (matrix_f, matrix_vec, A0, None),
    "arguments": (layer_f, layer_vec, (W0, B0, X0, LABELS), (0, 1)),
    "pytree": (tree_f, tree_vec, {"layer": (W0, B0), "scale": 0.7}, None),
}


def _structure(f, point, argnums):
    return Problem(f, point, "", argnums).structure


def _flat(f, point, argnums, value, leading=()):
    return _structure(f, point, argnums).flatten_like(value, "result", leading)


def _assert_same_shapes(value, like):
    """``value`` has the containers, keys and leaf shapes of ``like``."""
    if isinstance(like, dict):
        assert isinstance(value, dict) and list(value) == list(like)
        for k in like:
            _assert_same_shapes(value[k], like[k])
    elif isinstance(like, (tuple, list)):
        assert type(value) is type(like) and len(value) == len(like)
        for v, w in zip(value, like):
            _assert_same_shapes(v, w)
    else:
        assert np.shape(value) == np.shape(like), (np.shape(value), np.shape(like))


def _differentiated(point, argnums):
    if argnums is None:
        return point
    return tuple(point[k] for k in argnums)


def providing(operator):
    return [m for m in dm.methods() if hasattr(get_method(m), operator)]


def _tolerance(method):
    return 1e-12 if get_method(method).exact else 1e-6


def _close(a, b, rtol):
    scale = max(1.0, float(np.max(np.abs(b))))
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) <= rtol * scale


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", dm.methods())
def test_gradient_in_the_shapes_of_the_point(case, method):
    f, _, point, argnums = CASES[case]
    g = dm.gradient(f, point, method=method, argnums=argnums)
    _assert_same_shapes(g, _differentiated(point, argnums))
    reference = dm.differentiate(f, point, method="reverse", argnums=argnums).flat_gradient
    assert _close(_flat(f, point, argnums, g), reference, _tolerance(method))
    r = dm.differentiate(f, point, method=method, argnums=argnums)
    assert r.flat_gradient.shape == (reference.size,)
    assert np.array_equal(r.flat_gradient, _flat(f, point, argnums, r.gradient))


@pytest.mark.parametrize("case", CASES)
def test_the_hand_derived_gradient_agrees_exactly(case):
    f, _, point, argnums = CASES[case]
    hand = dm.differentiate(f, point, method="manual", argnums=argnums).flat_gradient
    reverse = dm.differentiate(f, point, method="reverse", argnums=argnums).flat_gradient
    assert _close(hand, reverse, 1e-13)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", providing("jacobian"))
def test_jacobian_has_shape_output_plus_input(case, method):
    f, vec, point, argnums = CASES[case]
    if method == get_method("manual").name:
        pytest.skip("no hand-derived Jacobian for these vector functions")
    J = dm.jacobian(vec, point, method=method, argnums=argnums)
    out_shape = np.shape(vec(*point) if isinstance(point, tuple) else vec(point))
    diff = _differentiated(point, argnums)
    if isinstance(diff, np.ndarray):
        assert J.shape == out_shape + diff.shape
    else:
        leaves = _structure(vec, point, argnums).leaves
        flat_J = _flat(vec, point, argnums, J, out_shape)
        assert flat_J.shape == (int(np.prod(out_shape)), sum(leaf.size for leaf in leaves))
    reference = dm.jacobian(vec, point, method="reverse", argnums=argnums)
    assert _close(_flat(vec, point, argnums, J, out_shape),
                  _flat(vec, point, argnums, reference, out_shape), _tolerance(method))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", [m for m in providing("hessian") if m != "manual"])
def test_hessian_blocks_and_hvp(case, method):
    f, _, point, argnums = CASES[case]
    structure = _structure(f, point, argnums)
    H = dm.hessian(f, point, method=method, argnums=argnums)
    flat_H = structure.flatten_hessian(H, "the Hessian")
    reference = dm.hessian(f, point, method="symbolic", argnums=argnums)
    flat_ref = structure.flatten_hessian(reference, "the Hessian")
    assert _close(flat_H, flat_ref, 1e-10 if get_method(method).exact else 1e-4)
    assert np.allclose(flat_H, flat_H.T, atol=1e-8)
    if not isinstance(point, np.ndarray):  # a block of the nested structure has both shapes
        a, b = structure.leaves[0], structure.leaves[-1]
        block = structure.hessian(flat_ref)
        first = block[0] if isinstance(block, tuple) else block["layer"][0]
        inner = first[-1] if isinstance(first, tuple) else first["scale"]
        assert np.shape(inner) == a.shape + b.shape
    v = structure.gradient(np.linspace(-1, 1, structure.n))
    if method in providing("hvp"):
        Hv = dm.hvp(f, point, v, method=method, argnums=argnums)
        _assert_same_shapes(Hv, _differentiated(point, argnums))
        assert _close(_flat(f, point, argnums, Hv), flat_ref @ np.linspace(-1, 1, structure.n),
                      1e-10 if get_method(method).exact else 1e-4)


@pytest.mark.parametrize("case", CASES)
def test_jvp_and_vjp_take_and_give_structures(case):
    f, vec, point, argnums = CASES[case]
    structure = _structure(vec, point, argnums)
    out_shape = np.shape(vec(*point) if isinstance(point, tuple) else vec(point))
    J = _flat(vec, point, argnums, dm.jacobian(vec, point, argnums=argnums), out_shape)
    v_flat = np.linspace(0.5, -0.5, structure.n)
    jv = dm.jvp(vec, point, structure.gradient(v_flat), argnums=argnums)
    assert _close(np.reshape(jv, -1), J @ v_flat, 1e-12)
    assert _close(np.reshape(dm.jvp(vec, point, v_flat, argnums=argnums), -1), J @ v_flat, 1e-12)
    w = np.linspace(1, 2, J.shape[0]).reshape(out_shape)
    wJ = dm.vjp(vec, point, w, argnums=argnums)
    _assert_same_shapes(wJ, _differentiated(point, argnums))
    assert _close(_flat(vec, point, argnums, wJ), w.reshape(-1) @ J, 1e-12)


def test_directions_that_do_not_fit_are_refused_by_name():
    f, _, point, argnums = CASES["pytree"]
    with pytest.raises(dm.DirectionError, match=r"'layer'.*should be a tuple of 2"):
        dm.hvp(f, point, {"layer": (W0,), "scale": 1.0})
    with pytest.raises(dm.DirectionError, match=r"\['layer'\]\[1\] has shape \(2,\)"):
        dm.hvp(f, point, {"layer": (W0, np.ones(2)), "scale": 1.0})
    with pytest.raises(dm.DirectionError, match="real numbers"):
        dm.jvp(matrix_vec, A0, np.full(A0.shape, 1j))
    with pytest.raises(dm.DirectionError, match="real numbers"):
        dm.hvp(matrix_f, A0, "a")


def test_argnums_leaves_data_alone_and_refuses_integer_arrays():
    f, _, point, argnums = CASES["arguments"]
    gW, gb = dm.gradient(f, point, argnums=argnums)
    assert gW.shape == W0.shape and gb.shape == B0.shape
    gb_only = dm.gradient(f, point, argnums=1)  # an int: that argument's gradient alone
    assert isinstance(gb_only, np.ndarray) and np.array_equal(gb_only, gb)
    with pytest.raises(dm.PointError, match=r"argument 3 \('labels'\).*integer array.*argnums"):
        dm.gradient(f, point)
    for bad, message in [(5, "names argument 5"), ((0, 0), "twice"), ((), "non-empty"),
                         ("0", "int or a non-empty tuple"), (True, "int or")]:
        with pytest.raises(dm.OptionError, match=message):
            dm.gradient(f, point, argnums=bad)
    with pytest.raises(dm.OptionError, match="single argument"):
        dm.gradient(matrix_f, A0, argnums=1)
    assert np.array_equal(dm.gradient(f, point, argnums=-3), gb)  # negative, as in Python


def test_points_of_numbers_keep_the_flat_contract():
    seed = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)  # noqa: E731
    assert dm.gradient(seed, (2, 3, 4)).tolist() == [12, 12, 9]
    assert dm.gradient(seed, (2, 3, 4), argnums=(0, 2)).tolist() == [12, 9]
    assert dm.gradient(seed, (2, 3, 4), argnums=1).tolist() == [12]
    assert dm.gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0])).tolist() == [2, 4]
    assert dm.gradient(lambda x: x**2, 3.0).tolist() == [6]
    assert dm.component_names(seed, (2, 3, 4)) == ["x1", "x2", "x3"]


def test_float32_and_integer_leaves_are_read_as_float64():
    A32 = A0.astype(np.float32)
    g = dm.gradient(matrix_f, A32)
    assert g.dtype == np.float64
    assert _close(g, dm.gradient(matrix_f, A32.astype(float)), 1e-15)


@pytest.mark.parametrize("method", dm.methods())
def test_grad_transform_equals_gradient(method):
    for case in CASES.values():
        f, _, point, argnums = case
        g = dm.grad(f, argnums=argnums, method=method)
        args = point if isinstance(point, tuple) else (point,)
        assert _close(_flat(f, point, argnums, g(*args)),
                      _flat(f, point, argnums, dm.gradient(f, point, method=method,
                                                           argnums=argnums)), 0.0)
    seed = dm.manual(lambda x1, x2, x3: (6 * x1, 3 * x3, 3 * x2))(
        lambda x1, x2, x3: 3 * (x1**2 + x2 * x3))
    value, grad = dm.value_and_grad(seed, method=method)(2, 3, 4)
    assert value == pytest.approx(48) and grad == pytest.approx([12, 12, 9], rel=1e-6)


def test_grad_transform_says_what_it_is_and_reuses_the_derivation():
    g = dm.grad(layer_f, argnums=(0, 1), method="symbolic")
    assert repr(g) == "dm.grad(layer_f, method='symbolic', argnums=(0, 1))"
    g(W0, B0, X0, LABELS)
    second = dm.differentiate(layer_f, (W0 + 1, B0, X0, LABELS), method="symbolic",
                              argnums=(0, 1))
    assert second.details["cached"] and second.f_calls == 0
    changed = dm.differentiate(layer_f, (W0, B0, X0 + 1, LABELS), method="symbolic",
                               argnums=(0, 1))  # other data: another expression
    assert not changed.details["cached"]
    with pytest.raises(dm.OptionError, match="positionally"):
        g(W0, B0, X=X0)
    with pytest.raises(dm.OptionError, match="takes no options; got step="):
        dm.grad(layer_f, method="reverse", step=1e-3)


def test_check_gradient_names_the_planted_error_by_its_structured_name():
    f, _, point, argnums = CASES["arguments"]

    def backprop(W, b, X, labels):
        gW, gb = _layer_grad(W, b, X, labels)
        gW = gW.copy()
        gW[2, 1] += 1e-3  # the planted bug
        return gW, gb

    check = dm.check_gradient(f, backprop, point, argnums=argnums)
    assert not check.ok and [c.name for c in check.failures] == ["W[2, 1]"]
    assert "W[2, 1]" in str(check)
    assert dm.check_gradient(f, _layer_grad, point, argnums=argnums).ok

    def wrong_shape(W, b, X, labels):
        return _layer_grad(W, b, X, labels)[0], np.zeros(2)

    with pytest.raises(dm.FunctionError, match=r"\[1\] has shape \(2,\), but b needs shape"):
        dm.check_gradient(f, wrong_shape, point, argnums=argnums)


def test_explain_and_compare_name_the_components():
    f, _, point, argnums = CASES["arguments"]
    text = str(dm.explain(lambda W, b: layer_f(W, b, X0, LABELS), (W0, B0), method="forward"))
    assert "df/dW[0, 0]" in text and "`x2` is `b`" in text
    rows = dm.compare(f, point, argnums=argnums, methods=["reverse", "finite"], repeat=1)
    assert rows[0]["components"][:2] == ["W[0, 0]", "W[0, 1]"]
    assert rows[0]["components"][-1] == "b[2]"
    assert rows[1]["rel_error"] < 1e-7


def test_bad_leaves_are_named_by_their_path():
    cases = [
        ((W0, np.array([1 + 2j, 0, 0]), X0, LABELS), r"argument 1 \('b'\).*complex"),
        ((W0, B0.astype(object), X0, LABELS), r"argument 1 \('b'\).*dtype object"),
        ((W0, [1.0, [2.0, 3.0]], X0, LABELS), None),  # nested lists are containers: fine
        ((W0, {"a": "text"}, X0, LABELS), r"b\['a'\] is str 'text'"),
    ]
    for point, message in cases:
        if message is None:
            dm.component_names(layer_f, point, argnums=(0, 1))
            continue
        with pytest.raises(dm.PointError, match=message) as e:
            dm.gradient(layer_f, point, argnums=(0, 1))
        assert len(str(e.value)) < 300  # a path, not a printout of the array


# --- the networks of the issue --------------------------------------------------------------
def two_layer_loss(W1, b1, W2, X, y):
    h = np.tanh(X @ W1.T + b1)
    return np.mean((h @ W2.T - y) ** 2)


def two_layer_backprop(W1, b1, W2, X, y, planted=False):
    z = X @ W1.T + b1
    h = np.tanh(z)
    r = h @ W2.T - y
    d_out = 2 * r / r.size
    gW2 = d_out.T @ h
    dz = (d_out @ W2) * (1 - h**2)
    gW1, gb1 = dz.T @ X, dz.sum(axis=0)
    if planted:
        gb1 = gb1.copy()
        gb1[0] *= 1.001
    return gW1, gb1, gW2


def softmax_loss(W, b, X, labels):
    z = X @ W.T + b
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def softmax_backprop(W, b, X, labels):
    z = X @ W.T + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    p /= len(labels)
    gW = p.T @ X
    gW[3, 4] += 1e-4  # planted
    return gW, p.sum(axis=0)


NET = np.random.default_rng(0)
NET_POINT = (NET.normal(size=(4, 3)), np.zeros(4), NET.normal(size=(1, 4)),
             NET.normal(size=(64, 3)), NET.normal(size=(64, 1)))
SOFTMAX_POINT = (NET.normal(size=(10, 5)) * 0.3, NET.normal(size=10) * 0.1,
                 NET.normal(size=(32, 5)), NET.integers(0, 10, size=32))


@pytest.mark.parametrize("method", dm.methods())
@pytest.mark.parametrize("net", ["two-layer", "softmax"])
def test_the_networks_of_the_issue_through_every_method(method, net):
    f, point = ((two_layer_loss, NET_POINT) if net == "two-layer"
                else (softmax_loss, SOFTMAX_POINT))
    argnums = (0, 1, 2) if net == "two-layer" else (0, 1)
    if method == "manual":
        hand = two_layer_backprop if net == "two-layer" else softmax_backprop
        f = dm.manual(hand)(lambda W1, b1, W2, X, y, _f=f: _f(W1, b1, W2, X, y)) \
            if net == "two-layer" else dm.manual(hand)(lambda W, b, X, labels, _f=f:
                                                       _f(W, b, X, labels))
    if method == "symbolic" and net == "softmax":
        pytest.skip("max() at a tie-free point traces, but the softmax's 32x10 expression "
                    "takes minutes to derive: symbolic is checked on the two-layer network")
    # the two-layer network's symbolic derivation can pass the default budget on a loaded
    # machine; the budget is not what is tested here
    options = {"budget": 600} if dm.declaration(method).option("budget") else {}
    g = dm.gradient(f, point, method=method, argnums=argnums, **options)
    _assert_same_shapes(g, tuple(point[k] for k in argnums))
    ref = dm.differentiate(two_layer_loss if net == "two-layer" else softmax_loss, point,
                           method="reverse", argnums=argnums).flat_gradient
    flat = _flat(f, point, argnums, g)
    if method == "manual" and net == "softmax":
        assert not _close(flat, ref, 1e-6)  # the planted error shows
    else:
        assert _close(flat, ref, _tolerance(method))


def test_check_gradient_finds_the_planted_errors_in_the_networks():
    check = dm.check_gradient(two_layer_loss, lambda *a: two_layer_backprop(*a, planted=True),
                              NET_POINT, argnums=(0, 1, 2))
    assert [c.name for c in check.failures] == ["b1[0]"]
    check = dm.check_gradient(softmax_loss, softmax_backprop, SOFTMAX_POINT, argnums=(0, 1))
    assert [c.name for c in check.failures] == ["W[3, 4]"]
    assert dm.check_gradient(two_layer_loss, two_layer_backprop, NET_POINT,
                             argnums=(0, 1, 2)).ok


def test_a_sweep_of_one_named_component():
    f = lambda W, b: np.sum(np.exp(W @ b))  # noqa: E731
    point = (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.5, -1.0]))
    rows = dm.epsilon_sweep(f, point, coordinate="W[1, 0]", schemes=["central"],
                            steps=np.logspace(-8, -2, 4))
    assert {r["variable"] for r in rows} == {"W[1, 0]"} and rows[0]["coordinate"] == 2
    exact = np.exp(0.3 * 0.5 - 0.4) * 0.5
    assert min(abs(r["estimate"] - exact) for r in rows) < 1e-9
    with pytest.raises(dm.OptionError, match="no component is called 'W\\[2, 0\\]'"):
        dm.epsilon_sweep(f, point, coordinate="W[2, 0]")


def test_counts_and_names_per_method_on_a_structured_point():
    f, _, point, argnums = CASES["arguments"]
    n = W0.size + B0.size
    assert dm.differentiate(f, point, method="finite", argnums=argnums).f_calls == 2 * n + 1
    assert dm.differentiate(f, point, method="finite", scheme="forward",
                            argnums=argnums).f_calls == n + 1
    assert dm.differentiate(f, point, method="complex-step", argnums=argnums).f_calls == n
    sg = dm.symbolic_gradient(f, point, argnums=argnums)
    assert [str(s) for s in sg.symbols[:2]] == ["W_0_0", "W_0_1"] and str(sg.symbols[-1]) == "b_2"
    tape = dm.Tape()
    problem = Problem(f, point, "reverse", argnums)
    from diffmethods.methods.reverse import _record
    inputs, _ = _record(problem, tape)
    assert len(inputs) == 2 and tape.inputs == 2  # one node per array, not one per element
    r = dm.differentiate(f, point, method="forward", argnums=argnums)
    assert r.passes == 1 and r.details["chunk"] == n  # all directions in one block
