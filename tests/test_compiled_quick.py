"""The compiled method's quick path for repeated gradients, its Jacobians, and --program.

A repeated ``dm.gradient(f, x, method="compiled")`` skips the Problem and the fingerprint
when a watch of f's context says nothing changed. These tests change that context between
calls in every way f can see it -- an array in a closure written in place, a closure variable
rebound, a global rebound, a helper function replaced, a list mutated -- and require the new
answer, equal to reverse mode's. Nothing here is timed.
"""

from __future__ import annotations

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.fingerprint_watch import watch
from diffmethods.methods.compiled import CompiledMethod, clear_cache

COMPILED = CompiledMethod.name

SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0, 3.0])


def helper(x):
    return x ** 2


def uses_globals(x1, x2):
    return SCALE * helper(x1) * x2 + np.sum(WEIGHTS) * x2


def _both(f, point):
    """The compiled gradient (twice: the second may take the quick path) and reverse mode's."""
    first = dm.differentiate(f, point, method=COMPILED)
    second = dm.differentiate(f, point, method=COMPILED)
    tape = dm.differentiate(f, point, method="reverse")
    np.testing.assert_allclose(first.gradient, tape.gradient, rtol=1e-14)
    np.testing.assert_allclose(second.gradient, tape.gradient, rtol=1e-14)
    assert second.value == pytest.approx(tape.value, rel=1e-14)
    return second


def test_a_repeated_call_takes_the_quick_path_and_agrees():
    clear_cache()
    data = np.array([0.5, -1.0, 2.0])
    f = lambda w, b: np.mean((w * data + b) ** 2)
    assert watch(f) is not None
    second = _both(f, (0.3, -0.2))
    assert second.f_calls == 0 and second.details["recorded_here"] is False


def test_an_array_written_in_place_changes_the_answer():
    data = np.array([0.5, -1.0, 2.0])
    f = lambda w: np.sum(data * w ** 2)
    x = np.array([1.0, 2.0, 3.0])
    before = _both(f, x).gradient.copy()
    data[1] = 10.0  # same object, new bytes
    after = _both(f, x).gradient
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, 2 * data * x, rtol=1e-14)


def test_a_closure_variable_rebound_changes_the_answer():
    k = 3.0

    def f(x1, x2):
        return k * x1 * x2
    assert _both(f, (2.0, 5.0)).gradient.tolist() == [15.0, 6.0]
    k = -1.0  # (read by f through its cell)
    assert _both(f, (2.0, 5.0)).gradient.tolist() == [-5.0, -2.0]


def test_a_global_and_a_helper_rebound_change_the_answer():
    global SCALE, helper
    old_scale, old_helper = SCALE, helper
    try:
        g1 = _both(uses_globals, (1.5, 2.0)).gradient
        SCALE = 5.0
        g2 = _both(uses_globals, (1.5, 2.0)).gradient
        helper = lambda x: x ** 3
        g3 = _both(uses_globals, (1.5, 2.0)).gradient
        WEIGHTS[0] = 100.0  # a global array written in place
        g4 = _both(uses_globals, (1.5, 2.0)).gradient
    finally:
        SCALE, helper = old_scale, old_helper
        WEIGHTS[0] = 1.0
    assert g1[0] == pytest.approx(2.0 * 2 * 1.5 * 2.0)
    assert g2[0] == pytest.approx(5.0 * 2 * 1.5 * 2.0)
    assert g3[0] == pytest.approx(5.0 * 3 * 1.5 ** 2 * 2.0)
    assert g4[1] == pytest.approx(5.0 * 1.5 ** 3 + 105.0)


def test_a_list_in_the_closure_is_not_watched_but_still_seen():
    coefficients = [1.0, 2.0]
    f = lambda x: coefficients[0] * x ** 2 + coefficients[1] * x
    assert watch(f) is None  # a list's contents can change under the same identity
    assert _both(f, 3.0).gradient.tolist() == [8.0]
    coefficients[1] = -4.0
    assert _both(f, 3.0).gradient.tolist() == [2.0]


def test_the_quick_path_leaves_unusual_points_to_the_general_one():
    f = lambda x: np.sum(np.sqrt(x))
    dm.gradient(f, np.array([1.0, 4.0]), method=COMPILED)
    with pytest.raises(dm.errors.PointError):  # a NaN point is refused, not run
        dm.gradient(f, np.array([np.nan, 4.0]), method=COMPILED)
    with pytest.warns(dm.errors.DomainWarning):  # outside the domain: the policy speaks
        g = dm.gradient(f, np.array([-1.0, 4.0]), method=COMPILED)
    assert np.isnan(g).all()
    g = dm.gradient(f, np.array([1.0, 4.0, 9.0]), method=COMPILED)  # another shape
    np.testing.assert_allclose(g, [0.5, 0.25, 1 / 6], rtol=1e-14)


