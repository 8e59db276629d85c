"""The compiled method: reverse mode recorded once, then run as generated code.

``dm.gradient(f, x, method="compiled")`` keeps the adjoint program of ``f``
(:mod:`diffmethods.program`) and reuses it on later calls: the same function, the same
signature (shapes of the point, the arguments not differentiated) and the same context -- the
numbers f reads besides its inputs (closures, globals), fingerprinted as the symbolic cache
does (:mod:`diffmethods.fingerprint`), so changed data is recorded again, never reused stale.
The first call pays the recording and the writing; the next ones run plain numpy lines.

>>> import diffmethods as dm
>>> f = lambda x1, x2, x3: 3 * (x1**2 + x2 * x3)
>>> dm.gradient(f, (2, 3, 4), method="compiled")
array([12., 12.,  9.])
"""

from __future__ import annotations

import time
from collections import OrderedDict

from ..codegen_arrays import NoCodeError
from ..declarations import Accumulation, Declaration, Kind, Option
from ..errors import UnsupportedOperationError
from ..fingerprint_watch import watch
from ..program import POLICIES, Program
from ..result import Result
from .reverse import ReverseMode

CACHE_SIZE = 64  # functions whose programs are kept (least recently used dropped first)
_CACHE: OrderedDict = OrderedDict()
# (id(f), policy) -> (f, Watch, Program): the last gradient program of each plain function,
# with a watch of the context it was fingerprinted in (see quick_gradient)
_QUICK: OrderedDict = OrderedDict()


def clear_cache() -> None:
    """Forget every kept program."""
    _CACHE.clear()
    _QUICK.clear()


def program_for(problem, on_branch_change: str = "rerecord",
                operator: str = "gradient") -> Program:
    """The kept program of ``problem.f`` for this context, or a new one."""
    from ..fingerprint import context_fingerprint
    context = context_fingerprint(problem.f, extra=(repr(problem.argnums), on_branch_change,
                                                    operator))
    # taken with the fingerprint, so it vouches for the context this key was computed in
    watched = watch(problem.f) if operator == "gradient" and problem.argnums is None \
        and context is not None else None
    key = (id(problem.f), context)
    entry = _CACHE.get(key) if context is not None else None
    if entry is not None and entry.f is problem.f:
        _CACHE.move_to_end(key)
        _remember(problem.f, on_branch_change, watched, entry)
        return entry
    if problem.kind not in ("args", "array", "scalar", "tree"):
        raise UnsupportedOperationError(f"the compiled method does not handle a point of kind "
                                        f"{problem.kind!r}; use method='reverse'")
    prog = Program(problem.f, problem.point(), argnums=problem.argnums,
                   on_branch_change=on_branch_change, operator=operator, problem=problem)
    if context is not None:
        _CACHE[key] = prog
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        _remember(problem.f, on_branch_change, watched, prog)
    return prog


def _remember(f, policy: str, watched, prog: Program) -> None:
    if watched is None:
        _QUICK.pop((id(f), policy), None)
        return
    _QUICK[(id(f), policy)] = (f, watched, prog)
    _QUICK.move_to_end((id(f), policy))
    while len(_QUICK) > CACHE_SIZE:
        _QUICK.popitem(last=False)


def quick_gradient(f, point, argnums, options: dict):
    """The gradient by the kept program, without building a Problem, when nothing can have
    changed: the same plain function, its context unchanged by its :class:`Watch` (the same
    closure and global objects, the same array bytes), a point of finite numbers or one
    finite 1-D float array of a recorded shape, no argnums. Otherwise None, and the caller
    takes the general path (fingerprint, Problem, guards re-recording, the undefined-point
    policy): this path only ever returns what that one would."""
    if argnums is not None or not (options.keys() <= {"on_branch_change"}):
        return None
    policy = options.get("on_branch_change", "rerecord")
    entry = _QUICK.get((id(f), policy))
    if entry is None or entry[0] is not f or not entry[1].unchanged():
        return None
    started = time.perf_counter()
    out = entry[2].quick(point)
    if out is None:
        return None
    value, flat, compiled, recordings = out
    return Result(method=CompiledMethod.name, value=value, derivative=flat, f_calls=0, passes=1,
                  ops=compiled.ops, seconds=time.perf_counter() - started,
                  details={"recordings": recordings, "lines": compiled.lines,
                           "recorded_here": False})


