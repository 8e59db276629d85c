"""The step-by-step explanations: the numbers and names they show, read off the real machinery.

The expected numbers for the seed function come from the chain rule worked by hand:
f = 3*(x1**2 + x2*x3) at (2, 3, 4): x4 = x1**2 = 4, x5 = x2*x3 = 12, x6 = x4 + x5 = 16,
x7 = 3*x6 = 48; local partials dx4/dx1 = 2*x1 = 4, dx5/dx2 = x3 = 4, dx5/dx3 = x2 = 3,
dx6/dx4 = dx6/dx5 = 1, dx7/dx6 = 3; adjoints x̄7 = 1, x̄6 = 3, x̄5 = x̄4 = 3, x̄3 = 3*3 = 9,
x̄2 = 3*4 = 12, x̄1 = 3*4 = 12.
"""

import math
import re

import numpy as np
import pytest
import sympy

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.teaching.finite_trace import explain_finite, stencil_formula
from diffmethods.teaching.forward_trace import tangent_passes
from diffmethods.teaching.manual_rules import derive_all, derive_by_rules
from diffmethods.teaching.notation import local_partial_formula
from diffmethods.teaching.reverse_trace import paths_to_output, walk_reverse
from diffmethods.teaching.symbolic_trace import expression_swell, readable_cse

from helpers import close

SEED = SCENARIOS["seed"].f
POINT = (2.0, 3.0, 4.0)


def shared(x1, x2):
    """x1 is used by two operations: its adjoint must gather two contributions."""
    return x1 * x2 + np.sin(x1)


def square(x):
    """x is both operands of one multiplication: two contributions from one operation."""
    return x * x


# --- reverse mode: the seed, numbers and names ----------------------------------------------
def test_reverse_forward_pass_of_the_seed():
    walk = dm.explain(SEED, POINT, method="reverse").data
    ops = walk.operations
    assert [n.name for n in walk.nodes] == ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]
    assert [n.formula() for n in ops] == ["x1 ** 2", "x2 * x3", "x4 + x5", "3 * x6"]
    assert [n.value for n in ops] == [4.0, 12.0, 16.0, 48.0]
    assert walk.value == 48.0 and walk.output == 6


def test_reverse_local_partials_of_the_seed():
    walk = walk_reverse(SEED, POINT)
    x5 = walk.nodes[4]
    assert x5.partials == (4.0, 3.0)  # dx5/dx2 = x3 = 4, dx5/dx3 = x2 = 3
    assert [str(x5.partial_formula(p)) for p, _ in x5.node_operands] == ["x3", "x2"]
    assert str(walk.nodes[3].partial_formula(0)) == "2*x1"
    assert walk.nodes[6].partials == (3.0,)


def test_reverse_backward_pass_of_the_seed():
    walk = walk_reverse(SEED, POINT)
    assert [n.adjoint for n in reversed(walk.nodes)] == [1.0, 3.0, 3.0, 3.0, 9.0, 12.0, 12.0]
    assert [(s.out, s.into) for s in walk.steps] == [(6, 5), (5, 3), (5, 4), (4, 1), (4, 2),
                                                     (3, 0)]
    assert walk.gradient.tolist() == [12.0, 12.0, 9.0]
    for s in walk.steps:  # the running totals end at the adjoints the sweep returned
        if s is walk.contributions(s.into)[-1]:
            assert s.total == walk.nodes[s.into].adjoint


def test_reverse_text_names_every_step():
    text = str(dm.explain(SEED, POINT, method="reverse"))
    assert re.search(r"^x4\s+\| x1 \*\* 2\s+\| x1 = 2\s+\|\s+4$", text, re.M)
    assert re.search(r"^x7\s+\| 3 \* x6\s+\| x6 = 16\s+\|\s+48$", text, re.M)
    assert re.search(r"^x5\s+\| ∂x5/∂x3 \| x2\s+\|\s+3$", text, re.M)  # dx5/dx3 = x2 = 3
    sweep = re.findall(r"x̄(\d) \+= ∂x(\d)/∂x\d·x̄\d", text)
    assert sweep == [("6", "7"), ("4", "6"), ("5", "6"), ("2", "5"), ("3", "5"), ("1", "4")]
    assert re.search(r"^x̄3\s+\| x̄5·∂x5/∂x3\s+\| 3·3\s+\|\s+9$", text, re.M)
    assert "= 3·1·4 = 12" in text  # df/dx1 as the product along its one path
    assert "Gradient = (12, 12, 9)" in text


