"""Manual differentiation, the way a person does it: one named rule at a time.

"Manual" means someone looked at the formula and applied the rules of calculus -- constant
factor, power, linearity, product, chain -- until no derivative sign was left. This module does
exactly that, visibly: it walks the expression tree of ``f`` (as traced by
:func:`diffmethods.symbolic_gradient`) from the outside in, names the rule it uses at each node
and records what that node's derivative comes to. The result is then checked against
``sympy.diff`` (the symbolic method) and, if ``f`` carries a hand-written gradient
(``@dm.manual``), against that too.

>>> import sympy
>>> x = sympy.Symbol("x1", real=True)
>>> d, steps = derive_by_rules(3 * x**2, x)
>>> d, [s.rule for s in steps]
(6*x1, ['constant factor', 'power rule'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from ..api import gradient
from ..errors import DiffMethodsError
from ..methods.manual import ManualMethod
from ..methods.symbolic import symbolic_gradient
from ..points import Problem
from .document import Explanation, Formula, Paragraph, Table
from .kinks import gradient_text, kink_paragraph, scan
from .notation import coordinate_names, expr_text, num

MAX_STEPS = 40  # per derivative: longer derivations are cut short in the table

RULES = {
    "linearity": "d(u + v) = d(u) + d(v)",
    "constant factor": "d(c·u) = c·d(u)",
    "constant": "d(c) = 0 when c does not contain the variable",
    "power rule": "d(u**n) = n·u**(n-1)·d(u)",
    "exponential rule": "d(a**u) = a**u·log(a)·d(u)",
    "general power rule": "d(u**v) = u**v·(d(v)·log(u) + v·d(u)/u)",
    "product rule": "d(u·v) = d(u)·v + u·d(v)",
    "chain rule": "d(g(u)) = g'(u)·d(u)",
    "elementary derivative": "d(g(x)) = g'(x), from a table (sin' = cos, exp' = exp, ...)",
    "piecewise": "differentiate each branch",
    "sympy.diff": "no named rule applies; sympy's own differentiation",
}


@dataclass
class RuleStep:
    """One application of a rule: the derivative of ``target`` is ``split`` (in terms of the
    derivatives of its parts), which comes to ``result``."""

    label: str  # hierarchical number: 1, 1.2, 1.2.1 ...
    rule: str
    target: object
    split: str
    result: object = None
    children: list = field(default_factory=list)


def _d(expr) -> str:
    return f"d({expr_text(expr)})"


def _product_text(factors) -> str:
    return "·".join(f"({expr_text(f)})" if f.is_Add or (f.is_Pow and f.args[1].is_negative)
                    or f.is_Rational and not f.is_Integer else expr_text(f) for f in factors)


def derive_by_rules(expr, var):
    """(derivative, steps): d expr / d var by named rules, and the steps in reading order."""
    steps: list = []

    def rec(e, label):
        if var not in e.free_symbols:
            return sympy.S.Zero
        if e == var:
            return sympy.S.One
        step = RuleStep(label, "", e, "")
        steps.append(step)
        children = []

        def sub(part):
            children.append(part)
            return rec(part, f"{label}.{len(children)}")

        if e.is_Add:
            step.rule = "linearity"
            step.split = " + ".join(_d(t) for t in e.args if var in t.free_symbols)
            dropped = [t for t in e.args if var not in t.free_symbols]
            if dropped:
                step.split += f"   ({' + '.join(map(expr_text, dropped))}: constant, derivative 0)"
            step.result = sympy.Add(*[sub(t) for t in e.args if var in t.free_symbols])
        elif e.is_Mul:
            const = [a for a in e.args if var not in a.free_symbols]
            dep = [a for a in e.args if var in a.free_symbols]
            if const:
                c, u = sympy.Mul(*const), sympy.Mul(*dep)
                step.rule, step.split = "constant factor", f"{_product_text(const)}·{_d(u)}"
                step.result = c * sub(u)
            else:
                step.rule = "product rule"
                terms = [_product_text(dep[:k]) + ("·" if k else "") + _d(a)
                         + ("·" if k < len(dep) - 1 else "") + _product_text(dep[k + 1:])
                         for k, a in enumerate(dep)]
                step.split = " + ".join(terms)
                parts = [sub(a) for a in dep]
                step.result = sympy.Add(*[sympy.Mul(*dep[:k], parts[k], *dep[k + 1:])
                                          for k in range(len(dep))])
        elif e.is_Pow:
            u, n = e.args
            if var not in n.free_symbols:
                step.rule = "power rule"
                step.split = f"{expr_text(n)}·{_product_text([u ** (n - 1)])}" + (
                    "" if u == var else f"·{_d(u)}")
                step.result = n * u ** (n - 1) * sub(u)
            elif var not in u.free_symbols:
                step.rule = "exponential rule"
                step.split = f"{expr_text(e)}·log({expr_text(u)})·{_d(n)}"
                step.result = e * sympy.log(u) * sub(n)
            else:
                step.rule = "general power rule"
                step.split = (f"{expr_text(e)}·({_d(n)}·log({expr_text(u)}) + "
                              f"{_product_text([n])}·{_d(u)}/{_product_text([u])})")
                du, dn = sub(u), sub(n)
                step.result = e * (dn * sympy.log(u) + n * du / u)
        elif isinstance(e, sympy.Piecewise):
            step.rule = "piecewise"
            step.split = "; ".join(f"{_d(b)} where {expr_text(c)}" for b, c in e.args)
            step.result = sympy.Piecewise(*[(sub(b), c) for b, c in e.args])
        elif e.is_Function and not isinstance(e, sympy.Derivative):
            try:
                outer = [e.fdiff(k + 1) for k in range(len(e.args))]
            except Exception:  # noqa: BLE001 - sympy raises several kinds; fall back below
                outer = None
            if outer is not None:
                used = [k for k, a in enumerate(e.args) if var in a.free_symbols]
                if e.args == (var,):
                    step.rule, step.split = "elementary derivative", expr_text(outer[0])
                else:
                    step.rule = "chain rule"
                    step.split = " + ".join(_product_text([outer[k]]) + ("" if e.args[k] == var else
                                                             f"·{_d(e.args[k])}")
                                            for k in used)
                step.result = sympy.Add(*[outer[k] * sub(e.args[k]) for k in used])
        if not step.rule:
            step.rule, step.split = "sympy.diff", "(no named rule)"
            step.result = sympy.diff(e, var)
        step.children = children
        return step.result

    return rec(expr, "1"), steps


@dataclass
class RuleDerivation:
    """The derivation of one partial derivative and its checks."""

    variable: object
    derivative: object
    steps: list
    symbolic: object  # what sympy.diff (the symbolic method) gives
    agrees: bool
    value: float


def renamed(sg, problem) -> tuple:
    """(symbols, expression, gradient) of a SymbolicGradient in the names every section of an
    explanation uses (x1, x2, ...; x1[0], ...; p['W'][0, 1]) instead of f's own."""
    new = [sympy.Symbol(name, real=True) for name in coordinate_names(problem)]
    rename = dict(zip(sg.symbols, new))
    return new, sg.expression.xreplace(rename), [g.xreplace(rename) for g in sg.gradient]


