"""Code for the array primitives: each one's primal line and the adjoint contributions.

The elementwise rows of the operation table print themselves (:mod:`diffmethods.codegen`);
the array primitives of :mod:`diffmethods.array_ops` and :mod:`diffmethods.contractions` are
written here, one emitter each: the numpy call of the forward line, and for each traced
operand the expression its adjoint receives -- the transpose of the primitive applied to the
output's adjoint ``g`` (``np.sum``'s is a broadcast, an index's a scatter, ``a @ b``'s is
``g @ b.T`` and ``a.T @ g``). A primitive without an emitter is refused by name: the compiled
method never writes code it cannot vouch for.

>>> from diffmethods.codegen import Code
>>> from diffmethods.array_ops import SUM
>>> primal(SUM, {"axis": 0, "keepdims": False}, [Code("x1")], [(3, 2)], None).text
'x1.sum(axis=0)'
"""

from __future__ import annotations

import numpy as np

from .array_ops import (BROADCAST, CONCATENATE, CUMSUM, INDEX, RESHAPE, SUM, TRANSPOSE, WHERE,
                        _axes, _gather_transpose, _perm, is_fancy)
from .codegen import Code, call, index_text, sum_to_shape


class Scatter:
    """An adjoint contribution added at an index: ``x_bar[index] += g``."""

    __slots__ = ("index", "g", "fancy")

    def __init__(self, index: str, g: Code, fancy: bool):
        self.index, self.g, self.fancy = index, g, fancy


from .codegen import NoCodeError  # noqa: E402  (defined with the code values, raised here too)


def refuse(name: str) -> NoCodeError:
    return NoCodeError(
        f"the compiled method has no code for the array primitive {name} yet, so it will not "
        "write a program for this f (it never writes code it cannot check); use "
        "method='reverse', which differentiates it on the tape.")


SMALL_FILL = 1 << 14  # the adjoint of a whole-array sum up to this size is filled, not a view


def _kw(**kwargs) -> dict:
    return {k: repr(v) for k, v in kwargs.items()}


def primal(prim, params: dict, args: list, shapes: list, constant) -> Code:
    """The forward line's expression for a primitive applied to ``args`` (code)."""
    if prim is INDEX:
        return Code(f"{_atom(args[0])}[{index_text(params['index'], constant)}]")
    if prim is SUM:
        axis, keepdims = params["axis"], params["keepdims"]
        kw = {} if axis is None else _kw(axis=axis)
        if keepdims:
            kw["keepdims"] = "True"
        if shapes[0]:  # an array (a node of this shape is one at every run): its own method,
            # which skips np.sum's dispatch -- microseconds that count on small arrays
            return Code(f"{_atom(args[0])}.sum({', '.join(f'{k}={v}' for k, v in kw.items())})")
        return call("np.sum", args[0], **kw)
    if prim is RESHAPE:
        return call("np.reshape", args[0], repr(tuple(params["shape"])))
    if prim is TRANSPOSE:
        axes = params["axes"]
        return call("np.transpose", args[0]) if axes is None else \
            call("np.transpose", args[0], repr(tuple(axes)))
    if prim is BROADCAST:
        return call("np.broadcast_to", args[0], repr(tuple(params["shape"])))
    if prim is CONCATENATE:
        return Code(f"np.concatenate(({', '.join(a.text for a in args)},), "
                    f"axis={params['axis']!r})")
    if prim is WHERE:
        return call("np.where", Code(constant(params["condition"])), *args)
    if prim.name in ("matmul", "np.einsum"):
        return _contraction_primal(prim, params["spec"], args, shapes)
    if getattr(prim, "transpose", None) is _gather_transpose:
        return _gather_primal(prim, params, args[0], constant)
    if prim is CUMSUM:
        return call("np.cumsum", args[0], **({} if params["axis"] is None else
                                             _kw(axis=params["axis"])))
    if prim.name in ("np.max", "np.min"):
        axis, kw = params["axis"], {}
        if axis is not None:
            kw["axis"] = repr(tuple(axis))
        if params["keepdims"]:
            kw["keepdims"] = "True"
        return call(prim.name, args[0], **kw)
    raise refuse(prim.name)


