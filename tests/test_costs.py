"""Honest costs: the work behind the passes is counted, deterministically, and shown beside them.

Forward mode's default chunk makes few passes, each carrying a block of directions; the counts
here (never a time) say what the passes carried: tangent entries for forward mode, records and
adjoint updates for reverse mode."""

import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.costs import carried
from diffmethods.harness.scaling import scaling
from diffmethods.methods.complex_step import ComplexStep
from diffmethods.methods.forward import ForwardMode
from diffmethods.methods.reverse import ReverseMode

SEED = SCENARIOS["seed"]
LOOP = SCENARIOS["rosenbrock_loop"]


def test_the_seed_shows_what_one_forward_pass_carried():
    fwd = dm.differentiate(SEED.f, SEED.point, method=ForwardMode.name)
    rev = dm.differentiate(SEED.f, SEED.point, method=ReverseMode.name)
    assert (fwd.passes, fwd.ops, fwd.details["tangent_entries"]) == (1, 4, 12)
    assert (rev.passes, rev.ops, rev.details["adjoint_updates"]) == (2, 4, 6)
    assert carried(fwd).text == "12 tangent entries (4 ops × 3 directions)"
    assert carried(rev).text == "4 records + 6 adjoint updates"
    assert (carried(fwd).count, carried(rev).count) == (12, 10)


@pytest.mark.parametrize("chunk", [None, 1, 7, 60])
def test_forward_carries_n_tangent_entries_per_operation_whatever_the_chunk(chunk):
    n = 60
    point = LOOP.point_of(n)
    fwd = dm.differentiate(LOOP.f, point, method=ForwardMode.name, chunk=chunk)
    rev = dm.differentiate(LOOP.f, point, method=ReverseMode.name)
    per_pass = rev.ops  # one record per operation of one evaluation of f
    assert fwd.ops == fwd.passes * per_pass
    assert fwd.details["tangent_entries"] == n * per_pass
    assert carried(fwd).count == n * per_pass


def test_reverse_work_per_operation_does_not_grow_with_n():
    for n in (10, 100, 1000):
        rev = dm.differentiate(LOOP.f, LOOP.point_of(n), method=ReverseMode.name)
        assert rev.passes == 2 and rev.ops == 8 * (n - 1)  # 8 operations per term of the sum
        # 11 local partials per term, less one: the first addition adds to the constant 0.0
        assert rev.details["adjoint_updates"] == 11 * (n - 1) - 1


def test_a_repeated_operand_is_two_adjoint_updates_and_the_complex_step_one_entry_per_op():
    r = dm.differentiate(lambda x: x * x, 1.5, method=ReverseMode.name)
    assert (r.ops, r.details["adjoint_updates"]) == (1, 2)
    c = dm.differentiate(SEED.f, SEED.point, method=ComplexStep.name)
    assert c.details["tangent_entries"] == c.ops == 12  # 3 passes of 4 ops, one direction each


def test_jvp_and_jacobian_count_their_tangent_entries():
    f = lambda x1, x2: [x1 * x2, x1 + x2]
    j = dm.jacobian(f, (2.0, 3.0), method=ForwardMode.name, chunk=1, full_output=True)
    assert j.details["tangent_entries"] == j.ops == 4  # 2 passes of 2 ops, one direction each
    v = dm.jvp(f, (2.0, 3.0), (1.0, 1.0), full_output=True)
    assert v.details["tangent_entries"] == v.ops == 2


def test_the_explain_summary_shows_work_and_measured_time_beside_passes():
    table = dm.explain(SEED.f, SEED.point).parts["summary"].blocks[-1]
    assert table.header[3:6] == ["passes", "work carried", "time (measured)"]
    rows = {row[0]: row for row in table.rows}
    assert rows[ForwardMode.name][3:5] == [1, "12 tangent entries (4 ops × 3 directions)"]
    assert rows[ReverseMode.name][3:5] == [2, "4 records + 6 adjoint updates"]
    assert rows[ForwardMode.name][5].endswith("s")  # a time, whatever it was


def test_scaling_rows_carry_the_work():
    variants = [(ForwardMode.name, ForwardMode.name, {}),
                (ReverseMode.name, ReverseMode.name, {})]
    rows = scaling(LOOP, [2, 20], variants=variants, repeat=1)
    by = {(r["variant"], r["n"]): r for r in rows}
    for n in (2, 20):
        records = by[ReverseMode.name, n]["ops"]
        assert by[ForwardMode.name, n]["work"] == n * records
        assert by[ForwardMode.name, n]["work_unit"] == "tangent entries"
        assert by[ReverseMode.name, n]["work_unit"] == "records + adjoint updates"
        assert records < by[ReverseMode.name, n]["work"] < 3 * records
