"""The compiled method: the generated adjoint program agrees with the tape, guards hold.

Every comparison is against reverse mode at the same point (the program is written from its
tape), to 1e-14 relative; nothing here is timed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS
from diffmethods.codegen_arrays import NoCodeError
from diffmethods.errors import BranchError, OutputError

from diffmethods.methods.tape import Tape, Var
from fuzz_expressions import as_function
from strategies import expressions

NO_CODE = {"gp_likelihood": "np.linalg"}


def _agree(a, b, rtol=1e-14):
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    assert a.shape == b.shape
    scale = np.maximum(np.abs(b), 1e-300)
    assert np.all((np.abs(a - b) <= rtol * scale) | (a == b) | (np.isnan(a) & np.isnan(b))), \
        (a, b)


def _moved(point):
    """Another point near ``point`` (every number moved a little)."""
    if isinstance(point, tuple):
        return tuple(_moved(p) for p in point)
    if isinstance(point, dict):
        return {k: _moved(v) for k, v in point.items()}
    if isinstance(point, np.ndarray) and point.dtype.kind == "f":
        return point + 0.0137 * np.cos(np.arange(point.size)).reshape(point.shape)
    if isinstance(point, float):
        return point + 0.0137
    return point


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_program_agrees_with_the_tape_on_the_catalogue(name):
    s = SCENARIOS[name]
    if name in NO_CODE:
        with pytest.raises(NoCodeError, match=NO_CODE[name]):
            dm.compile(s.f, s.point)
        r = dm.differentiate(s.f, s.point, method="compiled")
        assert "reverse mode answered" in r.details["program"]
        _agree(r.flat_gradient, dm.differentiate(s.f, s.point).flat_gradient, 0)
        return
    prog = dm.compile(s.f, s.point)
    args = s.point if isinstance(s.point, tuple) else (s.point,)
    for point in (s.point, _moved(s.point)):
        args = point if isinstance(point, tuple) else (point,)
        value, grad = prog(*args)
        tape = dm.differentiate(s.f, point, method="reverse")
        _agree(value, tape.value)
        _agree(np.concatenate([np.ravel(g) for g in grad]) if isinstance(grad, tuple) else grad,
               tape.flat_gradient)


def _term_scales(f, point):
    """The largest value the tape computed and the largest term it added into an adjoint:
    what a difference of a few ulps in one elementary result is relative to."""
    tape = Tape(trace=True)
    inputs = [tape.input(float(v)) for v in point]
    y = f(*inputs)
    if not isinstance(y, Var):
        return 0.0, 0.0
    log: list = []
    tape.backward({y.index: 1.0}, log=log)
    values = [abs(entry[3]) for entry in tape.trace] + [abs(v) for v in point]
    terms = [abs(d * g) for _, into, d, g in log if into is not None]
    return max(values), max(terms, default=0.0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(n_inputs=3, max_depth=4))
def test_the_program_agrees_with_the_tape_on_random_expressions(case):
    """1e-14 relative to the largest term the tape summed. The program calls numpy's
    functions (np.tanh) where the tape, on Python floats, calls the math module's; the two
    can differ by an ulp, and an expression that cancels (tanh(x) + 1 near -1, as the squashed
    random trees do) turns that into more than 1e-14 of its own small result -- for the tape
    as much as for the program. Against the terms summed, they agree."""
    tree, point = case
    f = as_function(tree)
    prog = dm.compile(f, point)
    for p in (point, tuple(x + 1e-3 for x in point)):
        with np.errstate(all="ignore"):
            tape = dm.differentiate(f, p, method="reverse")
            value, grad = prog(*p)
            if not np.isfinite(tape.value):
                continue
            sv, sg = _term_scales(f, p)
        assert abs(value - tape.value) <= 1e-14 * max(abs(tape.value), sv)
        assert np.all(np.abs(grad - tape.flat_gradient)
                      <= 1e-14 * np.maximum(np.abs(tape.flat_gradient), sg))


def test_the_source_reads_like_the_teaching_trace():
    s = SCENARIOS["seed"]
    src = dm.compile(s.f, s.point).source
    for line in ("x4 = x1 ** 2", "x7_bar = 1.0", "x6_bar = 3 * x7_bar", "x4_bar = x6_bar",
                 "x3_bar = x2 * x5_bar", "return x7, (x1_bar, x2_bar, x3_bar)"):
        assert f"    {line}\n" in src
    imports = [ln for ln in src.splitlines() if ln.startswith(("import", "from"))]
    assert imports == ["import numpy as np"]


def test_fan_out_is_accumulated_with_plus_equals():
    src = dm.compile(lambda x: x * x + np.sin(x), 0.5).source
    assert "    x1_bar += " in src


# --- guards ------------------------------------------------------------------------------------
def branchy(x):
    if x > 0:
        return x ** 3
    return -2 * x


@pytest.mark.parametrize("f, recorded, other, why", [
    (branchy, 1.5, -0.5, "x1 > 0"),
    (lambda x: abs(x) * 3.0, 1.5, 0.0, "absolute at its kink"),
    (lambda x: np.sum(np.maximum(x, 0.5) * x), np.array([1.0, 0.2, 0.9]),
     np.array([1.0, 0.5, 0.9]), "maximum at its kink"),
    (lambda x: np.sum(np.where(x > 0, x ** 2, -x)), np.array([1.0, -2.0]),
     np.array([-1.0, -2.0]), "x1 > 0"),
    (lambda x: np.sum(np.nan_to_num(x) ** 2), np.array([3.0, 1.0]),  # reads the values
     np.array([1.0, 3.0]), "decide"),
])
def test_a_guard_records_again_or_raises(f, recorded, other, why):
    prog = dm.compile(f, recorded)
    _, g = prog(recorded)
    _agree(g, dm.gradient(f, recorded))
    _, g = prog(other)  # the other branch: recorded again, the tape's numbers
    assert prog.recordings == 2
    _agree(g, dm.gradient(f, other))
    strict = dm.compile(f, recorded, on_branch_change="raise")
    with pytest.raises(BranchError, match=why):
        strict(other)


def test_a_primitive_without_code_is_refused_by_name():
    with pytest.raises(NoCodeError, match="np.linalg.inv"):
        dm.compile(lambda A: np.sum(np.linalg.inv(A)), np.eye(2) * 2)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.roll(x, 2) * x),
    lambda x: np.sum(np.flip(x.reshape(2, 3), 1) ** 2 * x.reshape(2, 3)),
    lambda x: np.sum(np.cumsum(x.reshape(2, 3), axis=1) ** 2),
    lambda x: np.sum(np.cumsum(x) ** 2),
    lambda x: np.sum(np.pad(x, (1, 2)) ** 2 * np.arange(9.0)),
    lambda x: np.sum(np.split(x, 3)[1] ** 3),
    lambda x: np.sum(np.sort(x[::-1] * 1.0) * np.arange(6.0)),  # reads values: guarded
    lambda x: np.sum(x.reshape(2, 3).T @ x.reshape(2, 3)),
    lambda x: np.einsum("ij,jk->", x.reshape(2, 3), x.reshape(3, 2)),
    lambda x: np.sum(np.concatenate([x, x ** 2])[::2] * np.mean(x)),
    lambda x: np.max(x * np.cos(x)) + np.sum(np.broadcast_to(x, (2, 6)) * 2.0),
])
def test_array_primitives_agree_with_the_tape(f):
    x = np.arange(6.0) / 5 + 0.1
    prog = dm.compile(f, x)
    for p in (x, x + 0.05):
        _agree(prog(p)[1], dm.gradient(f, p))


def test_both_sides_of_abs_share_one_program_away_from_the_kink():
    prog = dm.compile(lambda x: abs(x) * x, -1.0)
    for x in (2.0, -3.0, 0.25):
        _agree(prog(x)[1], dm.gradient(lambda x: abs(x) * x, x))
    assert prog.recordings == 1


def test_another_shape_is_another_recording():
    f = lambda x: np.sum(x ** 2) * x[0]  # noqa: E731
    prog = dm.compile(f, np.ones(3))
    for x in (np.arange(4.0), np.ones(3) * 2):
        _agree(prog(x)[1], dm.gradient(f, x))
    assert prog.recordings == 2


def test_changed_data_is_recorded_again_by_the_method():
    data = np.array([1.0, 2.0])
    f = lambda w: np.sum(data * w ** 2)  # noqa: E731
    x = np.array([0.5, 0.25])
    first = dm.differentiate(f, x, method="compiled")
    again = dm.differentiate(f, x, method="compiled")
    assert first.details["recorded_here"] and not again.details["recorded_here"]
    data[0] = 10.0
    _agree(dm.gradient(f, x, method="compiled"), dm.gradient(f, x))


def test_division_by_zero_answers_as_the_tape():
    f = lambda x, y: x / y  # noqa: E731
    prog = dm.compile(f, (1.0, 2.0))
    with np.errstate(all="ignore"), pytest.warns(dm.DomainWarning):
        value, g = prog(1.0, 0.0)
        ref = dm.differentiate(f, (1.0, 0.0))
    assert value == ref.value and np.array_equal(g, ref.flat_gradient, equal_nan=True)


# --- the saved program ---------------------------------------------------------------------
def test_the_saved_source_runs_in_a_fresh_interpreter(tmp_path):
    s = SCENARIOS["logistic"]
    prog = dm.compile(s.f, s.point)
    path = tmp_path / "grad_logistic.py"
    prog.save(path)
    x = _moved(s.point)
    code = (f"import runpy, numpy as np; m = runpy.run_path({str(path)!r}); "
            f"v, (g,) = m['logistic_gradient'](np.array({x.tolist()!r})); "
            "print(repr(float(v))); print(repr(g.tolist()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.split("\n")
    value, grad = prog(x)
    assert float(out[0]) == value
    assert eval(out[1]) == grad.tolist()  # noqa: S307 (our own repr of floats)
    prog.save(path)  # ours: may be written again


def test_save_refuses_a_file_it_did_not_write(tmp_path):
    path = tmp_path / "notes.py"
    path.write_text("print('mine')\n")
    with pytest.raises(OutputError, match="not written"):
        dm.compile(lambda x: x * x, 1.0).save(path)
    assert path.read_text() == "print('mine')\n"


def test_bad_options_are_refused():
    with pytest.raises(dm.OptionError, match="on_branch_change"):
        dm.compile(lambda x: x, 1.0, on_branch_change="maybe")


# --- vjp -------------------------------------------------------------------------------------
@pytest.mark.parametrize("f, point, w", [
    (lambda x: np.sin(x) * x[0], np.array([0.3, 0.5, 0.9]), np.array([1.0, 2.0, 3.0])),
    (lambda a, b: [a * b, a + b, 3.0], (1.0, 2.0), np.array([1.0, 2.0, 3.0])),
    (lambda W, v: np.tanh(W @ v), (np.arange(6.0).reshape(2, 3) / 7, np.ones(3)),
     np.array([0.5, -1.0])),
])
def test_the_vjp_program_agrees_with_the_tape(f, point, w):
    prog = dm.compile(f, point, operator="vjp")
    args = point if isinstance(point, tuple) else (point,)
    for p in (args, _moved(args)):
        outputs, vjp = prog(*p, w)
        ref = dm.vjp(f, p if isinstance(point, tuple) else p[0], w, full_output=True)
        _agree(outputs, ref.value)
        _agree(np.concatenate([np.ravel(g) for g in vjp]) if isinstance(vjp, tuple) else vjp,
               ref.flat_gradient)
    assert "np.reshape(w" in prog.source or "w[0]" in prog.source
    _agree(dm.vjp(f, point, w, method="compiled", full_output=True).flat_gradient,
           dm.vjp(f, point, w, full_output=True).flat_gradient)


def test_an_argument_not_differentiated_is_part_of_the_signature():
    f = lambda w, X: np.sum(np.tanh(X @ w))  # noqa: E731
    X = np.arange(6.0).reshape(3, 2) / 4
    w = np.array([0.3, -0.2])
    prog = dm.compile(f, (w, X), argnums=0)
    _agree(prog(w, X)[1], dm.gradient(f, (w, X), argnums=0))
    X2 = X.copy()
    X2[0, 0] = 5.0  # new data: recorded again, never the old X's gradient
    _agree(prog(w, X2)[1], dm.gradient(f, (w, X2), argnums=0))
    assert prog.recordings == 2


def test_a_program_that_disagrees_with_its_tape_is_refused(monkeypatch):
    from diffmethods import program_source
    add = program_source._Writer.add

    def doubled(self, node, contribution):  # a planted bug of the writer
        if isinstance(contribution, tuple) and node == 0:
            contribution = (contribution[0] * 2.0, True)
        return add(self, node, contribution)
    monkeypatch.setattr(program_source._Writer, "add", doubled)
    with pytest.raises(NoCodeError, match="does not reproduce the tape"):
        dm.compile(lambda x: np.sum(np.sin(x) * x), np.array([0.3, 0.4]))


def test_explain_shows_the_generated_program_beside_its_numbers():
    e = dm.explain(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4), method="compiled")
    text = str(e)
    assert "x7_bar = 1.0" in text and "x1_bar = 2 * x1 * x4_bar" in text
    assert e.gradient.tolist() == [12.0, 12.0, 9.0]
    assert "No step-by-step explanation" not in text.replace("\n", " ")
