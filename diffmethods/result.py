"""The result of one differentiation: the numbers and what they cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .display import MAX_ROWS, RichDisplay, left_out


@dataclass(frozen=True)
class Result(RichDisplay):
    """What a method computed and what it cost, counted while it ran.

    ``f_calls`` counts calls of ``f`` itself (with numbers or traced values); ``passes`` counts
    sweeps over the computation (a finite-difference evaluation, a dual-number pass, the tape's
    forward recording and its backward sweep, one run of compiled symbolic code); ``ops`` counts
    the elementary operations recorded or evaluated (``None`` where the method cannot see them,
    as for finite differences of a black-box ``f``). ``details`` holds method-specific facts
    such as the steps used or the chunk size.
    """

    method: str
    value: float
    derivative: NDArray[np.float64]
    f_calls: int
    passes: int
    ops: int | None
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)
    structure: Any = field(default=None, repr=False, compare=False)
    # what the components are called (``names.component_name(i)``: x2, W1[2, 1]), for display
    names: Any = field(default=None, repr=False, compare=False)

    @property
    def gradient(self) -> NDArray[np.float64]:
        """The gradient in the structure of the point: a flat array for numbers, a 1-D array
        or a number; otherwise the shapes and containers of the differentiated arguments."""
        if self.structure is None or self.derivative.shape != (self.structure.n,):
            return self.derivative
        return self.structure.gradient(self.derivative)

    @property
    def flat_gradient(self) -> NDArray[np.float64]:
        """The gradient as one flat float64 array, one entry per component (in the order of
        ``dm.component_names``)."""
        return self.derivative

    def __repr__(self) -> str:
        ops = "-" if self.ops is None else self.ops
        grad = np.array2string(self.derivative, precision=12, separator=", ")
        return (f"Result(method={self.method!r}, value={self.value!r}, gradient={grad}, "
                f"f_calls={self.f_calls}, passes={self.passes}, ops={ops}, "
                f"seconds={self.seconds:.3g})")

    def component_name(self, i: int) -> str:
        """The name of component ``i``, as in ``dm.component_names`` (``x[i]`` if unknown)."""
        return self.names.component_name(i) if self.names is not None else f"x[{i}]"

    def _display(self):
        """A notebook's view: the value and costs, then one row per component (with the
        method's per-component details, such as finite differences' steps)."""
        from .harness.tables import fmt_number, fmt_seconds
        from .teaching.document import Paragraph, Table, code
        from .teaching.notation import plural
        n = self.derivative.size
        per_component = {k: np.ravel(v) for k, v in self.details.items()
                         if isinstance(v, np.ndarray) and v.size == n and v.dtype.kind in "iuf"}
        settings = [f"{k} = {v}" for k, v in self.details.items()
                    if isinstance(v, (bool, int, float, str)) and not k.endswith("seconds")]
        costs = [plural(self.f_calls, "call") + " of f", plural(self.passes, "pass", "passes")]
        if self.ops is not None:
            costs.append(plural(self.ops, "operation"))
        costs.append(fmt_seconds(self.seconds))
        rows = [[self.component_name(i), fmt_number(float(self.derivative[i]))]
                + [fmt_number(float(v[i]), 3) for v in per_component.values()]
                for i in range(min(n, MAX_ROWS))]
        out = [Paragraph(", ".join(costs) + "."),
               Table(["component", "df/d(component)"] + list(per_component), rows)]
        if settings:
            out.append(Paragraph("Settings: " + ", ".join(code(s) for s in settings) + "."))
        out += left_out(n, "components", code(".gradient"))
        return f"{code(self.method)}: f = {code(fmt_number(self.value))}", out
