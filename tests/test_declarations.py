"""Methods are declared objects: the rest of the package asks their declarations, never
their names (issue: methods described as data)."""

from __future__ import annotations

import ast
import inspect
import pathlib

import numpy as np
import pytest

import diffmethods as dm
from diffmethods import registry
from diffmethods.declarations import Accumulation, Kind, operators_of

PACKAGE = pathlib.Path(dm.__file__).parent
# where no method may be picked by its name: each method's own module declares it
NAME_FREE = ["harness", "report.py", "plots.py", "commands", "teaching"]


def _files():
    for place in NAME_FREE:
        path = PACKAGE / place
        yield from (sorted(path.rglob("*.py")) if path.is_dir() else [path])


def _method_context(node, parents) -> bool:
    """Whether a string constant is used as a method: ``method=...``, a comparison or lookup
    involving something called method, or a dict key/subscript of method rows."""
    parent = parents.get(node)
    if isinstance(parent, ast.keyword):
        return parent.arg in ("method", "methods")
    if isinstance(parent, ast.Compare):
        return "method" in ast.unparse(parent)
    if isinstance(parent, ast.Subscript) and parent.slice is node:  # parts["forward"]
        return any(word in ast.unparse(parent.value) for word in ("parts", "method"))
    return False


def name_literals():
    """(file, line, text) of every string literal equal to a built-in method's name, except a
    finite-difference scheme's name used as a scheme ("forward" is both)."""
    names = set(registry.methods())
    schemes = set(dm.schemes())
    for path in _files():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
                      and n.body and isinstance(n.body[0], ast.Expr)
                      and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value in names and id(node) not in docstrings:
                if node.value in schemes and not _method_context(node, parents):
                    continue
                yield f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}"


def test_no_method_is_picked_by_its_name_outside_its_own_module():
    assert list(name_literals()) == []


def test_every_builtin_method_declares_itself():
    for name in registry.methods():
        method = registry.get_method(name)
        declared = registry.declaration(name)
        assert declared is method.declaration, name
        assert declared.exact == method.exact, name
        assert isinstance(declared.kind, Kind)


def test_declared_options_are_the_gradient_keywords():
    """An option is declared once; the declaration and the signature cannot drift apart."""
    for name in registry.methods():
        params = inspect.signature(registry.get_method(name).gradient).parameters
        keywords = [p for p, v in params.items() if v.kind is v.KEYWORD_ONLY]
        assert [o.name for o in registry.declaration(name).options] == keywords, name
        step = registry.declaration(name).step_option
        assert step is None or step in keywords, name


def test_declared_defaults_are_the_signature_defaults():
    for name in registry.methods():
        params = inspect.signature(registry.get_method(name).gradient).parameters
        for option in registry.declaration(name).options:
            assert params[option.name].default == option.default, (name, option.name)


def test_declared_counts_hold_on_a_function_of_five_inputs():
    f = lambda x: np.sum(np.sin(x) ** 2)  # noqa: E731
    x = np.linspace(0.1, 0.5, 5)
    checked = 0
    for name in registry.methods():
        counts = registry.declaration(name).counts
        if counts is None:
            continue
        for options in [{}] + [v.options for v in registry.declaration(name).variants]:
            r = dm.differentiate(f, x, method=name, **options)
            settings = dict(options, **{k: v for k, v in r.details.items()
                                        if isinstance(v, (int, str)) and not isinstance(v, bool)})
            assert counts.check({"n": 5, "f_calls": r.f_calls, "passes": r.passes}, settings), \
                (name, options, r.f_calls, r.passes)
            checked += 1
    assert checked >= 7


def test_error_models_predict_the_measured_error_of_each_step_method():
    """At a step where truncation dominates, the declared model is within 2x of the error."""
    f, x, h = (lambda x: np.exp(x)), 0.7, 1e-2
    exact = np.exp(0.7)
    derivs = {k: np.exp(0.7) for k in range(10)}
    for name in registry.methods():
        declared = registry.declaration(name)
        if declared.step_option is None or declared.error_model({}) is None:
            continue
        T, q, R = declared.error_model({}).terms(derivs)
        error = abs(dm.gradient(f, x, method=name, **{declared.step_option: h})[0] - exact)
        assert 0.5 < error / (T * h**q) < 2, name


def test_operators_are_read_off_the_method():
    assert "jvp" in operators_of(registry.get_method("forward"))
    assert "vjp" not in operators_of(registry.get_method("forward"))
    reverse = [m for m in registry.methods()
               if registry.declaration(m).accumulation is Accumulation.REVERSE]
    assert reverse and all("vjp" in operators_of(registry.get_method(m)) for m in reverse)


def test_a_plain_function_backend_can_declare_itself_exact():
    def exact_rule(problem):
        """the gradient of sum(x**2), written out"""
        return problem(problem.inputs(problem.x)), 2 * problem.x
    dm.register_method("twice-x", exact_rule, exact=True, kind=Kind.HAND_RULE)
    try:
        declared = dm.declaration("twice-x")
        assert declared.exact and declared.kind is Kind.HAND_RULE
        rows = dm.compare(lambda x: np.sum(x**2), np.array([1.0, 2.0]), methods=["twice-x"],
                          repeat=1)
        assert rows[0]["exact"] is True and rows[0]["rel_error"] == 0
    finally:
        dm.unregister_method("twice-x")


def test_a_method_object_declares_itself_not_through_register_method():
    with pytest.raises(dm.OptionError, match="declaration"):
        dm.register_method("x", registry.get_method("reverse"), exact=True)


def test_plain_function_options_are_checked():
    def backend(problem, *, h=0.1):
        return problem(problem.inputs(problem.x)), 0 * problem.x
    dm.register_method("toy", backend)
    try:
        assert [o.name for o in dm.declaration("toy").options] == ["h"]
        with pytest.raises(dm.OptionError, match="takes the options h"):
            dm.gradient(lambda x: x**2, 1.0, method="toy", step=1)
    finally:
        dm.unregister_method("toy")


def _sweep_texts(f, x):
    from diffmethods.harness.findings import sweep_findings
    return [s["text"] for s in sweep_findings(dm.sweep_summary(dm.epsilon_sweep(f, x)))]


def test_a_method_without_an_error_model_is_described_by_its_own_estimate():
    """Richardson declares no model: no sentence about its truncation; its own estimate."""
    modelless = [m for m in dm.methods() if dm.declaration(m).step_option
                 and dm.declaration(m).error_model({}) is None]
    assert modelless
    texts = _sweep_texts(lambda x: np.sin(x) * np.exp(x), 1.5)
    for m in modelless:
        mine = [t for t in texts if t.startswith(m)]
        assert mine and "declares no error model" in mine[0]
        assert "its own error estimate" in mine[0]
        assert not any("no truncation error at all" in t for t in mine)


def test_a_polynomial_never_leaves_its_domain():
    """Where a step method gives up at a tiny step, nothing is said about f's domain."""
    texts = _sweep_texts(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2.0, 3.0, 4.0))
    assert not any("leaves f's domain" in t for t in texts)
    assert not any("richardson: no truncation" in t for t in texts)