# --- explain --program: the tape beside its program -------------------------------------------
def test_explain_program_puts_each_adjoint_line_beside_its_sweep_step(capsys):
    from diffmethods.cli import main
    assert main(["explain", "3*(x1**2 + x2*x3)", "--at", "2,3,4", "--method", "reverse",
                 "--program"]) == 0
    out = capsys.readouterr().out
    tape, program = out.split("The tape and its program, side by side")
    assert "Backward pass" in tape  # the reverse explanation comes first, whole
    rows = {line.split("|")[3].strip(): [c.strip() for c in line.split("|")]
            for line in program.splitlines() if line.count("|") == 4 and "_bar" in line}
    # each adjoint line sits beside the sweep step it replaces, and gives the tape's number
    assert rows["x6_bar = 3 * x7_bar"][:3] == ["x7", "x̄6 += ∂x7/∂x6·x̄7", "3·1 = 3"]
    assert rows["x6_bar = 3 * x7_bar"][4] == "3"
    assert rows["x5_bar = x6_bar"][1] == "x̄5 += ∂x6/∂x5·x̄6"
    assert rows["x2_bar = x3 * x5_bar"][2:] == ["4·3 = 12", "x2_bar = x3 * x5_bar", "12"]
    assert rows["x3_bar = x2 * x5_bar"][4] == "9"
    assert rows["x1_bar = 2 * x1 * x4_bar"][0] == "x4"
    assert "gradient (12, 12, 9); the tape's sweep gave (12, 12, 9): the same numbers" in \
        " ".join(program.split())


def test_explain_program_line_values_are_the_programs_own():
    from diffmethods.teaching.explain import explain
    f = lambda x: np.sum(x ** 2) * x[0]
    x = np.array([1.0, 2.0, 3.0])
    e = explain(f, x, "reverse", program=True)["program"]
    gives = {row[3]: row[4] for row in e.data["backward"]}
    assert gives["x1_bar = 2 * x1 * x2_bar"] == "[2, 4, 6]"  # before the gathered += below
    assert gives["x1_bar += np.array([x4_bar, 0.0, 0.0])"] == "[16, 4, 6]"
    np.testing.assert_allclose(e.gradient, dm.gradient(f, x), rtol=1e-14)
    whole = explain(f, x, program=True)  # every method: right after reverse mode's part
    names = list(whole.parts)
    assert names.index("program") == names.index("reverse") + 1


def test_the_tutorial_section_shows_tape_program_and_formula_agreeing():
    from diffmethods.teaching.document import Formula, Table
    from diffmethods.teaching.program_beside import same_derivative_as_code
    f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
    blocks = same_derivative_as_code(f, (2.0, 3.0, 4.0), (1.0, -2.0, 0.5))
    tape = next(b for b in blocks if isinstance(b, Table))
    assert tape.rows[1][3] == "∂x5/∂x2 = 4, ∂x5/∂x3 = 3"  # numbers, at this point only
    program, formula = [b.lines for b in blocks if isinstance(b, Formula)]
    assert "    x6_bar = 3 * x7_bar" in program and "    x1_bar = 2 * x1 * x4_bar" in program
    assert "df/dx1 = 6*x1" in formula
    assert "the program gives (6, 1.5, -6) and the symbolic code (6, 1.5, -6)" in \
        " ".join(blocks[-1].text.split())


# --- Jacobians by the vjp program; second derivatives declared as reverse mode's -------------
@pytest.mark.parametrize("f, point", [
    (lambda x: np.array([x[0] * x[1], np.sin(x[2]), x[0] ** 2 * np.exp(x[1])]),
     np.array([1.0, 2.0, 3.0])),
    (lambda a, b: [a * b, a + b, np.tanh(a - b)], (2.0, 3.0)),
    (lambda W, x: np.tanh(W @ x), (np.arange(6.0).reshape(2, 3) / 7, np.array([0.5, -1.0, 2.0]))),
    (lambda x: np.outer(x, x), np.array([1.5, -0.5])),  # a matrix output
])
def test_the_jacobian_program_agrees_with_the_tape(f, point):
    compiled = dm.jacobian(f, point, method=COMPILED)
    tape = dm.jacobian(f, point, method="reverse")
    for c, t in zip(compiled if isinstance(compiled, tuple) else [compiled],
                    tape if isinstance(tape, tuple) else [tape]):
        assert np.shape(c) == np.shape(t)
        np.testing.assert_allclose(c, t, rtol=1e-14, atol=0)
    moved = tuple(p * 1.1 for p in point) if isinstance(point, tuple) else point * 1.1
    again = dm.jacobian(f, moved, method=COMPILED, full_output=True)  # the kept program
    assert "program" not in again.details and again.f_calls == 0
    np.testing.assert_allclose(again.derivative, dm.jacobian(
        f, moved, method="reverse", full_output=True).derivative, rtol=1e-14, atol=0)


def test_the_vjp_of_the_method_is_a_program_and_agrees():
    f = lambda x: np.array([np.sum(x ** 2), np.prod(x[:2]), x[2] / x[0]])
    x, w = np.array([1.0, -2.0, 0.5]), np.array([0.3, -1.0, 2.0])
    r = dm.vjp(f, x, w, method=COMPILED, full_output=True)
    assert "program" not in r.details  # not handed to the tape
    np.testing.assert_allclose(r.gradient, dm.vjp(f, x, w, method="reverse"), rtol=1e-14)


def test_second_derivatives_are_declared_as_reverse_modes_and_say_so():
    from diffmethods.registry import declaration
    assert dict(declaration(COMPILED).answered_by) == {"hessian": "reverse", "hvp": "reverse"}
    f = lambda x: np.sum(x ** 3)
    x = np.array([1.0, 2.0])
    r = dm.hvp(f, x, [1.0, 0.0], method=COMPILED, full_output=True)
    assert r.details["program"].startswith("none, reverse mode answered")
    np.testing.assert_allclose(r.gradient, [6.0, 0.0], rtol=1e-14)
    assert "reverse mode answered" in dm.hessian(f, x, method=COMPILED,
                                                 full_output=True).details["program"]
