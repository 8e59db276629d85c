"""Complex-step differentiation: df/dx_i = Im f(x + i h e_i) / h.

For a function that is analytic (has a complex derivative), a Taylor expansion along the
imaginary axis gives f(x + ih) = f(x) + ih f'(x) - h^2 f''(x)/2 - ..., so the imaginary part
divided by h is f'(x) with an error of h^2 f'''/6 -- and, unlike a finite difference, no
subtraction of nearly equal numbers. The step can be 1e-20: the derivative is accurate to
machine precision, with one evaluation of f per coordinate, and the real part is f(x) itself.

``f`` runs on :class:`Complex` values, which evaluate every operation of the table on complex
numbers. Operations that are not analytic get the usual complexification (Martins, Sturdza
and Alonso, 2003), listed in :data:`NON_ANALYTIC`: comparisons and branches look at the real
part, |z| becomes z * sign(Re z) (so the derivative at 0 is 0, as for AD), max/min pick the
operand with the larger/smaller real part (splitting a tie evenly).

The expansion behind the method holds only inside the disc where an operation is analytic
around its real operand. Each operation whose table row has a ``radius`` (the distance to a
pole, a branch point or the edge of the real domain) is therefore checked: where the real
operands are outside the domain (sqrt(-1) would be i, log(-1) would be i pi), or where the
imaginary parts reach toward the singularity (log(1e-300 + 1e-20 i) is -46 + 1.57 i, so the
quotient said 1.6e20 for a true 1e300), the operation gives the real function's value (nan
outside the domain) with no imaginary part, and the pass is marked: its derivative is nan, and
the undefined-point policy (:mod:`diffmethods.domain`) says why, instead of a confident wrong
number. (A nan imaginary part would not do: (a + nan i) * 2 is nan + nan i in IEEE complex
arithmetic, so the value itself would be lost.)

>>> from diffmethods import gradient
>>> gradient(lambda x: x**3, 2.0, method="complex-step")
array([12.])
"""

from __future__ import annotations

import numpy as np

from ..contractions import MATMUL, matmul_operands
from ..declarations import (Accumulation, Counts, Declaration, ErrorModel, Kind, Option,
                            positive_float)
from ..errors import OptionError
from ..ops import pick_by_real_part
from ..tracing import Traced, plain_constant, shared_context

DEFAULT_STEP = 1e-20


def _real_sign(z):
    return np.sign(np.real(z))




def _atan2(y, x):
    """atan2 continued off the real axis by a formula analytic around the real operands:
    arctan(y/x) (+-pi for x < 0) where |Re x| >= |Re y|, else +-pi/2 - arctan(x/y). The one
    formula arctan(y/x) divided by zero at x = 0 and took the wrong branch at x = -0.0."""
    y, x = np.asarray(y, dtype=complex), np.asarray(x, dtype=complex)
    yr, xr = y.real, x.real
    by_x = np.abs(xr) >= np.abs(yr)
    near_x = np.arctan(y / np.where(by_x, x, 1)) + np.where(xr < 0, np.copysign(np.pi, yr), 0)
    near_y = np.copysign(np.pi / 2, yr) - np.arctan(x / np.where(by_x, 1, y))
    out = np.where(by_x, near_x, near_y)
    return np.where((xr == 0) & (yr == 0), np.arctan2(yr, xr) + 0j, out)[()]


def _cbrt(z):
    s = _real_sign(z)
    return s * (s * z) ** (1 / 3)


NON_ANALYTIC = {
    "absolute": lambda z: z * _real_sign(z),
    "sign": _real_sign,
    "maximum": pick_by_real_part(larger=True),
    "minimum": pick_by_real_part(larger=False),
    "hypot": lambda a, b: np.sqrt(a * a + b * b),  # numpy's hypot refuses complex numbers
    "arctan2": _atan2,
    "cbrt": _cbrt,
}
"""How the complex step evaluates operations whose numpy version is not analytic (or does
not accept complex numbers): each rule agrees with the real function on the real axis."""