def adjoint(prim, params: dict, g: Code, k: int, args: list, shapes: list, out_shape: tuple,
            constant, out: Code | None = None):
    """What operand ``k``'s adjoint receives from the output's adjoint ``g``: ``(code,
    fresh)`` -- ``fresh`` when the code makes a new array (so it may be added into in place)
    -- or a :class:`Scatter`."""
    shape = tuple(shapes[k])
    if prim is INDEX:
        index = params["index"]
        return Scatter(index_text(index, constant), g, is_fancy(index) and not _is_mask(index))
    if prim is SUM:
        axis, keepdims = params["axis"], params["keepdims"]
        if not shape:
            return g, False
        if axis is None and not keepdims and np.prod(shape) <= SMALL_FILL:
            return call("np.full", repr(shape), g), True  # (a small array fills faster than
            # np.broadcast_to sets up its view)
        if axis is not None and not keepdims:
            axes = _axes(axis, len(shape))
            g = call("np.expand_dims", g, repr(axes[0] if len(axes) == 1 else axes))
        return call("np.broadcast_to", g, repr(shape)), False
    if prim is RESHAPE:
        return call("np.reshape", g, repr(shape)), False
    if prim is TRANSPOSE:
        axes = params["axes"]
        if axes is None:
            return call("np.transpose", g), False
        inverse = tuple(int(i) for i in np.argsort(_perm(axes, len(shape))))
        return call("np.transpose", g, repr(inverse)), False
    if prim is BROADCAST:
        return sum_to_shape(g, tuple(params["shape"]), shape), True
    if prim is CONCATENATE:
        axis = params["axis"] % max(1, len(shapes[0]))
        start = sum(s[axis] for s in shapes[:k])
        lead = ":, " * axis
        return Code(f"{_atom(g)}[{lead}{start}:{start + shape[axis]}]"), False
    if prim is WHERE:
        cond = Code(constant(params["condition"]))
        picked = (g, 0.0) if k == 0 else (0.0, g)
        return call("np.where", cond, *picked), True
    if prim.name in ("matmul", "np.einsum"):
        return _contraction_adjoint(prim, params["spec"], g, k, args, shapes)
    if prim.name in ("np.max", "np.min"):  # the row's rule: 1/#ties where x is the extreme
        return _extreme_adjoint(params, g, args[0], out, shape), True
    if getattr(prim, "transpose", None) is _gather_transpose:  # adjoints added back where each was copied from
        index = params["index"]
        c = constant(index)
        return Code(f"np.bincount({c}.ravel(), weights={_atom(call('np.broadcast_to', g, c + '.shape'))}"
                    f".ravel(), minlength={index.size and int(np.prod(shape)) + 1})[1:]"
                    f".reshape({shape!r})"), True
    if prim is CUMSUM:  # a cumulative sum from the end
        axis = params["axis"]
        if axis is None:
            return Code(f"np.flip(np.cumsum(np.flip(np.ravel({g.text})))).reshape({shape!r})"), True
        return Code(f"np.flip(np.cumsum(np.flip({g.text}, {axis!r}), axis={axis!r}), "
                    f"{axis!r})"), True
    raise refuse(prim.name)


def _gather_primal(prim, params, x, constant) -> Code:
    """A gather written as the numpy call it is (np.roll(x5, 1)), when its arguments are
    plain numbers, tuples or arrays; its index map is the adjoint's business."""
    if not prim.name.startswith("np."):
        raise refuse(prim.name)

    def text(v):
        if isinstance(v, np.ndarray) or (isinstance(v, list) and np.ndim(v) > 0):
            return constant(np.asarray(v))
        if v is None or isinstance(v, (bool, int, float, str)):
            return repr(v)
        if isinstance(v, tuple) and all(isinstance(e, (int, float, tuple, type(None)))
                                        for e in v):
            return repr(v)
        if isinstance(v, (np.integer, np.floating)):
            return repr(v.item())
        raise refuse(f"{prim.name} with the argument {v!r}")
    parts = [text(a) for a in params["args"]] + [f"{k}={text(v)}"
                                                 for k, v in params["kwargs"].items()]
    out = call(prim.name, x, *parts)
    return out if params["pick"] is None else Code(f"{out.text}[{params['pick']!r}]")


