"""The compiled method explained: the tape written out once as a program, then run.

Reverse mode records a tape at every call; the compiled method records it once and writes the
same chain rule as ordinary Python -- the primal lines, then the adjoint lines -- named as the
reverse explanation names its nodes (``x4 = x1 ** 2`` ... ``x7_bar = 1.0``, ``x1_bar = ...``).
This is the other family of AD tools, source transformation, shown beside the tape.

>>> e = explain_compiled(lambda x1, x2, x3: 3 * (x1**2 + x2 * x3), (2, 3, 4))
>>> e.gradient.tolist()
[12.0, 12.0, 9.0]
"""

from __future__ import annotations

import numpy as np

from ..api import differentiate
from ..methods.compiled import CompiledMethod
from ..program import compile as compile_program
from .document import Explanation, Formula, Paragraph
from .notation import num, plural

MAX_LINES_SHOWN = 60


def explain_compiled(f, point, on_branch_change: str = "rerecord") -> Explanation:
    """The generated adjoint program of f, what its lines are, and its numbers at the point."""
    program = compile_program(f, point, on_branch_change=on_branch_change)
    lines = program.function_source.rstrip("\n").splitlines()
    shown = lines if len(lines) <= MAX_LINES_SHOWN else (
        lines[:MAX_LINES_SHOWN // 2] + [f"    # ... {len(lines) - MAX_LINES_SHOWN} lines left "
                                        "out ..."] + lines[-MAX_LINES_SHOWN // 2:])
    r = differentiate(f, point, method=CompiledMethod.name, on_branch_change=on_branch_change)
    blocks = [
        Paragraph("Reverse mode records the computation on a tape at every call. The compiled "
                  "method records it once and writes the same chain rule down as a Python "
                  "function: first the primal lines (one per elementary operation, as the "
                  "tape recorded them), then the adjoint lines, from `x_bar = 1.0` at the "
                  "output back to the inputs. Where a node feeds several others its adjoint "
                  "collects their contributions with `+=`. The function imports only numpy, "
                  "so it can be read, saved (`prog.save(path)`) and run without diffmethods."),
        Formula(shown),
        Paragraph(f"Run at the point it gives f = {num(r.value)} and the gradient "
                  f"({', '.join(num(g) for g in r.flat_gradient)}). A second call at another "
                  "point runs the same lines without tracing again; only where a comparison f "
                  "made (an `if`, `abs` or `max` at a kink) would go the other way, or the "
                  "shapes change, is f recorded again "
                  f"({plural(program.recordings, 'recording')} so far)."),
    ]
    return Explanation("The gradient as a program", blocks, CompiledMethod.name,
                       float(r.value), np.asarray(r.flat_gradient, dtype=float), program)