REACH = 1e-5
"""How close the imaginary parts may come to a singularity, as a fraction of the distance to it
(``op.radius``): within it the Taylor terms the complex step drops are below REACH**2 = 1e-10
of the derivative. A larger step h is allowed a proportionally larger reach (10 h, up to 1/2),
so that a singularity never costs more accuracy than the step itself already does."""


def _on_the_real_branch(op, values, out, trace):
    """``out``, or -- where the complex evaluation of ``op`` is not the real function's
    continuation (see the module docstring): an operand's imaginary part reaches toward its
    singularity, or the real operands are outside the domain -- the real function's value
    (nan outside), with ``trace.refused`` set where it is finite so that the pass gives no
    derivative."""
    real = [np.real(v) for v in values]
    reach = min(0.5, max(REACH, 10 * trace.step))
    off, outside = False, False
    for v, radius in zip(values, op.radius):
        if radius is not None:
            distance, imag = radius(*real), np.abs(np.imag(v))
            off = off | ((imag > 0) & (imag >= reach * distance))
            outside = outside or bool(np.any(distance < 0))
    if not (outside or np.any(off)):
        return out
    real_value = op.ufunc(*real)
    undefined = np.isnan(real_value)  # nan carries itself on: the value is nan, as f's is
    if np.any(off & ~undefined):
        trace.refused = True
    return np.where(off | undefined, real_value + 0j, out)[()]


class ComplexPass:
    """Bookkeeping of one complex-step evaluation: the operations evaluated, the step, and
    whether an operation refused it (then the pass gives no derivative)."""

    __slots__ = ("ops", "step", "refused")

    def __init__(self, step: float = DEFAULT_STEP):
        self.ops = 0
        self.step = step  # h: how far the operations' checks let the operands reach
        self.refused = False


class Complex(Traced):
    """A complex value flowing through f; comparisons and branches use its real part."""

    __slots__ = ("value", "trace")
    method_label = "the complex-step method"
    priority = 1

    def __init__(self, value, trace: ComplexPass):
        self.value = value
        self.trace = trace

    def __repr__(self) -> str:
        return f"Complex({self.value!r})"

    def _primal(self):
        real = np.real(self.value)
        return real[()] if isinstance(real, np.ndarray) else real

    @classmethod
    def _elementwise(cls, op, args):
        trace = _trace_of(args)
        values = [a.value if isinstance(a, Complex) else _constant(a) for a in args]
        rule = NON_ANALYTIC.get(op.name) or op.complex_value or op.ufunc
        with np.errstate(all="ignore"):
            out = rule(*values)
            if op.radius is not None:
                out = _on_the_real_branch(op, values, out, trace)
        trace.ops += 1
        return Complex(out, trace)

    @classmethod
    def _linear(cls, prim, args, params):
        trace = _trace_of(args)
        if prim.multi:
            out = prim.value(tuple(a.value if isinstance(a, Complex) else np.asarray(a)
                                   for a in args), **params)
        else:
            out = prim.value(args[0].value, **params)
        trace.ops += 1
        return Complex(out, trace)

    @classmethod
    def _matmul(cls, a, b):
        # the contraction row with matmul's subscripts (products are analytic: no special case)
        a, b, spec = matmul_operands(a, b)
        return cls._primitive(MATMUL, (a, b), {"spec": spec})

    @classmethod
    def _primitive(cls, prim, args, params):
        # value(Re x) + i J Im(x): the complex step to first order, for a primitive whose
        # numpy version is not analytic in complex arguments (cholesky and eigh conjugate)
        trace = _trace_of(args)
        values = [a.value if isinstance(a, Complex) else np.asarray(_constant(a)) for a in args]
        real = tuple(np.asarray(np.real(v), dtype=float) for v in values)
        steps = tuple(np.asarray(np.imag(v), dtype=float)[..., None] if isinstance(a, Complex)
                      else None for a, v in zip(args, values))
        out = prim.value(*real, **params)
        tangent = prim.jvp(steps, real, out, **params)
        trace.ops += 1
        return Complex(out + 1j * np.asarray(tangent)[..., 0], trace)