def _extreme_adjoint(params, g, x, out, shape) -> Code:
    axes = tuple(range(len(shape))) if params["axis"] is None else tuple(params["axis"])
    if params["keepdims"] or params["axis"] is None:
        kept, gk = out, g
    else:
        kept, gk = (call("np.expand_dims", v, repr(axes)) for v in (out, g))
    hit = x._compare("==", kept)
    share = Code(f"({hit.text}) / {call('np.sum', hit, axis=repr(axes), keepdims='True').text}",
                 12)
    return share * gk


def _is_mask(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype == bool for p in parts)


def _atom(c: Code) -> str:
    return c.text if c.prec >= 100 else f"({c.text})"


# --- contractions ----------------------------------------------------------------------------
def _letters(spec) -> tuple:
    labels = sorted({lab for labels in spec.inputs for lab in labels} | set(spec.output))
    if len(labels) > 52:
        raise refuse("np.einsum with more than 52 subscripts")
    names = dict(zip(labels, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return tuple("".join(names[lab] for lab in labels) for labels in spec.inputs), \
        "".join(names[lab] for lab in spec.output)


def _contraction_primal(prim, spec, args, shapes) -> Code:
    if prim.name == "matmul" and len(args) == 2 and all(1 <= len(s) <= 2 for s in shapes):
        return Code(f"{_operand(args[0])} @ {_operand(args[1])}", 12)
    ins, out = _letters(spec)
    return call("np.einsum", repr(",".join(ins) + "->" + out), *args)


def _operand(c: Code) -> str:
    return c.text if c.prec > 12 else f"({c.text})"


def _contraction_adjoint(prim, spec, g, k, args, shapes) -> tuple:
    """The adjoint of operand k of a contraction: another contraction, of ``g`` with the other
    operands, read off in operand k's subscripts, broadcast along the axes only operand k
    has. The cases it does not cover (a subscript repeated within operand k -- a diagonal --,
    a broadcast axis of length 1) are refused. Returns (code, fresh)."""
    ins, out = _letters(spec)
    mine = ins[k]
    others = "".join(s for j, s in enumerate(ins) if j != k) + out
    sizes: dict = {}
    for labels, shape in zip(ins, shapes):
        for lab, n in zip(labels, shape):
            if sizes.setdefault(lab, n) != n:
                raise refuse("np.einsum over broadcast axes")
    if len(set(mine)) != len(mine):
        raise refuse(f"np.einsum {','.join(ins)}->{out} (a diagonal)")
    if prim.name == "matmul" and len(args) == 2 and all(1 <= len(s) <= 2 for s in shapes):
        a, b = (_operand(x) for x in args)
        ga = _operand(g)
        two = tuple(len(s) == 2 for s in shapes)
        if two == (True, True):
            c = Code(f"{ga} @ {b}.T", 12) if k == 0 else Code(f"{a}.T @ {ga}", 12)
        elif two == (True, False):
            c = call("np.outer", g, args[1]) if k == 0 else Code(f"{ga} @ {a}", 12)
        elif two == (False, True):
            c = Code(f"{b} @ {ga}", 12) if k == 0 else call("np.outer", args[0], g)
        else:
            c = Code(f"{ga} * {b}", 12) if k == 0 else Code(f"{ga} * {a}", 12)
        return c, True
    rest = [x for j, x in enumerate(args) if j != k]
    read = "".join(lab for lab in mine if lab in others)  # an axis only operand k has: the
    subs = ",".join([out] + [s for j, s in enumerate(ins) if j != k]) + "->" + read  # sum
    c = call("np.einsum", repr(subs), g, *rest)  # over it read each element once: broadcast
    if read == mine:
        return c, True
    kept = tuple(sizes[lab] if lab in others else 1 for lab in mine)
    shape = tuple(sizes[lab] for lab in mine)
    return call("np.broadcast_to", Code(f"{_atom(c)}.reshape({kept!r})"), repr(shape)), False

