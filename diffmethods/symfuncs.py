"""Three sympy functions that know their argument is real.

sympy's ``Abs``, ``sign`` and cube root assume a possibly complex argument: ``diff(Abs(u), x)``
for u = acos(x) comes out as a page of ``re``/``im``/``atan2`` terms, or an unevaluated
``Derivative``. Every value diffmethods traces is real, so the operation table builds these
instead; they print as ``Abs``/``sign``/``cbrt`` and differentiate with the table's conventions:
d|u| = sign(u) du (0 at 0), d sign(u) = 0, d cbrt(u) = du / (3 cbrt(u)^2).

:data:`LAMBDIFY_NAMESPACES` tells ``sympy.lambdify`` how to evaluate them per module.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy


class RealAbs(sympy.Function):
    """|x| for real x."""

    nargs = 1

    def fdiff(self, argindex=1):
        return RealSign(self.args[0])

    def _eval_evalf(self, prec):
        return sympy.Abs(self.args[0])._eval_evalf(prec)

    def _sympystr(self, printer):
        return f"Abs({printer._print(self.args[0])})"


class RealSign(sympy.Function):
    """sign(x) for real x: -1, 0 or 1; its derivative is taken as 0 (also at the jump)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _eval_evalf(self, prec):
        return sympy.sign(self.args[0])._eval_evalf(prec)

    def _sympystr(self, printer):
        return f"sign({printer._print(self.args[0])})"


class RealCbrt(sympy.Function):
    """The real cube root (sympy's cbrt is the principal, complex, root for x < 0)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return 1 / (3 * RealCbrt(self.args[0]) ** 2)

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        return (sympy.sign(x) * sympy.Abs(x) ** sympy.Rational(1, 3)).evalf(prec)

    def _sympystr(self, printer):
        return f"cbrt({printer._print(self.args[0])})"


def _math_sign(x):
    return float((x > 0) - (x < 0))


def _mp_cbrt(x):
    return mpmath.sign(x) * mpmath.cbrt(abs(x))


LAMBDIFY_NAMESPACES = {
    # re and im: sympy writes re(t) for a temporary it cannot prove real (Abs(exp(t)) is
    # exp(re(t))); every value here is real, so re is the value itself and im is 0
    "math": {"RealAbs": abs, "RealSign": _math_sign,
             "RealCbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x) if x else 0.0,
             "re": lambda x: x, "im": lambda x: 0.0},
    "numpy": {"RealAbs": np.abs, "RealSign": np.sign, "RealCbrt": np.cbrt, "re": np.real,
              "im": np.imag},
    "mpmath": {"RealAbs": abs, "RealSign": mpmath.sign, "RealCbrt": _mp_cbrt, "re": mpmath.re,
               "im": mpmath.im},
}