def _constant(c):
    return plain_constant(c, "the complex-step method")


def _trace_of(args) -> ComplexPass:
    return shared_context(args, Complex, "trace")


def _inputs(problem, i: int, h: float, trace: ComplexPass) -> list:
    """One Complex per leaf of the point, coordinate i stepped by ih."""
    trace.step = h
    x = problem.x.astype(complex)
    x.imag[i] = h  # not x[i] += 1j * h: -0.0 + 0.0 is +0.0, and arctan2 sees the sign
    return [Complex(v, trace) for v in problem.structure.split(x)]


def _real_and_imag(y, problem):
    """(Re f, Im f) of f's output: a Complex scalar, or a real number (f is constant); Im f is
    nan when an operation refused the step."""
    if isinstance(y, Complex):
        if y.shape != ():
            problem.scalar_output(y, Complex)  # raises the error about array outputs
        return float(np.real(y.value)), np.nan if y.trace.refused else float(np.imag(y.value))
    return problem.scalar_output(y), 0.0


# Im f(x + ih)/h = f' - f''' h^2/6 + f^(5) h^4/120 - ...: truncation only, and no subtraction,
# so no round-off term that grows as h shrinks
ERROR_MODEL = ErrorModel({3: 1 / 6, 5: 1 / 120, 7: 1 / 5040}, roundoff_weight=None,
                         description="truncation ~h^2 (from f'''), no round-off growing as 1/h")


class ComplexStep:
    name = "complex-step"
    summary = "Im f(x + ih)/h with a tiny h: no cancellation (analytic f, n evaluations)"
    exact = True
    declaration = Declaration(
        kind=Kind.TRACER, exact=True, accumulation=Accumulation.FORWARD,
        options=(Option("step", DEFAULT_STEP, "the imaginary step h", positive_float),),
        step_option="step",
        error_model=lambda options: ERROR_MODEL,
        counts=Counts(f_calls=lambda n, settings: n, passes=lambda n, settings: n,
                      rule=lambda settings: "n calls of f, one per coordinate"))

    def gradient(self, problem, *, step: float = DEFAULT_STEP):
        h = _check_step(step)
        grad = np.empty(problem.n)
        ops = 0
        value = None
        for i in range(problem.n):
            trace = ComplexPass()
            re, im = _real_and_imag(problem(_inputs(problem, i, h, trace)), problem)
            value = re if value is None else value
            grad[i] = im / h
            ops += trace.ops
        # one imaginary part per operation: forward mode with one direction per pass
        return problem.result(value, grad, passes=problem.calls, ops=ops, step=h,
                              tangent_entries=ops)

    def jacobian(self, problem, *, step: float = DEFAULT_STEP):
        """J(x) one column per evaluation: the imaginary parts of all outputs over h."""
        from ..vectors import vector_output
        h = _check_step(step)
        J = value = None
        ops = 0
        for i in range(problem.n):
            trace = ComplexPass()
            outputs = vector_output(problem(_inputs(problem, i, h, trace)), Complex, problem)
            ops += trace.ops
            parts = [np.asarray(y.value if isinstance(y, Complex) else y, dtype=complex)
                     for y in outputs]
            if J is None:
                J = np.empty((len(parts), problem.n))
                value = np.array([p.real for p in parts])
            J[:, i] = np.nan if trace.refused else [p.imag / h for p in parts]
        return problem.result(value, J, passes=problem.calls, ops=ops, step=h)


def _check_step(step) -> float:
    try:
        h = float(step)
    except (TypeError, ValueError):
        raise OptionError(f"step must be a positive number, got {step!r}") from None
    if not (np.isfinite(h) and h > 0):
        raise OptionError(f"step must be positive and finite, got {step!r}")
    return h