# --- reverse mode: structure for other functions -------------------------------------------
def test_a_node_used_by_two_operations_gets_two_contributions():
    walk = walk_reverse(shared, (2.0, 3.0))
    steps = walk.contributions(0)
    assert len(steps) == 2
    assert {walk.nodes[s.out].op for s in steps} == {"multiply", "sin"}
    assert sorted(s.partial for s in steps) == sorted([3.0, math.cos(2.0)])
    assert walk.gradient[0] == pytest.approx(3.0 + math.cos(2.0), rel=1e-15)
    assert len(paths_to_output(walk, 0)) == 2 and len(paths_to_output(walk, 1)) == 1
    text = str(dm.explain(shared, (2.0, 3.0), method="reverse"))
    assert "x̄3·∂x3/∂x1 + x̄4·∂x4/∂x1" in text and "x1 is used more than once" in text


def test_a_node_used_twice_by_one_operation_gets_two_contributions():
    walk = walk_reverse(square, 3.0)
    (node,) = walk.operations
    assert [o for _, o in node.node_operands] == [0, 0]
    assert [(s.into, s.partial) for s in walk.contributions(0)] == [(0, 3.0), (0, 3.0)]
    assert walk.gradient.tolist() == [6.0]


def test_array_code_shows_its_linear_primitives():
    walk = walk_reverse(lambda x: np.sum(x**2), np.array([1.0, 2.0]))
    assert [n.op for n in walk.operations] == ["power", "sum"]
    assert walk.operations[1].is_linear_primitive
    assert walk.gradient.tolist() == [2.0, 4.0]
    assert "transpose of sum" in str(dm.explain(lambda x: np.sum(x**2), np.array([1.0, 2.0]),
                                                method="reverse"))


@pytest.mark.parametrize("name", ["seed", "beale", "trig", "exp_log", "hyperbolic", "powers",
                                  "kinks", "huber", "sweep", "rosenbrock_loop", "logistic",
                                  "quadratic"])
def test_walks_reproduce_the_library_and_their_formulas_their_numbers(name):
    s = SCENARIOS[name]
    walk = walk_reverse(s.f, s.point)
    assert np.array_equal(walk.gradient, dm.gradient(s.f, s.point, method="reverse"))
    values = {n.index: n.value for n in walk.nodes}
    for node in walk.operations:  # each printed formula evaluates to the tape's own partial
        operands = [values[o] if isinstance(o, int) else o for o in node.operands]
        if node.is_linear_primitive or any(np.ndim(v) for v in operands):
            continue  # a transpose, or array values: checked through the gradient above
        names = {sympy.Symbol(f"x{i + 1}", real=True): v for i, v in values.items()
                 if np.ndim(v) == 0}
        for k, (position, _) in enumerate(node.node_operands):
            formula = node.partial_formula(position)
            assert float(formula.subs(names)) == pytest.approx(float(node.partials[k]),
                                                               rel=1e-12, abs=1e-14)
    passes = tangent_passes(s.f, s.point)
    forward = np.array([p.derivative for p in passes])
    assert close(forward, dm.gradient(s.f, s.point, method="forward"), 1e-14, 1e-14)


def test_local_partial_formulas_of_single_operations():
    assert str(local_partial_formula("divide", ["x1", "x2"], 1)) == "-x1/x2**2"
    assert str(local_partial_formula("power", ["x1", 3.0], 0)) == "3*x1**2"
    assert str(local_partial_formula("sin", ["x4"], 0)) == "cos(x4)"


# --- forward mode ---------------------------------------------------------------------------
def test_forward_mode_makes_one_pass_per_input():
    passes = tangent_passes(SEED, POINT)
    assert [p.direction for p in passes] == [0, 1, 2]
    assert [p.derivative for p in passes] == [12.0, 12.0, 9.0]
    # seeding x1: the tangents are dxk/dx1 = 1, 0, 0, 2*x1 = 4, 0, 4, 3*4 = 12
    assert [n.tangent for n in passes[0].nodes] == [1.0, 0.0, 0.0, 4.0, 0.0, 4.0, 12.0]
    assert [n.tangent for n in passes[2].nodes] == [0.0, 0.0, 1.0, 0.0, 3.0, 3.0, 9.0]
    assert all([n.value for n in p.nodes] == [2, 3, 4, 4, 12, 16, 48] for p in passes)


