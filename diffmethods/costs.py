"""What a gradient carried: the derivative work behind the passes, counted rather than timed.

Passes alone mislead. Forward mode's default carries a block of directions per pass, so the
seed's gradient takes it 1 pass against reverse mode's 2 -- yet each of its operations updates
a tangent per direction. The honest count is the work the passes carried:

* tracers that push tangents forward (forward mode, the complex step) count *tangent
  entries*: operations x directions carried (``details["tangent_entries"]``), n times one
  evaluation's operations for any chunk;
* reverse mode counts its *records* (``ops``, one per operation of f) and the backward sweep's
  *adjoint updates* (``details["adjoint_updates"]``, one per local partial), the same for any n;
* other methods count the operations they evaluated (``ops``), or nothing, for a black box.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> carried(dm.differentiate(f, (2, 3, 4), method="forward")).text
'12 tangent entries (4 ops × 3 directions)'
>>> carried(dm.differentiate(f, (2, 3, 4), method="reverse")).text
'4 records + 6 adjoint updates'
"""

from __future__ import annotations

from dataclasses import dataclass

TANGENT_ENTRIES = "tangent_entries"
ADJOINT_UPDATES = "adjoint_updates"


@dataclass(frozen=True)
class Work:
    """The counted derivative work of one Result: ``count`` (None where nothing is counted),
    ``unit`` (what is counted) and ``text`` (the count with its breakdown, for a table)."""

    count: int | None
    unit: str
    text: str


def _n(k: int) -> str:
    return f"{k:,}"


def carried(result) -> Work:
    """The work behind ``result``'s passes, read from what the method counted while it ran."""
    details, ops, passes = result.details, result.ops, result.passes
    if TANGENT_ENTRIES in details:
        entries = int(details[TANGENT_ENTRIES])
        text = f"{_n(entries)} tangent entr{'y' if entries == 1 else 'ies'}"
        per_pass = ops // passes if ops and passes and ops % passes == 0 else None
        if per_pass and entries % per_pass == 0:  # the same operations in every pass
            directions = entries // per_pass
            text += (f" ({_n(per_pass)} op{'s' if per_pass != 1 else ''} × {_n(directions)} "
                     f"direction{'s' if directions != 1 else ''})")
        return Work(entries, "tangent entries", text)
    if ADJOINT_UPDATES in details and ops is not None:
        updates = int(details[ADJOINT_UPDATES])
        return Work(ops + updates, "records + adjoint updates",
                    f"{_n(ops)} record{'s' if ops != 1 else ''} + {_n(updates)} adjoint "
                    f"update{'s' if updates != 1 else ''}")
    if ops is not None:
        return Work(int(ops), "operations", f"{_n(ops)} op{'s' if ops != 1 else ''} evaluated")
    return Work(None, "", "-")


def milliseconds(seconds: float) -> str:
    """A measured time for a table, e.g. '6.45 ms' (times are measured, never asserted).

    >>> milliseconds(0.00645), milliseconds(2.5e-5), milliseconds(2.56)
    ('6.45 ms', '25 µs', '2.56 s')
    """
    if seconds >= 1:
        return f"{seconds:.3g} s"
    ms = seconds * 1e3
    return f"{ms:.3g} ms" if ms >= 1 else f"{ms * 1e3:.3g} µs"
