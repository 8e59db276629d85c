"""compare: one row per registered method, errors against the reference, counted costs; and
the tables it is printed as."""

import csv
import io
import json

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.expr import parse_expression
from diffmethods.harness.tables import COMPARE_COLUMNS, markdown_table, text_table, to_csv, to_json

EPS = np.finfo(float).eps


@pytest.fixture(scope="module")
def seed_rows():
    f = parse_expression("3*(x1**2 + x2*x3)")
    return dm.compare(f, (2.0, 3.0, 4.0), repeat=2)


def test_one_row_per_registered_method_in_order(seed_rows):
    assert [r["method"] for r in seed_rows] == dm.methods()


def test_exact_methods_match_the_reference_and_finite_is_approximate(seed_rows):
    for r in seed_rows:
        if r["status"] != "ok":
            continue
        assert r["reference_gradient"] == [12.0, 12.0, 9.0]
        if r["exact"]:
            assert r["rel_error"] <= 4 * EPS, r["method"]
        else:
            assert r["rel_error"] < 1e-6 and r["abs_error"] >= r["rel_error"]
            if r["method"] == "finite":  # plain central differences cannot be exact here
                assert r["rel_error"] > 1e-14


def test_counts_are_the_methods_own(seed_rows):
    by = {r["method"]: r for r in seed_rows}
    assert (by["finite"]["f_calls"], by["finite"]["passes"]) == (7, 7)   # 2n + 1
    assert (by["reverse"]["f_calls"], by["reverse"]["passes"], by["reverse"]["ops"]) == (1, 2, 4)
    assert by["forward"]["passes"] == 1 and by["forward"]["settings"] == {"chunk": 3}
    assert by["symbolic"]["ops"] == 7
    # the timing fields are filled in (their values are the benchmark's business, not tested)
    timed = [r["seconds"] for r in seed_rows if r["status"] == "ok"]
    timed.append(by["symbolic"]["setup_seconds"])
    assert all(t > 0 for t in timed)


def test_manual_is_not_applicable_to_an_expression_but_works_on_the_catalogue(seed_rows):
    manual = next(r for r in seed_rows if r["method"] == "manual")
    assert manual["status"] == "not applicable" and "hand-derived" in manual["note"]
    assert manual["gradient"] is None and manual["rel_error"] is None
    rows = dm.compare(SCENARIOS["seed"].f, SCENARIOS["seed"].point, repeat=1)
    assert rows[0]["method"] == "manual" and rows[0]["rel_error"] == 0.0


def test_function_without_reference_is_not_scored():
    s = SCENARIOS["huber"]
    rows = dm.compare(s.f, s.point, repeat=1, name="huber")
    assert all(r["rel_error"] is None and r["reference"]["kind"] == "unavailable" for r in rows)
    symbolic = next(r for r in rows if r["method"] == "symbolic")
    assert symbolic["status"] == "not applicable" and "`if`" in symbolic["note"]
    assert next(r for r in rows if r["method"] == "reverse")["gradient"] == [1.0]


def test_options_reach_the_method_and_are_shown():
    rows = dm.compare(lambda x, y: x * y, (2.0, 5.0), methods=["finite"],
                      options={"finite": {"scheme": "forward"}}, repeat=1)
    assert rows[0]["f_calls"] == 3 and rows[0]["settings"]["scheme"] == "forward"


def test_a_method_registered_from_outside_shows_up():
    class Zero:
        name, summary, exact = "zero", "always zero (a toy)", False

        def gradient(self, problem):
            return problem.result(problem(problem.inputs(problem.x)), 0 * problem.x,
                                  passes=1, ops=None)
    dm.register_method("zero", Zero())
    try:
        rows = dm.compare(lambda x1, x2: x1 * x2, (2.0, 3.0), repeat=1)
        zero = rows[-1]
        assert zero["method"] == "zero" and zero["rel_error"] == 1.0
    finally:
        dm.unregister_method("zero")


def test_unknown_method_is_refused():
    with pytest.raises(dm.UnknownMethodError, match="choose one of"):
        dm.compare(lambda x: x, 1.0, methods=["magic"])


def test_a_second_compare_reports_the_cached_derivation():
    f = parse_expression("x**3")
    dm.compare(f, 1.0, methods=["symbolic"], repeat=1)
    again = dm.compare(f, 1.0, methods=["symbolic"], repeat=1)[0]
    assert again["f_calls"] == 0 and again["settings"]["derivation"] == "cached"


# --- tables ------------------------------------------------------------------------------
def test_text_table_is_aligned(seed_rows):
    lines = text_table(seed_rows).splitlines()
    header, rule = lines[0], lines[1]
    assert set(rule) <= {"-", " "} and len(lines) == 2 + len(seed_rows)
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    assert header.index("f calls") in range(starts[4], starts[5])


def test_markdown_table_has_one_cell_per_column(seed_rows):
    lines = markdown_table(seed_rows).splitlines()
    assert all(line.count(" | ") == len(COMPARE_COLUMNS) - 1 for line in lines[2:])
    assert "| reverse | [12, 12, 9] | 0 | 0 | 1 | 2 | 4 |" in markdown_table(seed_rows)


def test_json_is_strict_and_csv_round_trips(seed_rows):
    data = json.loads(to_json(seed_rows), parse_constant=lambda c: pytest.fail(c))
    reverse = [r["method"] for r in data].index("reverse")
    assert data[reverse]["gradient"] == [12.0, 12.0, 9.0]
    assert json.loads(to_json([{"x": float("nan"), "y": float("-inf")}])) == \
        [{"x": "nan", "y": "-inf"}]
    table = list(csv.DictReader(io.StringIO(to_csv(seed_rows))))
    assert [r["method"] for r in table] == dm.methods()
    assert json.loads(table[reverse]["gradient"]) == [12.0, 12.0, 9.0]


# --- progress ----------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_and_never_when_quiet():
    from diffmethods.harness.progress import progress_bar
    for stream, quiet, shown in ((_Terminal(), False, True), (_Terminal(), True, False),
                                 (io.StringIO(), False, False)):
        with progress_bar(2, "demo", quiet=quiet, stream=stream) as bar:
            bar("one")
            bar("two")
        assert ("demo" in stream.getvalue()) is shown
