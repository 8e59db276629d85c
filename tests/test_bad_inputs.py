"""Fault suite (a): every method x every operator x bad points, functions, options and
directions. Each must raise a diffmethods exception with a message -- never a bare Python or
numpy one from deep inside.
"""

import functools
import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.registry import get_method


def seed(x1, x2, x3):
    return 3 * (x1**2 + x2 * x3)


def vector(x1, x2, x3):
    return [x1 * x2, x2 * x3]


dm.manual(lambda x1, x2, x3: (6 * x1, 3 * x3, 3 * x2),
          hessian=lambda x1, x2, x3: [[6, 0, 0], [0, 0, 3], [0, 3, 0]])(seed)
dm.manual(lambda x1, x2, x3: [[x2, x1, 0], [0, x3, x2]])(vector)

GOOD = (2.0, 3.0, 4.0)
ODD = object()

BAD_POINTS = [
    (), [], np.array([]), (1.0, "a"), (1.0, None), (1.0, 2j), (True, 1.0, 2.0),
    (1.0, float("nan"), 2.0), (float("inf"), 1.0, 2.0), (10**400, 1.0, 2.0), "1,2,3", None,
    {"x": "a"}, {}, (np.ones(2), np.array([1 + 1j])), (np.ones(2), np.array([True])),
    (np.ones(2), []), np.array([[1.0, np.nan]]), np.array(["a", "b"]), ODD,
    (np.ones(2), np.ones(2).astype(object)), (1.0, 2.0), (1.0, 2.0, 3.0, 4.0),
]
"""Points that do not fit (the last two: the wrong number of arguments for f)."""


def _returns(value):
    def f(x1, x2, x3):
        return value
    return f


def _keyword_only(x1, x2, *, x3):
    return x1


BAD_FUNCTIONS = [
    _returns(None), _returns("text"), _returns(1 + 2j), _returns(True), _returns([[1.0]]),
    _returns({"a": 1.0}), _returns(ODD), 42, None, _keyword_only,
    functools.partial(seed, 1.0),  # takes 2 arguments now
    lambda x1, x2, x3: np.array([1.0, 2.0]) * x1,  # an array where a number is needed
]
"""Functions that cannot be differentiated as asked (vector outputs are bad for gradients)."""

BAD_OPTIONS = [
    {"step": -1.0}, {"step": "a"}, {"step": float("nan")}, {"chunk": 0}, {"chunk": 1.5},
    {"scheme": "nope"}, {"levels": 1}, {"factor": 0.5}, {"no_such_option": 1}, {"rel_step": 0},
    {"argnums": 7}, {"argnums": "0"}, {"argnums": (0, 0)},
]
"""Options no method takes in that form (each is tried only where the method takes the name,
except the unknown one, which every method must refuse)."""

BAD_DIRECTIONS = ["abc", [1j, 0, 0], [1.0, 2.0], [[1.0, 2.0, 3.0, 4.0]], [np.nan, 0, 0],
                  None, {"a": 1.0}, [ODD, 1, 2]]
"""Directions (jvp, hvp) and cotangents (vjp) that do not fit."""

OPERATORS = {
    "gradient": lambda f, p, m, **o: dm.gradient(f, p, method=m, **o),
    "jacobian": lambda f, p, m, **o: dm.jacobian(f, p, method=m, **o),
    "hessian": lambda f, p, m, **o: dm.hessian(f, p, method=m, **o),
    "jvp": lambda f, p, m, **o: dm.jvp(f, p, [1.0, 0.0, 0.0], method=m, **o),
    "vjp": lambda f, p, m, **o: dm.vjp(f, p, [1.0, 0.0], method=m, **o),
    "hvp": lambda f, p, m, **o: dm.hvp(f, p, [1.0, 0.0, 0.0], method=m, **o),
}
VECTOR_OPERATORS = {"jacobian", "jvp", "vjp"}


def _provides(method, operator):
    return hasattr(get_method(method), operator)