def test_forward_text_shows_the_tangent_rule_and_the_chunking():
    e = dm.explain(SEED, POINT, method="forward")
    text = str(e)
    assert re.search(r"^x5\s+\| x2 \* x3\s+\|\s+12 \| x3·ẋ2 \+ x2·ẋ3$", text, re.M)
    assert text.count("Pass ") == 3 and "ends with df/dx3 = 9" in text
    assert "makes 3 passes" in text and "took 1 pass" in text
    assert e.gradient.tolist() == [12.0, 12.0, 9.0]


# --- symbolic -------------------------------------------------------------------------------
def test_symbolic_shows_expression_derivatives_and_cse():
    e = dm.explain(SEED, POINT, method="symbolic")
    text = str(e)
    assert "f = 3*x1**2 + 3*x2*x3" in text
    assert re.search(r"^df/dx1\s+\| 6\*x1\s+\|\s+1 \|", text, re.M)
    replacements, reduced = readable_cse(e.data)
    assert all(str(t).startswith("t") for t, _ in replacements)  # not x0, x1, ... (inputs)
    assert e.gradient.tolist() == [12.0, 12.0, 9.0]


def test_expression_swell_grows_faster_than_the_tape():
    rows = expression_swell(range(1, 6)).rows
    derivative = [r[2] for r in rows]
    assert all(b > 2 * a for a, b in zip(derivative, derivative[1:]))  # more than doubles
    assert all(r[4] < r[3] for r in rows[1:])  # CSE shrinks it
    assert [r[5] for r in rows] == [2 * d for d in range(1, 6)]  # two records per step


# --- finite differences ---------------------------------------------------------------------
def test_finite_shows_the_calls_the_method_made():
    e = explain_finite(SEED, POINT)
    calls, h = e.data, None
    assert len(calls) == 7 and calls[0][0].tolist() == list(POINT) and calls[0][1] == 48.0
    r = dm.differentiate(SEED, POINT, method="finite")
    h = r.details["steps"]
    for k, (x, _) in enumerate(calls[1:]):
        i, sign = k // 2, (-1, 1)[k % 2]  # central: x - h, then x + h, per coordinate
        expected = np.array(POINT)
        expected[i] += sign * h[i]
        assert np.array_equal(x, expected)
    assert np.array_equal(e.gradient, r.gradient)
    assert "7 calls of f (2n + 1 for this scheme)" in " ".join(str(e).split())


def test_finite_forward_difference_error_is_the_truncation_error():
    # forward difference of 3*x1**2 with h = 1% of x1 = 0.02: 6*x1 + 3h = 12.06
    e = explain_finite(SEED, POINT, scheme="forward", rel_step=0.01)
    assert e.gradient[0] == pytest.approx(12.06, rel=1e-12)
    assert re.search(r"^df/dx1 .*\|\s+6\.0e-02 \|\s+5\.0e-03$", str(e), re.M)


def test_stencil_formulas_read_like_the_textbook():
    assert stencil_formula("forward", "x1") == "(-f(x1) + f(x1 + h)) / h"
    assert stencil_formula("central", "x2") == "(-1/2·f(x2 - h) + 1/2·f(x2 + h)) / h"


# --- manual, by rules -----------------------------------------------------------------------
def test_rules_are_named_and_their_results_right():
    x = sympy.Symbol("x", real=True)
    d, steps = derive_by_rules((x**2 + 1)**3, x)
    assert [s.rule for s in steps] == ["power rule", "linearity", "power rule"]
    assert sympy.simplify(d - 6 * x * (x**2 + 1)**2) == 0
    d, steps = derive_by_rules(x * sympy.sin(x), x)
    assert [s.rule for s in steps] == ["product rule", "elementary derivative"]
    d, steps = derive_by_rules(sympy.exp(3 * x), x)
    assert [s.rule for s in steps] == ["chain rule", "constant factor"]
    assert d == 3 * sympy.exp(3 * x)


@pytest.mark.parametrize("name", ["seed", "beale", "trig", "exp_log", "inverse_trig", "powers",
                                  "kinks", "sum_sin", "product"])
