"""The explanations' names, notation and kink/domain notes (issue 13, items 4-5).

One naming scheme across every method of one explanation; π and e by name; a repeated operand
labelled per slot; the Baydin view with the numbers of Baydin et al.'s Tables 2-3; kinks read
off the operation table and flagged by every method; non-finite values stopping every method.
"""

import math
import re

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.cli import main
from diffmethods.errors import OptionError
from diffmethods.methods.compiled import CompiledMethod
from diffmethods.methods.complex_step import ComplexStep
from diffmethods.methods.finite import FiniteDifferences
from diffmethods.methods.forward import ForwardMode
from diffmethods.methods.manual import ManualMethod
from diffmethods.methods.reverse import ReverseMode
from diffmethods.methods.symbolic import SymbolicMethod
from diffmethods.ops import OPS, intervals
from diffmethods.teaching.graph import edges
from diffmethods.teaching.reverse_trace import walk_reverse


def flat(e) -> str:
    return " ".join(str(e).split())


def sections(e) -> dict:
    return {m: flat(part) for m, part in e.parts.items() if m != "summary"}


# --- one naming scheme -----------------------------------------------------------------------
def test_every_method_names_the_inputs_the_same_way():
    e = dm.explain(lambda a, b: a * b + np.sin(a), (1.5, 2.0))
    whole = flat(e)
    assert whole.count("Your arguments: `x1` is `a`, `x2` is `b`.") == 1  # once, at the top
    for method, text in sections(e).items():
        # no section speaks of f's own names: d/da, df/db, "a*b", ...
        assert not re.search(r"d/?d[ab]\b|\ba\*b\b|\bsin\(a\)", text), method
    for method in (ManualMethod.name, SymbolicMethod.name):  # the sympy sections too: x1, x2
        assert "df/dx1" in sections(e)[method] and "df/dx2" in sections(e)[method], method
    assert "x1*x2 + sin(x1)" in sections(e)[SymbolicMethod.name]
    assert "df/dx1" in sections(e)[FiniteDifferences.name]
    assert "gradient (x1, x2)" in flat(e["summary"])


def test_one_method_alone_carries_the_mapping_line_itself():
    e = dm.explain(lambda a, b: a * b, (1.0, 2.0), method=ForwardMode.name)
    assert flat(e).startswith("Forward mode ============ Your arguments: `x1` is `a`")
    # the seed's own names need no mapping
    assert "Your arguments" not in str(dm.explain(lambda x1, x2: x1 * x2, (1.0, 2.0),
                                                  method=ReverseMode.name))


# --- π and e ---------------------------------------------------------------------------------
def test_pi_and_e_are_shown_by_name_and_labelled_where_digits_matter(capsys):
    main(["explain", "sin(x1)*x2 + 2*pi*x1", "--at", "pi/2,e"])
    out = " ".join(capsys.readouterr().out.split())
    assert "at (π/2, e)" in out
    assert "π/2 = 1.5707963267948966, e = 2.718281828459045" in out  # the finite calls
    assert "| π/2 | seed" in out and "2*π·ẋ1" in out  # forward's inputs and constant
    prose = out.split("The gradient as a program")[0]  # the generated code keeps its digits
    assert "6.283185307179586" not in prose and "6.2831853071795862" not in prose
    assert "1.5707963267948966" in out  # the bumped calls keep every digit, unnamed


# --- a repeated operand ----------------------------------------------------------------------
def test_each_slot_of_x_times_x_is_labelled_and_summed():
    text = flat(dm.explain(lambda x: x * x, (1.5,), method=ReverseMode.name))
    assert "∂x2/∂x1 (left operand) | x1 | 1.5" in text
    assert "∂x2/∂x1 (right operand) | x1 | 1.5" in text
    assert "∂x2/∂x1, the slots together | 2*x1 | 3" in text
    assert "x̄1 += ∂x2/∂x1 (left)·x̄2" in text and "x̄1 += ∂x2/∂x1 (right)·x̄2" in text
    forward = flat(dm.explain(lambda x: x * x, (1.5,), method=ForwardMode.name))
    assert "x1·ẋ1 (left) + x1·ẋ1 (right) = (2*x1)·ẋ1" in forward
    assert "1.5·1 (left) + 1.5·1 (right) | 3" in forward
    labels = [label for _, _, label in edges(walk_reverse(lambda x: x * x, (1.5,)))]
    assert labels == ["left: x1 = 1.5", "right: x1 = 1.5"]


# --- the Baydin view -------------------------------------------------------------------------
def baydin(x1, x2):
    """Baydin et al. (2018)'s f = ln x1 + x1·x2 - sin x2, in the order of their Table 2."""
    v1 = np.log(x1)
    v2 = x1 * x2
    v3 = np.sin(x2)
    v4 = v1 + v2
    return v4 - v3


def last_number(cell: str) -> float:
    return float(cell.rsplit("=", 1)[1])


def column(table, k: int) -> list:
    return [row[k] for row in table.rows if row[k]]


