"""Write the adjoint program of one recording: the primal lines, the guards, the adjoint lines.

:func:`write` reads a :class:`Recording` -- reverse mode's tape with its trace, the decisions f
took on traced values (``Tape.guards``) and each array primitive's parameters -- and returns
the source of one Python function, named after the teaching traces::

    x4 = x1 ** 2                  # the primal: one line per recorded operation
    ...
    x7_bar = 1.0                  # the adjoints, in reverse
    x6_bar = 3 * x7_bar
    x4_bar = x6_bar
    x3_bar = x2 * x5_bar

Each local partial is the operation table's own rule printed on names (:mod:`codegen`), array
primitives print theirs (:mod:`codegen_arrays`). Lines that do not lead to the output are left
out, a partial that is the number 1 passes the adjoint on, 0 drops it (the table's convention:
floor' = 0), and a second contribution to one adjoint is written ``+=`` (into an array only
when the adjoint owns its memory; ``x_bar = x_bar + c`` otherwise, so no alias is changed).

Guards: every comparison f made on a traced value becomes a line that raises
``BranchChanged`` where the comparison goes the other way, and so does every other read of a
plain value (a sort order): the program is only run where f takes the recorded branches. Ops
with a kink (abs, maximum, ...) get one too: their rule holds on either side, but at the kink
itself the tape's convention applies, so the program only runs where the same elements sit
exactly on the kink as at the recording.
"""

from __future__ import annotations

import numpy as np

from .array_ops import INDEX, shape_of
from .codegen import ADD, Code, as_code, binary, call, literal, number, plain, sum_to_shape
from .codegen_arrays import NoCodeError, Scatter, adjoint, primal
from .methods.tape import Tape, Var
from .ops import OPS, ieee
from .program_guards import Guards

SMALL = 16  # constant arrays up to this size are written as literals


class Recording(Tape):
    """Reverse mode's tape, tracing every operation with its parameters and noting guards."""

    __slots__ = ("calls",)

    def __init__(self):
        super().__init__(trace=True)
        self.guards = []
        self.calls = {}

    def note(self, node, prim, args, params, out):
        super().note(node, prim, args, params, out)
        self.calls[node] = (prim, params)


def name(node: int) -> str:
    return f"x{node + 1}"