def test_rule_derivations_agree_with_sympy_and_with_the_hand_gradient(name):
    s = SCENARIOS[name]
    _, derivations = derive_all(s.f, s.point)
    assert all(d.agrees for d in derivations)
    values = [d.value for d in derivations]
    assert close(values, dm.gradient(s.f, s.point, method="manual"), 1e-12, 1e-12)


def test_seed_manual_derivation_names_the_article_rules():
    e = dm.explain(SEED, POINT, method="manual")
    rules = {s.rule for d in e.data for s in d.steps}
    assert rules == {"linearity", "constant factor", "power rule"}
    assert [str(d.derivative) for d in e.data] == ["6*x1", "3*x3", "3*x2"]
    assert "the same numbers" in str(e)


# --- complex step and Richardson ---------------------------------------------------------
def test_complex_step_shows_the_complex_value_of_every_operation():
    from diffmethods.methods.complex_step import ComplexStep
    e = dm.explain(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), method=ComplexStep.name)
    text = str(e)
    assert "No step-by-step" not in text and e.gradient.tolist() == [12, 12, 9]
    assert re.search(r"^x4\s+\| x1 \*\* 2\s+\| 4 \+ 4e-20i\s+\|\s+4$", text, re.M)  # as typed
    assert re.search(r"^x7\s+\| 3 \* x6\s+\| 48 \+ 1.2e-19i\s+\|\s+12$", text, re.M)
    assert "Caution" not in text
    kinked = dm.explain(lambda x1, x2: abs(x1) + np.maximum(x1, x2), (0.5, 1.0),
                        method=ComplexStep.name, step=1e-10)
    assert "Caution" in str(kinked) and "`absolute`" in kinked.markdown()
    assert e.data and kinked.data[0][0] == "absolute"


def test_richardson_shows_its_tableau_and_error_estimate():
    from diffmethods.methods.richardson import Richardson
    e = dm.explain(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2), (2, 5),
                   method=Richardson.name)
    text = str(e)
    assert "No step-by-step" not in text and "The tableau for x1" in text
    assert re.search(r"^\s+1 \|\s+0.2 \| 5.50167673866 \|", text, re.M)
    assert "error estimate" in text and abs(e.gradient[0] - 5.5) < 1e-10
    rows = e.data["tableau"]
    assert len(rows) >= 3 and abs(rows[-1][-1] - 5.5) < abs(rows[0][0] - 5.5)


# --- scale ---------------------------------------------------------------------------------
def test_a_chain_of_10000_operations_explains_abridged():
    from diffmethods.methods.reverse import ReverseMode

    def chain(x):
        for _ in range(10_000):
            x = x * 1.0001
        return x

    e = dm.explain(chain, (1.0,), method=ReverseMode.name)
    text = str(e)
    assert abs(e.gradient[0] - 1.0001**10_000) < 1e-9
    assert "(9961 of the 10001 rows are left out: the first 20 and the last 20 are shown.)" \
        in text
    assert "over 10000 recorded operations" in text
    assert "df/dx1 = (a product of 10000 local partials)" in text
    assert len(text.splitlines()) < 400
    assert len(paths_to_output(e.data, 0)) == 1 and len(paths_to_output(e.data, 0)[0]) == 10_000


# --- kinks and domains ---------------------------------------------------------------------
def test_abs_at_its_kink_is_flagged_not_stated_as_a_fact():
    from diffmethods.methods.reverse import ReverseMode
    text = " ".join(str(dm.explain(lambda x: abs(x), (0.0,), method=ReverseMode.name)).split())
    assert "x = 0 is a kink of abs: every method follows the convention sign(0) = 0" in text
    assert "the tape stores that convention's local partials" in text
    assert "kink" not in str(dm.explain(lambda x: abs(x), (2.0,), method=ReverseMode.name))


def test_a_value_outside_the_domain_stops_the_reverse_explanation():
    from diffmethods.methods.reverse import ReverseMode
    with pytest.warns(dm.DomainWarning) if hasattr(dm, "DomainWarning") else \
            __import__("contextlib").nullcontext():
        e = dm.explain(lambda x1: np.log(x1), (-1.0,), method=ReverseMode.name)
    text = str(e)
    assert "Stopped." in text and "`x2 = log(x1)` is undefined (nan)" in text
    assert "df/dx1 = -1" not in text and "Gradient =" not in text
    assert np.isnan(e.gradient).all()
