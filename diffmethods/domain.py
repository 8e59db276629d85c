"""The one policy for undefined points, followed by every method.

Every method hands its value and derivative to :func:`undefined_point` before it returns (through
``Problem.result``), so what an undefined point gives is decided here, once, and not by each
method's arithmetic (which gave four different answers for ``a / 0``):

* **f is undefined** at the point -- its value is nan or infinite, from an operand outside an
  operation's domain (log(-1)), a pole (1/0), an overflow (exp(800)) or a nan in f: the whole
  derivative is nan (for a vector f, the rows of the outputs that are undefined);
* **f is finite but its derivative is not** -- an operand on the edge of a domain (sqrt at 0,
  arcsin at 1), a singular point (arctan2 at (0, 0)), or a method whose step reaches a
  singularity that the point itself is clear of (finite differences at sqrt(1e-10), the
  complex step at log(1e-300)): the derivative is nan too, never a lone inf or a partial
  answer (those differ from method to method).

Either way one :class:`~diffmethods.errors.DomainWarning` names the operation and its operands.
They are found off the hot path, only when something is not finite, by running f once more on a
recording forward pass at the point. To raise instead, turn the warning into an error:
``warnings.simplefilter("error", DomainWarning)`` makes every method raise
:class:`~diffmethods.errors.DomainError`.

>>> import numpy as np, warnings, diffmethods as dm
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     dm.gradient(lambda a, b: np.log(a) * b, (-1.0, 2.0), method="forward")
array([nan, nan])
>>> print(caught[0].message)
f is undefined at (-1.0, 2.0): log(-1.0) is nan (outside the domain of log). The derivative is nan.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings

import numpy as np

from .errors import DomainError, DomainWarning

_FEW = 16  # a derivative with at most this many entries is checked in a Python loop


def undefined_point(problem, value, derivative):
    """The derivative to return for ``value``: unchanged where f and the derivative are finite,
    nan (with a :class:`DomainWarning`) where either is not. ``value`` is a float or an array
    (one entry per output), ``derivative`` an array (gradient, Jacobian, Hessian, ...)."""
    if type(value) is float and value - value == 0 and _all_finite(derivative):
        return derivative  # the common case: a finite scalar and a finite derivative
    try:
        values = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return derivative  # not a number: nothing this policy can judge
    defined = np.isfinite(values)
    if defined.all() and _all_finite(derivative):
        return derivative
    out = np.array(derivative, dtype=float)  # a copy: the method's array may be shared
    by_output = values.ndim == 1 and out.ndim == 2 and out.shape[0] == values.size
    if by_output:  # a Jacobian: only the rows of the outputs concerned
        rows = ~defined | ~np.isfinite(out).all(axis=1)
        out[rows] = np.nan
    else:
        out[...] = np.nan
    _warn(_message(problem, values, defined))
    return out


def quiet(method):
    """Run ``method`` with numpy's RuntimeWarnings off: where a method's own arithmetic meets
    inf or nan (a tangent times an infinite partial, an adjoint sweep through 1/0), the policy
    above reports the point once, and numpy does not quote diffmethods' source lines."""
    @functools.wraps(method)
    def quietly(*args, **kwargs):
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)
    return quietly


def _all_finite(a) -> bool:
    """Every entry finite: a Python loop for a few entries (faster than numpy's call overhead),
    one sum for many (no temporary array), checked entry by entry only if the sum is not."""
    a = np.asarray(a)
    if a.size <= _FEW:
        return all(map(math.isfinite, a.ravel().tolist()))
    with np.errstate(all="ignore"):  # finite entries may sum to inf
        return math.isfinite(a.sum()) or bool(np.isfinite(a).all())


