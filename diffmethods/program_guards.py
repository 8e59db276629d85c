"""The guards of a program: where f would decide differently, it raises BranchChanged.

Three kinds, written by :class:`Guards` (a part of the program writer,
:mod:`diffmethods.program_source`):

* a comparison or ``bool()`` f made on a traced value (``if x > 0``, ``max(a, b)``, the mask
  of ``np.where(x > 0, ...)``) -- the same comparison in the program, checked against its
  recorded answer; a mask is kept by name (``c1``), so the lines that used it read it;
* any other read of a traced value's numbers (a sort order, ``np.nan_to_num``'s test) -- the
  value itself must be the recorded one (so the program re-records at any other point);
* a row with a kink the gradient passes through (abs at 0, a tie of maximum) -- the elements
  exactly at the kink must be the recorded ones: on either side the row's own partial holds,
  at the kink the tape's convention, so a point that moves onto or off it records again.

>>> import diffmethods as dm
>>> print(dm.compile(lambda x: x ** 3 if x > 0 else -x, 2.0).source.split("if ")[1].split(":")[0])
not x1 > 0
"""

from __future__ import annotations

import numpy as np

from .codegen import Code, as_code, plain
from .methods.tape import Var

# rows whose partial changes at a point, and which operands sit there: abs at 0, a tie
KINKS = {"absolute": (0,), "fabs": (0,), "copysign": (0,), "heaviside": (0,),
         "maximum": (0, 1), "minimum": (0, 1), "fmax": (0, 1), "fmin": (0, 1)}


class Guards:
    """Guard lines, as (after node, nodes read, lines); needs the writer's ``ref``, ``arg``,
    ``constant``, ``node_of``, ``masks`` and ``decided`` (the tape's noted decisions)."""

    def decisions(self) -> list:
        """(after node, nodes read, lines) for every decision f took on a traced value."""
        out = []
        for symbol, var, other, answer in self.decided:
            refs = {self.node_of(v) for v in (var, other) if isinstance(v, Var)}
            a = self.ref(var)
            if symbol == "value":
                check = self._exact(a, answer, "f read this value to decide something")
            elif symbol == "bool":
                check = [f"if {'not ' if answer else ''}{a.text}:",
                         f"    raise BranchChanged({('bool(' + a.text + ') was ' + str(bool(answer)))!r})"]
            else:
                test = a._compare(symbol, self.ref(other) if isinstance(other, Var) else
                                  self.arg(other))
                check = self._decision(test, answer, "an `if` (or max/min) took this branch")
            out.append((max(refs), refs, check))
        return out

    def kinks(self, live_entries) -> list:
        """A guard for every kinked row the gradient passes through."""
        out = []
        for node, row, params, args, is_op in live_entries:
            if not is_op or row.name not in KINKS:
                continue
            at = [args[k] for k in KINKS[row.name]]
            if not any(isinstance(a, Var) for a in at):
                continue
            vals = [a.value if isinstance(a, Var) else a for a in at]
            sits = (vals[0] == 0) if len(at) == 1 else (vals[0] == vals[1])
            codes = [self.ref(a) for a in at]
            test = codes[0]._compare("==", 0 if len(at) == 1 else codes[1])
            refs = {self.node_of(a) for a in at if isinstance(a, Var)}
            check = self._decision(test, np.asarray(sits), f"{row.name} at its kink",
                                   keep=False)
            out.append((max(refs), refs, check))
        return out

    def _decision(self, test: Code, answer, why: str, keep: bool = True) -> list:
        if np.ndim(answer) == 0:
            answer = bool(answer)
            return [f"if {'not ' if answer else ''}{test.text}:",
                    f"    raise BranchChanged({(test.text + ' was ' + str(answer) + ': ' + why)!r})"]
        if not keep and not np.any(answer):
            return [f"if np.any({test.text}):",
                    f"    raise BranchChanged({(test.text + ': ' + why)!r})"]
        mask = f"c{len(self.masks) + 1}"
        if keep:
            self.masks[id(answer)] = mask
        recorded = self.constant(np.asarray(answer)) if not keep else self._mask_constant(answer)
        return [f"{mask} = {test.text}",
                f"if not np.array_equal({mask}, {recorded}):",
                f"    raise BranchChanged({(test.text + ': ' + why)!r})"]

    def _mask_constant(self, answer) -> str:
        saved, self.masks = self.masks, {}
        try:
            return self.constant(np.array(answer))
        finally:
            self.masks = saved

    def _exact(self, a: Code, value, why: str) -> list:
        if np.ndim(value) == 0:
            test = f"not np.isnan({a.text})" if np.isnan(value) else \
                f"{a.text} != {as_code(plain(value)).text}"
            return [f"if {test}:", f"    raise BranchChanged({(a.text + ': ' + why)!r})"]
        return [f"if not np.array_equal({a.text}, {self.constant(value)}, equal_nan=True):",
                f"    raise BranchChanged({(a.text + ': ' + why)!r})"]