def derive_all(f, point) -> tuple:
    """(SymbolicGradient, [RuleDerivation per input]), in the inputs' names x1..xn."""
    problem = Problem(f, point)
    sg = symbolic_gradient(f, point)
    symbols, expression, gradient = renamed(sg, problem)
    at = dict(zip(symbols, (sympy.Float(v, 17) for v in problem.x)))
    out = []
    for s, reference in zip(symbols, gradient):
        d, steps = derive_by_rules(expression, s)
        agrees = sympy.simplify(d - reference) == 0
        try:  # 1/x at 0 is sympy's zoo (complex infinity): not a real number, so nan
            value = float(sympy.N(d.subs(at), 17))
        except TypeError:
            value = float("nan")
        out.append(RuleDerivation(s, d, steps, reference, bool(agrees), value))
    return sg, out


def hand_gradient(f, point):
    """The gradient attached with @dm.manual, or None."""
    try:
        return gradient(f, point, method=ManualMethod.name)
    except DiffMethodsError:
        return None


def explain_manual(f, point) -> Explanation:
    """Manual differentiation by named rules, checked against the symbolic result."""
    sg, derivations = derive_all(f, point)
    values = np.array([d.value for d in derivations])
    expression = renamed(sg, Problem(f, point))[1]
    used = []
    for d in derivations:
        for step in d.steps:
            if step.rule not in used:
                used.append(step.rule)
    blocks = [Paragraph(
        "By hand, one looks at the formula and applies the rules of calculus from the outside "
        "in: each rule turns the derivative of a node into derivatives of its parts, until "
        "only variables and constants are left. Here the program does this on the expression "
        f"of f, `{expr_text(expression)}`, naming each rule as it goes. The rules it needs:"),
        Table(["rule", "what it says"], [[r, RULES[r]] for r in used]),
        Paragraph("In the steps, d(u) is the derivative of u with respect to the variable in "
                  "the heading; a step numbered 1.2 works on a part of step 1.")]
    found = scan(f, point)
    title = "Manual differentiation, rule by rule"
    if found.stop is not None:  # the rules still apply, but their values here mean nothing
        blocks.append(Paragraph(found.stop))
        return Explanation(title, blocks, ManualMethod.name, float("nan"),
                           np.full(len(values), np.nan), derivations)
    kink = kink_paragraph(found, "the rules differentiate each piece, and the derivative "
                          "they give, evaluated at the kink (sympy's sign(0) = 0, "
                          f"Heaviside(0) = 1/2), follows it too: {gradient_text(values)}")
    if kink is not None:
        blocks.append(kink)
    for d in derivations[:8]:
        rows = [[s.label, s.rule, expr_text(s.target), s.split, expr_text(s.result)]
                for s in d.steps[:MAX_STEPS]]
        blocks += [Paragraph(f"**df/d{d.variable}** = `{expr_text(d.derivative)}` = "
                             f"{num(d.value)} at "
                             "the point."),
                   Table(["step", "rule", "d/d" + str(d.variable) + " of", "is", "which gives"],
                         rows)]
        if len(d.steps) > MAX_STEPS:
            blocks.append(Paragraph(f"(... {len(d.steps) - MAX_STEPS} more steps)"))
    checks = [f"df/d{d.variable}: rules give {expr_text(d.derivative)}, sympy.diff gives "
              f"{expr_text(d.symbolic)}: "
              + ("the same" if d.agrees else "DIFFERENT") for d in derivations]
    hand = hand_gradient(f, point)
    if hand is not None:
        same = np.allclose(hand, values, rtol=1e-12, atol=1e-12)
        checks.append(f"the gradient written by hand for f (@dm.manual) gives "
                      f"({', '.join(num(v) for v in hand)}): "
                      + ("the same numbers" if same else "DIFFERENT numbers"))
    blocks += [Paragraph("**Checks.** The same derivatives by the symbolic method, compared "
                         "with `sympy.simplify(rules - symbolic) == 0`:"), Formula(checks),
               Paragraph(f"**Gradient** = ({', '.join(num(v) for v in values)}). Every rule "
                         "application is a chance for a slip when done on paper, and the "
                         "result must be derived again whenever f changes: that is what the "
                         "other methods automate.")]
    value, _ = sg(Problem(f, point).x)
    return Explanation("Manual differentiation, rule by rule", blocks, ManualMethod.name,
                       float(value),
                       values, derivations)