class _Writer(Guards):
    """Writes one function from one recording (see :meth:`write`)."""

    def __init__(self, tape: Recording, inputs: list, decided: list):
        self.tape, self.decided = tape, decided
        self.n_inputs = len(inputs)
        self.values = {v.index: v.value for v in inputs}
        self.entries = []  # (node, row, params, args, is_op)
        for node, op_name, args, value, _ in tape.trace:
            self.values[node] = value
            if node in tape.calls:
                prim, params = tape.calls[node]
                self.entries.append((node, prim, params, args, False))
            else:
                self.entries.append((node, OPS[op_name], None, args, True))
        self.constants: dict = {}  # name -> array
        self._by_id: dict = {}
        self.masks: dict = {}  # id(array) -> guard name
        self.rename: dict = {}  # node -> the node it repeats (x[0] read twice)
        self.items: dict = {}  # node -> (input node, element) read from an input's list
        self._refs: dict = {}  # node -> its name as code
        self._common_reads()
        self._fold_identities()

    # --- names ---------------------------------------------------------------------------
    def node_of(self, v: Var) -> int:
        return self.rename.get(v.index, v.index)

    def ref(self, v) -> Code:
        if isinstance(v, Var):  # one Code per node, made once (names do not change)
            code = self._refs.get(v.index)
            if code is None:
                code = self._refs[v.index] = Code(name(self.node_of(v)))
            return code
        return Code(self.constant(v)) if _is_array(v) else as_code(plain(v))

    def arg(self, v):
        """An operand for a rule: code for a node or an array, a Python number otherwise."""
        if isinstance(v, Var):
            return self.ref(v)
        return Code(self.constant(v)) if _is_array(v) else plain(v)

    def constant(self, v) -> str:
        v = np.asarray(v)
        probe = v
        for _ in range(4):  # a mask f computed from traced values: its guard's name
            if probe is None:
                break
            if id(probe) in self.masks and probe.shape == v.shape:
                return self.masks[id(probe)]
            probe = getattr(probe, "base", None)
        if v.size and v.dtype != bool and np.all(v == v.flat[0]) and v.size > SMALL:
            return call("np.full", repr(v.shape), number(v.flat[0])).text
        known = self._by_id.get(id(v))
        if known is not None:
            return known
        key = f"C{len(self.constants) + 1}"
        self.constants[key] = np.array(v, copy=True)
        self._by_id[id(v)] = key
        self._keep = getattr(self, "_keep", []) + [v]  # ids stay unique while we write
        return key

    def _fold_identities(self):
        """Constants folded: ``0.0 + x``, ``x - 0``, ``x * 1``, ``x / 1`` are ``x`` itself
        (``total = 0.0`` before a loop of ``total = total + ...``)."""
        units = {"add": (0, 0), "subtract": (None, 0), "multiply": (1, 1), "divide": (None, 1)}
        for node, row, params, args, is_op in self.entries:
            if not is_op or row.name not in units:
                continue
            for k in (0, 1):  # args[k] is the unit, args[1 - k] the value kept
                unit, v, c = units[row.name][k], args[1 - k], args[k]
                if unit is not None and isinstance(v, Var) and type(c) in (int, float) and \
                        c == unit and shape_of(v.value) == shape_of(self.values[node]):
                    self.rename[node] = self.node_of(v)
                    break

    def _common_reads(self):
        """x[i] read again is the same node; an element of a 1-D input is read from
        ``x_items = x.tolist()`` (Python floats: scalar code runs fastest on them)."""
        seen = {}
        for node, prim, params, args, is_op in self.entries:
            if is_op or prim is not INDEX or not isinstance(args[0], Var):
                continue
            index = params["index"]
            if not (isinstance(index, (int, np.integer)) or (isinstance(index, tuple) and all(
                    isinstance(i, (int, np.integer)) for i in index))):
                continue
            key = (self.node_of(args[0]), index if isinstance(index, tuple) else int(index))
            if key in seen:
                self.rename[node] = seen[key]
                continue
            seen[key] = node
            src = key[0]
            if src < self.n_inputs and np.ndim(self.values[src]) == 1 and \
                    isinstance(key[1], int):
                self.items[node] = (src, key[1] % len(self.values[src]))

    # --- the sweep -----------------------------------------------------------------------
    def write(self, outputs: list, seeds: list, signature: str, returns: str, doc: str):
        """Source of the function; ``outputs`` are recorded values (nodes or constants),
        ``seeds`` the code of their adjoints."""
        self.lines_back, self.assigned, self.owned, self.gathered = [], set(), {}, {}
        self.tags = []  # per adjoint line: (the record it comes from, the adjoint it sets)
        guards = self.decisions()  # first: they name the masks the later lines read
        live = set()
        for out, seed in zip(outputs, seeds):
            if isinstance(out, Var):
                live.add(self.node_of(out))
                self._from = self.node_of(out)
                self.add(self.node_of(out), (seed, False))
        live_entries = []
        for entry in reversed(self.entries):
            node, row, params, args, is_op = entry
            if node in self.rename or node not in live:
                continue
            live_entries.append(entry)
            for a in args:
                if isinstance(a, Var):
                    live.add(self.node_of(a))
            self._from = node
            self.back(entry)
        self._from = None
        self.finish_gathers()
        guards += self.kinks(live_entries)
        needed = set(_names(" ".join(self.lines_back)))
        needed |= {self.node_of(o) for o in outputs if isinstance(o, Var)}
        for _, refs, _ in guards:
            needed |= refs
        for node, row, params, args, is_op in reversed(self.entries):
            if node in needed:
                needed |= {self.node_of(a) for a in args if isinstance(a, Var)}
        body = self.forward(needed, guards)
        self.origins = (list(zip(self.primal_tags, body)),
                        [(a, b, line) for (a, b), line in zip(self.tags, self.lines_back)])
        lines = [f"def {signature}:", f'    """{doc}"""']
        if self.items:
            for src in sorted({s for s, _ in self.items.values()}):
                lines.append(f"    {name(src)}_items = {name(src)}.tolist()")
        lines += ["    " + ln for ln in body]
        lines += ["    " + ln for ln in self.lines_back]
        for node in range(self.n_inputs):
            if node not in self.assigned:
                shape = shape_of(self.values[node])
                zero = "0.0" if not shape else f"np.zeros({shape!r})"
                lines.append(f"    {name(node)}_bar = {zero}")
        lines.append(f"    return {returns}")
        return "\n".join(lines) + "\n"

    def add(self, node: int, contribution) -> None:
        """adjoint[node] += contribution, as a line (or two), tagged with where it is from."""
        before = len(self.lines_back)
        self._add(node, contribution)
        self.tags += [(self._from, node)] * (len(self.lines_back) - before)

    def _add(self, node: int, contribution) -> None:
        bar = f"{name(node)}_bar"
        shape = shape_of(self.values[node])
        if isinstance(contribution, Scatter):
            if node not in self.assigned:
                self.lines_back.append(f"{bar} = np.zeros({shape!r})")
            elif not self.owned[node]:
                self.lines_back.append(f"{bar} = np.array({bar}, dtype=float)")
            self.assigned.add(node)
            self.owned[node] = True
            g = contribution.g.text
            self.lines_back.append(f"np.add.at({bar}, ({contribution.index}), {g})"
                                   if contribution.fancy else
                                   f"{bar}[{contribution.index}] += {g}")
            return
        code, fresh = contribution
        if node not in self.assigned:
            self.lines_back.append(f"{bar} = {code.text}")
            self.assigned.add(node)
            self.owned[node] = fresh
        elif not shape or self.owned[node]:
            self.lines_back.append(f"{bar} += {code.text}")
        else:
            self.lines_back.append(f"{bar} = {binary(Code(bar), '+', code, ADD).text}")
            self.owned[node] = True

    def back(self, entry) -> None:
        node, row, params, args, is_op = entry
        g = Code(f"{name(node)}_bar")
        if node not in self.assigned:
            return
        out_shape = shape_of(self.values[node])
        if is_op:
            vals = [self.arg(a) for a in args]
            for k, a in enumerate(args):
                if not isinstance(a, Var):
                    continue
                try:
                    d = row.partials[k](Code(name(node)), *vals)
                except (ArithmeticError, ValueError):  # constants only: IEEE, as the tape
                    d = ieee(row.partials[k], Code(name(node)), *vals)
                except TypeError:  # a rule calling a library that cannot take code values
                    raise NoCodeError(f"the compiled method cannot write the partial of "
                                      f"{row.name} (its rule calls a function that needs "
                                      "numbers)") from None
                if isinstance(d, Code):
                    c, fresh = d * g, True
                elif d == 0:
                    continue  # the table's derivative 0 (floor, sign, ...)
                elif d == 1:
                    c, fresh = g, False
                elif d == -1:
                    c, fresh = -g, True
                else:
                    c, fresh = number(d) * g, True
                shape = shape_of(a.value)
                if tuple(shape) != tuple(out_shape):
                    c, fresh = sum_to_shape(c, out_shape, shape), True
                self.add(self.node_of(a), (c, fresh))
            return
        shapes = [shape_of(a.value if isinstance(a, Var) else np.asarray(a)) for a in args]
        codes = [self.ref(a) for a in args]
        if row is INDEX and node in self.items:
            src, j = self.items[node]
            self.gathered.setdefault(src, {})[j] = g.text
            return
        for k, a in enumerate(args):
            if isinstance(a, Var):
                self.add(self.node_of(a), adjoint(row, params, g, k, codes, shapes, out_shape,
                                                  self.constant, Code(name(node))))

    def finish_gathers(self):
        """The adjoints of an input's elements read one by one, as one array."""
        for src, parts in sorted(self.gathered.items()):
            n = len(self.values[src])
            items = [parts.get(j, "0.0") for j in range(n)]
            text = f"np.array([{', '.join(items)}])"
            if len(text) > 88:
                text = "np.array([\n" + "".join(f"        {t},\n" for t in items) + "    ])"
            self.add(src, (Code(text), True))

    # --- the forward lines ------------------------------------------------------------
    def forward(self, needed: set, guards: list) -> list:
        by_node: dict = {}
        for after, _, check in guards:
            by_node.setdefault(after, []).extend(check)
        lines = []
        self.primal_tags = []  # per forward line: the record it computes (or is guarded after)
        for node in range(self.n_inputs):
            lines += by_node.pop(node, [])
        self.primal_tags += [None] * len(lines)
        for node, row, params, args, is_op in self.entries:
            start = len(lines)
            if node in needed and node not in self.rename:
                if node in self.items:
                    src, j = self.items[node]
                    lines.append(f"{name(node)} = {name(src)}_items[{j}]")
                else:
                    lines.append(f"{name(node)} = {self.expression(row, params, args, is_op).text}")
            lines += by_node.pop(node, [])
            self.primal_tags += [node] * (len(lines) - start)
        for rest in by_node.values():  # a guard on a repeated read: after everything
            lines += rest
            self.primal_tags += [None] * len(rest)
        return lines

    def expression(self, row, params, args, is_op) -> Code:
        codes = [self.ref(a) for a in args]
        if not is_op:
            shapes = [shape_of(a.value if isinstance(a, Var) else np.asarray(a)) for a in args]
            return primal(row, params, codes, shapes, self.constant)
        if row.name == "power":  # ** where Python's cannot turn complex, else np.power
            return self.arg(args[0]) ** self.arg(args[1])
        if row.symbol and row.arity == 2:
            return binary(codes[0], row.symbol, codes[1], {"+": 11, "-": 11}.get(row.symbol, 12))
        if row.symbol:
            return -codes[0]
        if getattr(np, row.ufunc.__name__, None) is not row.ufunc:  # scipy.special's erf, say
            raise NoCodeError(f"the compiled method writes numpy only, and {row.name} is not "
                              "numpy's")
        return call(f"np.{row.ufunc.__name__}", *codes)


def _names(text: str):
    import re
    return (int(m) - 1 for m in re.findall(r"\bx(\d+)\b", text))


def _is_array(v) -> bool:
    return isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) > 0


HEADER = '''"""{title}

Written from one recording of f on reverse mode's tape, it computes f and its gradient
without recording: the primal lines, then the adjoint lines.
Where f would take another branch than at the recording, it raises BranchChanged.
"""

import numpy as np


class BranchChanged(Exception):
    """f decides differently here than where it was recorded: record it again."""

'''


def constants_source(constants: dict) -> str:
    """The module's data section: every recorded constant array, exactly (repr round-trips)."""
    if not constants:
        return ""
    out = ["", "", "# --- the constants f used (recorded with it) " + "-" * 40]
    for key, v in constants.items():
        out.append(f"{key} = {literal(v)}")
    return "\n".join(out) + "\n"