def _warn(message: str) -> None:
    """Warn at the first frame outside diffmethods (the user's call), or raise DomainError if
    DomainWarnings are errors."""
    from .errors import domain_warning_given
    if domain_warning_given():  # a rule (np.linalg.eigh, ...) has said why already
        return
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("diffmethods"):
        frame, level = frame.f_back, level + 1
    try:
        warnings.warn(message, DomainWarning, stacklevel=level)
    except DomainWarning as raised:
        raise DomainError(str(raised)) from None


# --- saying why: one recording forward pass, only at an undefined point ---------------------
def _message(problem, values, defined) -> str:
    where = _point_text(problem)
    if not defined.all():
        if values.ndim == 0:
            head = f"f is undefined at {where}: "
        else:
            bad = np.flatnonzero(~defined)
            head = (f"output{'s' if bad.size > 1 else ''} {', '.join(map(str, bad[:5]))} of f "
                    f"{'are' if bad.size > 1 else 'is'} undefined at {where}: ")
        cause = _diagnose(_record(problem), values=True)
        return head + (cause or f"its value is {_number(values[~defined].flat[0])}") \
            + ". The derivative is nan."
    method = getattr(problem, "method", "") or "the"
    recorded = _record(problem)
    cause = _diagnose(recorded, values=False)
    if cause is not None:
        return (f"f is not differentiable at {where}: {cause}. The {method} derivative is "
                "nan.")
    near = _nearest_singularity(recorded)
    return (f"f is finite at {where} but its {method} derivative is not" +
            (f", while forward mode's is: {near}, nearer than this method can step. The "
             "derivative is nan; use forward or reverse mode (or a smaller step)." if near else
             ". The derivative is nan."))


def _point_text(problem) -> str:
    x = getattr(problem, "x", None)
    if x is None:
        return "the point"
    if len(x) > 6:
        return f"the point ({len(x)} coordinates)"
    inner = ", ".join(_number(v) for v in x)
    return f"({inner},)" if len(x) == 1 else f"({inner})"


def _number(v) -> str:
    return repr(float(v))


def _original_point(problem):
    """The point as the user gave it (``problem.point()`` when the Problem offers it)."""
    point = getattr(problem, "point", None)
    if callable(point):
        return point()
    kind, x = getattr(problem, "kind", None), np.asarray(problem.x, dtype=float)
    if kind == "array":
        return x.copy()
    if kind == "scalar":
        return float(x[0])
    return tuple(float(v) for v in x)


def _record(problem):
    """The nodes ``(op_name, args, result)`` and the outputs of f on one recording forward
    pass along all coordinates at once, or None when f cannot be traced."""
    from .methods.forward import Dual, ForwardPass, seed
    from .points import Problem
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a diagnosis: the rules said their piece already
            run = Problem(problem.f, _original_point(problem), "",
                          getattr(problem, "argnums", None))
            trace = ForwardPass(1, record=True)
            y = run(seed(run, 0, 1, trace, direction=np.ones(run.n)))
    except Exception:  # noqa: BLE001 -- a diagnosis only: f may not be traceable at all
        return None
    if isinstance(y, Dual):
        outputs = [y]
    elif isinstance(y, (list, tuple, np.ndarray)):
        outputs = [d for d in np.ravel(np.asarray(y, dtype=object)) if isinstance(d, Dual)]
    else:
        outputs = []
    return trace.nodes, outputs


def _bad_value(d) -> np.ndarray:
    return ~np.isfinite(np.asarray(d.value, dtype=float))


def _bad_tangent(d) -> np.ndarray:
    from .methods.tangents import dense
    tangent = np.asarray(dense(d.tangent), dtype=float)
    return ~np.isfinite(tangent).all(axis=-1)