def test_the_baydin_view_prints_tables_2_and_3_in_the_papers_order():
    e = dm.explain(baydin, (2, 5), notation="baydin")
    forward = next(b for b in e[ForwardMode.name].blocks if hasattr(b, "rows"))  # ẋ1 = 1
    reverse = next(b for b in e[ReverseMode.name].blocks if hasattr(b, "rows"))
    primal = column(forward, 0)
    assert primal[:3] == ["v₋₁ = x1 = 2", "v₀ = x2 = 5", "v₁ = log(v₋₁) = log(2) = 0.693"]
    assert [last_number(c) for c in primal[:7]] == [2, 5, 0.693, 10, -0.959, 10.693, 11.652]
    tangents = column(forward, 1)
    assert [last_number(c) for c in tangents[:7]] == [1, 0, 0.5, 5, 0, 5.5, 5.5]
    adjoints = column(reverse, 1)
    # v̄5, v̄4, v̄3, v̄1, v̄2, v̄0, v̄-1, v̄0 (updated), v̄-1 (updated): Table 3's adjoint trace
    assert [last_number(c) for c in adjoints[:9]] == [1, 1, -1, 1, 1, -0.284, 5, 1.716, 5.5]
    assert adjoints[7] == "v̄₀ = v̄₀ + v̄₂·v₋₁ = -0.284 + 2 = 1.716"
    assert adjoints[8] == "v̄₋₁ = v̄₋₁ + v̄₁/v₋₁ = 5 + 0.5 = 5.5"
    assert adjoints[9:] == ["x̄1 = v̄₋₁ = 5.5", "x̄2 = v̄₀ = 1.716"]
    # 7 primal values, 7 tangents, and the 8 adjoints after the seed v̄5 = 1: 22 numbers
    numbers = ([last_number(c) for c in primal[:7]] + [last_number(c) for c in tangents[:7]]
               + [last_number(c) for c in adjoints[1:9]])
    assert len(numbers) == 22
    assert "`v₋₁` is the input `x1`, `v₀` is the input `x2`" in flat(e)
    np.testing.assert_allclose(e.gradient, [5.5, 2 - math.cos(5)])


def test_the_cli_takes_notation_baydin_and_refuses_others(capsys):
    main(["explain", "log(x1) + x1*x2 - sin(x2)", "--at", "2,5", "--method", "reverse",
          "--notation", "baydin"])
    out = capsys.readouterr().out
    assert "v̄₀ = v̄₀ + v̄₂·v₋₁" in out and "x̄1 = v̄₋₁ = 5.5" in out
    with pytest.raises(OptionError, match="unknown notation"):
        dm.explain(baydin, (2, 5), notation="leibniz")


# --- kinks and domains -----------------------------------------------------------------------
KINKED = sorted(name for name, row in OPS.items() if row.kink is not None)


def test_the_piecewise_rows_carry_their_kinks():
    assert {"absolute", "sign", "maximum", "minimum", "fmax", "fmin", "floor"} <= set(KINKED)


@pytest.mark.parametrize("name", KINKED)
def test_each_kink_predicate_finds_its_example_and_spares_the_sampling_domain(name):
    row = OPS[name]
    assert row.kink.at(*row.kink.example)
    rng = np.random.default_rng(1)
    for _ in range(50):  # the table's tests sample where the row is smooth: never on a kink
        values = [rng.uniform(*intervals(spec)[rng.integers(len(intervals(spec)))])
                  for spec in row.domain]
        assert not row.kink.at(*values), (name, values)


def test_abs_at_its_kink_is_flagged_by_every_method_with_its_own_numbers():
    with np.errstate(all="ignore"):
        e = dm.explain(lambda x: abs(x), (0.0,))
    for method, text in sections(e).items():
        if "Not applicable" in text or method == CompiledMethod.name:
            continue
        assert "x = 0 is a kink of abs: every method follows the convention sign(0) = 0" \
            in text, method
    finite = sections(e)[FiniteDifferences.name]
    assert "finite differences see (0) with the central scheme, (1) forward and (-1) " \
           "backward" in finite
    assert "not analytic" in sections(e)[ComplexStep.name]
    assert "sign(0) = 0" in sections(e)[SymbolicMethod.name]
    assert "A kink." not in flat(dm.explain(lambda x: abs(x), (2.0,)))


def test_a_tie_of_max_is_a_kink_too():
    text = flat(dm.explain(lambda a, b: np.maximum(a, b), (1.0, 1.0), method=ForwardMode.name))
    assert "a tie of max: every method follows the convention the derivative splits 1/2" in text
    assert "(0.5, 0.5)" in text


def test_a_value_outside_the_domain_stops_every_method():
    with np.errstate(all="ignore"), pytest.warns(dm.DomainWarning):
        e = dm.explain(lambda x: np.log(x), (-1.0,))
    for method, text in sections(e).items():
        if "Not applicable" in text or method == CompiledMethod.name:
            continue
        assert "Stopped. `x2 = log(x1)` is undefined (nan)" in text, method
        assert "Gradient" not in text, method
        assert np.isnan(e[method].gradient).all(), method


def test_the_baydin_view_renders_and_names_every_trace_alike():
    from markdown_it import MarkdownIt
    e = dm.explain(baydin, (2, 5), notation="baydin")
    html = MarkdownIt("commonmark").enable("table").render(e.markdown())
    assert "<table>" in html and "v̄₀ = v̄₀ + v̄₂·v₋₁ = -0.284 + 2 = 1.716" in html
    complex_rows = next(b for b in e[ComplexStep.name].blocks if hasattr(b, "rows")).rows
    assert [row[0] for row in complex_rows[:3]] == ["v₋₁", "v₀", "v₁"]
