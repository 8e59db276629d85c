"""The scaling study: counted costs against n, skipped cells, and its inputs."""

import math

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.harness.scaling import default_variants, scalable_names

DIMS = [2, 5, 20]


@pytest.fixture(scope="module")
def rows():
    return dm.scaling("rosenbrock", DIMS, repeat=1, budget=60)


def _cells(rows, variant):
    return [r for r in rows if r["variant"] == variant]


def test_one_row_per_size_and_variant(rows):
    labels = [v[0] for v in default_variants()]
    assert [(r["n"], r["variant"]) for r in rows] == [(n, v) for n in DIMS for v in labels]
    assert all(r["status"] == "ok" for r in rows)


def test_finite_differences_call_f_2n_plus_1_or_n_plus_1_times(rows):
    assert [r["f_calls"] for r in _cells(rows, "finite")] == [2 * n + 1 for n in DIMS]
    assert [r["f_calls"] for r in _cells(rows, "finite scheme=forward")] == [n + 1 for n in DIMS]


def test_forward_mode_passes(rows):
    assert [r["passes"] for r in _cells(rows, "forward chunk=1")] == DIMS
    assert all(r["passes"] == math.ceil(r["n"] / r["chunk"]) for r in _cells(rows, "forward"))


def test_reverse_mode_is_two_passes_and_one_call_at_every_n(rows):
    assert all((r["passes"], r["f_calls"]) == (2, 1) for r in _cells(rows, "reverse"))
    assert all(r["ratio_to_f"] > 0 for r in _cells(rows, "reverse"))


def test_symbolic_expressions_grow_and_cse_shrinks_them(rows):
    sym = _cells(rows, "symbolic")
    sizes = [r["ops_derived"] for r in sym]
    assert sizes == sorted(sizes) and sizes[-1] > 5 * sizes[0]
    assert all(r["ops_cse"] <= r["ops_derived"] for r in sym)
    setup = [r["setup_seconds"] for r in sym]  # filled in; the value itself is not tested
    assert all(t > 0 for t in setup)


def test_a_method_predicted_to_be_too_slow_is_skipped_and_says_so():
    rows = dm.scaling("sum_sin", [2, 4, 8], variants=[("finite", "finite", {})], repeat=1,
                      budget=1e-9)
    first, *later = rows
    assert first["status"] == "ok"  # nothing measured yet: nothing to predict from
    assert later[0]["status"] == "skipped" and "budget" in later[0]["note"]
    predicted = later[0]["predicted_seconds"]  # the skip rule: a prediction over the budget
    assert predicted > 1e-9
    assert later[1]["status"] == "skipped" and "since n = 4" in later[1]["note"]


def test_plain_function_with_make_point():
    rows = dm.scaling(lambda x: np.sum(x**2), [3, 6], make_point=np.ones,
                      variants=[("reverse", "reverse", {})], repeat=1)
    assert [r["n"] for r in rows] == [3, 6] and rows[0]["function"] == "<lambda>"


def test_not_applicable_methods_are_marked_not_faked():
    rows = dm.scaling(lambda *x: sum(v * v for v in x), [2, 3],
                      make_point=lambda n: tuple(range(1, n + 1)),
                      variants=[("manual", "manual", {})], repeat=1)
    assert all(r["status"] == "not applicable" and r["f_calls"] is None for r in rows)


@pytest.mark.parametrize("args, match", [
    (("seed", [2]), "fixed dimension"),
    (("rosenbrok", [2]), "unknown catalogue function"),
    ((lambda x: x, [2]), "make_point"),
    (("rosenbrock", [0]), "positive"),
])
def test_bad_inputs_are_refused(args, match):
    with pytest.raises(dm.DiffMethodsError, match=match):
        dm.scaling(*args)


def test_scalable_names_are_the_catalogue_entries_with_a_point_builder():
    assert set(scalable_names()) == {n for n, s in SCENARIOS.items() if s.make_point}
    assert {"rosenbrock", "rosenbrock_loop", "sum_sin"} <= set(scalable_names())


def test_registered_methods_join_the_default_variants():
    dm.register_method("zero", lambda problem: (0.0, 0 * problem.x))
    try:
        assert ("zero", "zero", {}) in default_variants()
    finally:
        dm.unregister_method("zero")