def _diagnose(recorded, values: bool):
    """The first operation that made f's value (or its derivative) not finite from finite
    operands, described from the ``recorded`` pass; None if there is none to be found."""
    from .methods.forward import Dual
    if recorded is None:
        return None
    nodes, outputs = recorded
    bad = _bad_value if values else _bad_tangent
    where = {id(result): k for k, (_, _, result) in enumerate(nodes)}
    # walk back from the outputs that are not finite to the operations where it started
    stack = [where[id(d)] for d in outputs if id(d) in where and bad(d).any()]
    seen, roots = set(stack), []
    while stack:
        k = stack.pop()
        parents = [where[id(a)] for a in nodes[k][1]
                   if isinstance(a, Dual) and id(a) in where and bad(a).any()]
        if not parents:
            roots.append(k)
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    if not roots:  # the outputs are fine on this pass: take the first such operation at all
        roots = [k for k, (_, args, result) in enumerate(nodes) if bad(result).any()
                 and not any(isinstance(a, Dual) and bad(a).any() for a in args)][:1]
    if not roots:
        return None
    name, args, result = nodes[min(roots)]
    return _describe(name, args, result, bad(result), values)


def _describe(name, args, result, bad, values: bool) -> str:
    from .methods.forward import Dual
    from .ops import OPS
    index = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape)) \
        if bad.ndim else ()
    op = OPS.get(name)
    if op is None:  # an array primitive (np.linalg.svd, ...): its operands have other shapes
        value = _element(result.value, bad.shape, index)
        where = f" (element {index[0] if len(index) == 1 else index})" if index else ""
        what = "is " + _number(value) if values else "has no finite derivative"
        return f"{name}{where} {what}"
    operands = [_element(a.value if isinstance(a, Dual) else a, bad.shape, index) for a in args]
    text = f"{name}({', '.join(_operand(v) for v in operands)})" if op else f"the {name}"
    if index:
        text += f" (element {index[0] if len(index) == 1 else index})"
    value = _element(result.value, bad.shape, index)
    distance = _distance(op, operands)
    if values:
        if any(not isinstance(a, Dual) and not np.all(np.isfinite(a)) for a in args):
            return f"{text} is {_number(value)} (f uses a non-finite constant)"
        if distance is not None and distance < 0:
            why = f"outside the domain of {name}"
        elif distance == 0:
            why = "a division by zero" if name == "divide" else f"a singular point of {name}"
        else:
            why = "an overflow"
        return f"{text} is {_number(value)} ({why})"
    if distance == 0:  # the edge of a domain (sqrt at 0), a pole or a branch point
        return f"{text} has no finite derivative (a singular point of {name})"
    return f"the derivative of {text} is not finite (it overflows)"


def _element(a, shape, index):
    if not isinstance(a, np.ndarray) or a.ndim == 0 or not index:
        return float(a) if isinstance(a, (int, float, np.number)) else a
    return float(np.broadcast_to(a, shape)[index])


def _operand(v) -> str:
    return _number(v) if isinstance(v, (int, float, np.number)) else "[...]"


def _distance(op, operands):
    """The smallest radius of ``op`` at these real operands (None if op has no radius)."""
    if op is None or op.radius is None or any(isinstance(v, str) for v in operands):
        return None
    try:
        with np.errstate(all="ignore"):
            return float(min(np.min(r(*operands)) for r in op.radius if r is not None))
    except (TypeError, ValueError):
        return None


def _nearest_singularity(recorded):
    """The recorded operation whose operand is nearest to a singularity, described, for a
    derivative that only a stepping method (complex step, differences) failed to give."""
    from .methods.forward import Dual
    from .ops import OPS
    if recorded is None:
        return None
    best = None
    for name, args, result in recorded[0]:
        op = OPS.get(name)
        if op is None or op.radius is None:
            continue
        operands = [a.value if isinstance(a, Dual) else a for a in args]
        distance = _distance(op, operands)
        if distance is not None and math.isfinite(distance) and (best is None
                                                                  or distance < best[0]):
            best = (distance, name, operands)
    if best is None:
        return None
    distance, name, operands = best
    return (f"{name}({', '.join(_operand(v) for v in operands)}) is within {distance:.3g} of "
            f"a singularity of {name}")