def _own_error(call, what):
    """None if ``call()`` raises a DiffMethodsError with a message, else what went wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except dm.DiffMethodsError as e:
            return None if str(e).strip() else f"{what}: an empty message"
        except Exception as e:  # the failure this suite exists to catch
            return f"{what}: a bare {type(e).__name__}: {str(e)[:120]}"
    return f"{what}: no error at all"


def _cases():
    for method in dm.methods():
        for op, run in OPERATORS.items():
            if not _provides(method, op):
                continue
            f = vector if op in VECTOR_OPERATORS else seed
            for k, point in enumerate(BAD_POINTS):
                yield f"{method}-{op}-point{k}", (lambda run=run, f=f, p=point, m=method:
                                                  run(f, p, m))
            if op in VECTOR_OPERATORS or method == "manual":
                continue  # a vector f is fine for these; manual ignores f's body
            for k, bad in enumerate(BAD_FUNCTIONS):
                yield f"{method}-{op}-function{k}", (lambda run=run, f=bad, m=method:
                                                     run(f, GOOD, m))


def _option_cases():
    for method in dm.methods():
        backend = get_method(method)
        for op, run in OPERATORS.items():
            if not _provides(method, op):
                continue
            f = vector if op in VECTOR_OPERATORS else seed
            import inspect
            takes = set(inspect.signature(getattr(backend, op)).parameters)
            for k, options in enumerate(BAD_OPTIONS):
                (name, _), = options.items()
                if name in takes or name in ("no_such_option", "argnums"):
                    yield f"{method}-{op}-option{k}", (lambda run=run, f=f, m=method, o=options:
                                                       run(f, GOOD, m, **o))


def _direction_cases():
    for method in dm.methods():
        for op in ("jvp", "vjp", "hvp"):
            if not _provides(method, op):
                continue
            for k, d in enumerate(BAD_DIRECTIONS):
                if op == "vjp":
                    call = (lambda m=method, d=d: dm.vjp(vector, GOOD, d, method=m))
                elif op == "jvp":
                    call = (lambda m=method, d=d: dm.jvp(vector, GOOD, d, method=m))
                else:
                    call = (lambda m=method, d=d: dm.hvp(seed, GOOD, d, method=m))
                if op == "vjp" and isinstance(d, list) and len(d) == 2 and np.isrealobj(d) \
                        and np.all(np.isfinite(d)):
                    continue  # two real numbers are a fine cotangent for two outputs
                yield f"{method}-{op}-direction{k}", call


ALL = list(_cases()) + list(_option_cases()) + list(_direction_cases())


def test_the_matrix_is_large_enough():
    bad_inputs = len(BAD_POINTS) + len(BAD_FUNCTIONS) + len(BAD_OPTIONS) + len(BAD_DIRECTIONS)
    assert bad_inputs >= 40 and len(ALL) >= 700
    print(f"\nbad-input matrix: {len(ALL)} cases from {bad_inputs} bad inputs x "
          f"{len(dm.methods())} methods x {len(OPERATORS)} operators")


@pytest.mark.parametrize("chunk", range(8))
def test_every_bad_input_gets_our_own_error(chunk):
    cases = ALL[chunk::8]
    assert cases
    wrong = [w for w in (_own_error(call, name) for name, call in cases) if w]
    assert not wrong, f"{len(wrong)} of {len(cases)} cases:\n" + "\n".join(wrong)


def test_messages_name_what_is_wrong():
    cases = [
        (lambda: dm.gradient(seed, (1.0, 2.0)), "takes 3 positional arguments but the point"),
        (lambda: dm.gradient(_keyword_only, GOOD), "keyword-only parameter x3"),
        (lambda: dm.gradient(_returns(True), GOOD, method="finite"), "boolean True"),
        (lambda: dm.jacobian(_returns(None), GOOD, method="finite"), "forget a `return`"),
        (lambda: dm.hvp(seed, GOOD, "abc", method="symbolic"), "real numbers"),
        (lambda: dm.hvp(seed, GOOD, [1.0, 2.0], method="symbolic"), "2 entries"),
        (lambda: dm.check_gradient(seed, seed, GOOD, rtol="a"), "rtol must be"),
        (lambda: dm.manual(lambda x: 1)(abs), "wrap it in a function"),
        (lambda: dm.gradient(seed, (10**400, 1, 2)), "too large"),
    ]
    for call, message in cases:
        with pytest.raises(dm.DiffMethodsError, match=message):
            call()


def test_deep_nesting_and_complex_powers_under_symbolic():
    def deep(x):
        for _ in range(500):
            x = np.sin(x)
        return x

    with pytest.raises(dm.UnsupportedOperationError, match="nested too deeply"):
        dm.gradient(deep, 0.5, method="symbolic")
    assert dm.gradient(deep, 0.5, method="reverse")[0] == pytest.approx(
        dm.gradient(deep, 0.5, method="forward")[0], rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = dm.gradient(lambda x: x**0.5, -1.0, method="symbolic")  # (-1) ** 0.5: no number
    assert np.isnan(g[0])


@pytest.mark.parametrize("method", [m for m in dm.methods()
                                    if m != "manual" and get_method(m).exact])
def test_shapes_that_do_not_broadcast_are_our_error_in_every_tracer(method):
    # (the difference methods run f on plain numbers: there f's own numpy error is f's)
    for f in (lambda v: np.sum(v * np.ones(4)), lambda v: np.sum(np.ones(4) * v)):
        with pytest.raises(dm.DiffMethodsError, match="broadcast"):
            dm.gradient(f, np.ones(3), method=method)
