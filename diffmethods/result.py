"""The result of one differentiation: the numbers and what they cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Result:
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