class CompiledMethod:
    name = "compiled"
    summary = "reverse mode recorded once, then run as generated numpy code (guards re-record)"
    exact = True
    declaration = Declaration(
        kind=Kind.TRACER, exact=True, accumulation=Accumulation.REVERSE,
        options=(Option("on_branch_change", "rerecord", "where a recorded comparison would go "
                        "the other way: record again, or raise", choices=lambda: list(POLICIES)),),
        setup="recording, writing and compiling the program, once per function and signature",
        answered_by=(("hessian", ReverseMode.name), ("hvp", ReverseMode.name)))

    def clear_cache(self) -> None:
        """Forget every kept program (the report starts each run from none)."""
        clear_cache()

    def quick_gradient(self, f, point, argnums, options: dict):
        """A repeated gradient of an unchanged f by its kept program, or None (see
        :func:`quick_gradient`); ``dm.differentiate`` asks this before building a Problem."""
        return quick_gradient(f, point, argnums, options)

    def gradient(self, problem, *, on_branch_change: str = "rerecord"):
        """The program's gradient. Where the compiled method has no code for a primitive f
        uses (np.roll, np.linalg.solve, ...), reverse mode answers instead, on the tape, and
        ``details["program"]`` says why (``dm.compile`` itself refuses such an f)."""
        return _run(problem, on_branch_change, "gradient")

    def vjp(self, problem, cotangent, *, on_branch_change: str = "rerecord"):
        """w^T J(x) by the vjp program (the adjoint lines seeded with w)."""
        return _run(problem, on_branch_change, "vjp", cotangent)

    def jacobian(self, problem, *, on_branch_change: str = "rerecord"):
        """J(x) by the vjp program, one run per output with its unit cotangent."""
        return _run(problem, on_branch_change, "jacobian")

    # Second derivatives have no program: forward-over-reverse would need the adjoint lines
    # written on dual numbers. Reverse mode answers them on its tape (correct, not compiled),
    # the declaration says so, and every result's details["program"] says why.
    def hessian(self, problem, *, chunk=None):
        return _by_the_tape("hessian", problem, chunk=chunk)

    def hvp(self, problem, direction):
        return _by_the_tape("hvp", problem, direction)


def _run(problem, on_branch_change, operator, *args):
    if on_branch_change not in POLICIES:
        from ..errors import OptionError
        raise OptionError(f"on_branch_change must be one of {', '.join(POLICIES)}, got "
                          f"{on_branch_change!r}")
    calls = problem.calls
    try:
        prog = program_for(problem, on_branch_change,
                           "vjp" if operator == "jacobian" else operator)
    except NoCodeError as e:
        problem.calls = calls  # the failed recording is not part of the tape's answer
        return _by_the_tape(operator, problem, *args, why=str(e))
    except UnsupportedOperationError as e:  # the recording itself failed: say who recorded
        raise UnsupportedOperationError(f"the compiled method records f with reverse mode, "
                                        f"and {e}") from None
    result = prog.jacobian(problem) if operator == "jacobian" else prog.run(problem, *args)
    result.details["recorded_here"] = problem.calls > calls  # False: the kept program ran
    return result


def _by_the_tape(operator: str, problem, *args, why: str = "", **kwargs):
    result = getattr(ReverseMode(), operator)(problem, *args, **kwargs)
    result.details["program"] = "none, reverse mode answered: " + (
        why or f"the compiled method writes no {operator} program (second derivatives would "
        "need the adjoint lines on dual numbers); declared as answered_by")
    return result
