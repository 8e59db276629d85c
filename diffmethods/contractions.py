"""Contractions: ``np.einsum`` as the one multilinear primitive, and numpy's products built on it.

Every product numpy offers -- ``a @ b``, ``np.dot``, ``np.tensordot``, ``np.inner``,
``np.outer``, ``np.kron``, ``np.cross``, ``np.trace``, ``np.diagonal``, ``np.vdot`` -- is a sum
of products of elements, one factor from each operand::

    out[o] = sum over the summed labels s of  x1[l1] * x2[l2] * ... * xn[ln]

which ``np.einsum`` spells with one letter per axis (``'ij,jk->ik'`` is the matrix product).
So this module has one row in the table of array primitives (:mod:`diffmethods.primitives`),
:data:`EINSUM`, and every function above only works out its subscripts. The row's rules follow
from the product rule, once for all contractions:

* **Tangent.** The output is linear in each operand separately, so its derivative along a
  direction is the sum, over the traced operands, of the same contraction with that operand
  replaced by its tangent::

      d out = einsum(dx1, x2, ...) + einsum(x1, dx2, ...) + ...

  A block of k tangents carries the directions on a last axis, so the tangent operand gets one
  fresh label ``z`` and the output gets it too: ``'ij,jk->ik'`` becomes ``'ijz,jk->ikz'``.
* **Adjoint.** For operand i, ``<g, d out> = sum g[o] * (... dxi[li] ...)`` is again one
  contraction, of the output's adjoint g with the other operands, read off in operand i's
  labels: ``x1_bar = einsum(g, x2, ..., '->l1')``. ``'ij,jk->ik'`` gives ``g @ x2.T``.
  Two cases need care. A label repeated within operand i (``'ii->i'``, a diagonal) reads only
  the elements on that diagonal, so the adjoint goes on the diagonal and is zero elsewhere. An
  axis of size 1 that was broadcast against a longer one was read once for every element of
  that axis, so its adjoint is summed over it.

The numbers are computed by :func:`evaluate`, which contracts two operands at a time with
``np.matmul`` (BLAS), and also works on object arrays of sympy expressions (``np.einsum``
refuses object dtype), so the symbolic method reads the same row.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from .array_functions import _traced_type, handles
from .array_ops import shape_of
from .errors import UnsupportedOperationError
from .primitives import apply, primitive


# --- subscripts -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """A contraction: the labels of each operand's axes and of the output's axes.

    Labels are integers: ``ord(letter)`` for the letters of an einsum string, negative numbers
    for the axes an ellipsis stands for (-1 the last), small numbers for the specs the other
    functions build. A label repeated within one operand takes a diagonal; a label that is not
    in the output is summed over."""

    inputs: tuple
    output: tuple
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self):  # a spec is a key of the plan caches: hash it once
        object.__setattr__(self, "_hash", hash((self.inputs, self.output)))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        """The einsum string, when the labels fit in letters (for messages and traces)."""
        labels = sorted({lab for labels in self.inputs for lab in labels})
        letters = dict(zip(labels, string.ascii_letters))
        if len(labels) > len(string.ascii_letters):
            return repr(self)
        return ",".join("".join(letters[lab] for lab in labels) for labels in self.inputs) + \
            "->" + "".join(letters[lab] for lab in self.output)

    def fresh_label(self) -> int:
        """A label no operand uses (for the directions of a tangent block)."""
        return max([0] + [lab for labels in self.inputs for lab in labels]) + 1


def _refuse(name: str, why: str, hint: str = "") -> UnsupportedOperationError:
    return UnsupportedOperationError(f"{name}: {why}" + (f"; {hint}" if hint else ""))


def label_sizes(spec: Spec, shapes, name: str = "np.einsum") -> dict:
    """The size of every label, checked as numpy checks it: a repeated label within one
    operand has one size, and across operands sizes agree or are 1 (broadcast)."""
    sizes: dict = {}
    for k, (labels, shape) in enumerate(zip(spec.inputs, shapes)):
        if len(labels) != len(shape):
            raise _refuse(name, f"operand {k} has shape {tuple(shape)} but {len(labels)} "
                          "subscript(s)")
        own: dict = {}
        for lab, n in zip(labels, shape):
            if own.setdefault(lab, n) != n:
                raise _refuse(name, f"operand {k} repeats a subscript over axes of different "
                              f"lengths ({own[lab]} != {n}) in shape {tuple(shape)}")
        for lab, n in own.items():
            m = sizes.setdefault(lab, n)
            if m == 1:
                sizes[lab] = n
            elif n != m and n != 1:
                raise _refuse(name, f"operands could not be broadcast together: a subscript "
                              f"has length {m} in one operand and {n} in operand {k}")
    return sizes


_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # numpy's 0..51


def _from_sublists(args):
    """``einsum(op0, [0, 1], op1, [1, 2], [0, 2])`` -> ('AB,BC->AC', operands)."""
    def text(sub):
        if isinstance(sub, str) or not hasattr(sub, "__iter__"):
            raise _refuse("np.einsum", f"expected a sublist of integers after each operand, "
                          f"got {sub!r}")
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= int(s) < 52:
                out += _SUBLIST_LETTERS[int(s)]
            else:
                raise _refuse("np.einsum", f"a sublist holds {s!r}; subscripts are integers "
                              "0..51 or Ellipsis")
        return out
    operands, subs = list(args[0::2]), [text(s) for s in args[1::2]]
    if len(args) % 2:  # an output sublist at the end
        out = "->" + text(args[-1])
        operands = operands[:-1]
    else:
        out = ""
    return ",".join(subs) + out, operands


@lru_cache(maxsize=512)
def parse_einsum(subscripts: str, shapes: tuple) -> Spec:
    """numpy's einsum subscripts, with its rules: spaces ignored, at most one ``...`` per
    operand standing for the axes not named (broadcast against each other from the right),
    implicit output = the ellipsis axes, then the letters that appear once, in alphabetical
    order (capitals first)."""
    name = "np.einsum"
    if not isinstance(subscripts, str):
        raise _refuse(name, f"the subscripts must be a string, got {type(subscripts).__name__}")
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise _refuse(name, "the subscripts contain '->' more than once")
    inputs_text, arrow, output_text = text.partition("->")
    if "-" in inputs_text + output_text or ">" in inputs_text + output_text:
        raise _refuse(name, "a '-' or '>' in the subscripts that is not part of '->'")
    parts = inputs_text.split(",")
    if len(parts) != len(shapes):
        raise _refuse(name, f"the subscripts name {len(parts)} operand(s) but "
                      f"{len(shapes)} were given")
    inputs, ellipsis_ndim = [], 0
    for k, (part, shape) in enumerate(zip(parts, shapes)):
        left, has_ellipsis, right = _split_ellipsis(part, f"operand {k}")
        named = len(left) + len(right)
        if has_ellipsis:
            n_ell = len(shape) - named
            if n_ell < 0:
                raise _refuse(name, f"operand {k} has {len(shape)} axes but {named} "
                              "subscripts")
        elif named != len(shape):
            raise _refuse(name, f"operand {k} has {len(shape)} axes but {named} subscripts "
                          "and no '...' for the others")
        else:
            n_ell = 0
        ellipsis_ndim = max(ellipsis_ndim, n_ell)
        inputs.append(tuple(ord(c) for c in left) + tuple(range(-n_ell, 0))
                      + tuple(ord(c) for c in right))
    broadcast = tuple(range(-ellipsis_ndim, 0))
    if arrow:
        left, has_ellipsis, right = _split_ellipsis(output_text, "the output")
        if not has_ellipsis and ellipsis_ndim:
            raise _refuse(name, "the operands have axes for '...' but the output subscripts "
                          "have no '...'", "add '...' to the output")
        used = {lab for labels in inputs for lab in labels}
        for c in left + right:
            if (left + right).count(c) > 1:
                raise _refuse(name, f"the output repeats the subscript {c!r}")
            if ord(c) not in used:
                raise _refuse(name, f"the output subscript {c!r} names no operand's axis")
        output = tuple(ord(c) for c in left) + (broadcast if has_ellipsis else ()) \
            + tuple(ord(c) for c in right)
    else:
        counts: dict = {}
        for labels in inputs:
            for lab in labels:
                if lab > 0:
                    counts[lab] = counts.get(lab, 0) + 1
        output = broadcast + tuple(sorted(lab for lab, c in counts.items() if c == 1))
    spec = Spec(tuple(inputs), output)
    label_sizes(spec, shapes, name)
    return spec


def _split_ellipsis(part: str, where: str):
    if part.count("...") > 1:
        raise _refuse("np.einsum", f"{where} has more than one '...'")
    left, has_ellipsis, right = part.partition("...")
    for c in left + right:
        if c not in string.ascii_letters:
            what = "a '.' that is not part of '...'" if c == "." else f"the character {c!r}"
            raise _refuse("np.einsum", f"the subscripts of {where} contain {what}; subscripts "
                          "are letters a-z, A-Z")
    return left, bool(has_ellipsis), right


# --- evaluating a contraction ---------------------------------------------------------------
def evaluate(spec: Spec, xs):
    """``spec`` on plain arrays: float, complex, or object arrays of sympy expressions.

    Operands are contracted two at a time (the pair whose result is smallest first); each pair
    is one ``np.matmul`` of the two operands laid out as (shared kept labels..., free labels of
    the first, summed labels) and (shared kept..., summed, free labels of the second). What to
    do depends only on the spec and the shapes, so it is planned once (:func:`_plan`) and the
    plan is replayed on the numbers."""
    xs = [x if type(x) is np.ndarray else np.asarray(x) for x in xs]
    prepare, pairs, final_sum, final_perm = _plan(spec, tuple([x.shape for x in xs]))
    arrays = []
    for x, (squeeze, diagonals, summed) in zip(xs, prepare):
        if squeeze is not None:
            x = x.reshape(squeeze)
        for p, q in diagonals:
            x = x.diagonal(axis1=p, axis2=q)
        if summed:
            x = _sum(x, summed)
        arrays.append(x)
    for i, j, swap, perm_x, shape_x, perm_y, shape_y, summed, shape in pairs:
        x, y = (arrays[j], arrays[i]) if swap else (arrays[i], arrays[j])
        arrays = [a for k, a in enumerate(arrays) if k != i and k != j]
        x = (x.transpose(perm_x) if perm_x else x).reshape(shape_x)
        y = (y.transpose(perm_y) if perm_y else y).reshape(shape_y)
        # one matmul sums the shared labels; with none to sum it is an outer product
        r = np.matmul(x, y) if summed else x * y
        arrays.append(r.reshape(shape))
    x = arrays[0]
    if final_sum:
        x = _sum(x, final_sum)
    return x.transpose(final_perm) if final_perm else x


def _sum(x, axes):
    # an object array summed to a single element gives that element (a sympy expression)
    r = x.sum(axis=axes)
    return r if type(r) is np.ndarray or x.dtype != object else np.asarray(r, dtype=object)


@lru_cache(maxsize=1024)
def _plan(spec: Spec, shapes: tuple):
    """What :func:`evaluate` does for these shapes: for each operand (the reshape dropping its
    broadcast axes of length 1, its diagonals, the axes only it has and nobody needs, to sum),
    then each pairwise contraction, then the last sum and transpose into the output's order."""
    sizes = label_sizes(spec, shapes)
    out = spec.output
    operands, prepare = [], []
    for labels, shape in zip(spec.inputs, shapes):
        labels = list(labels)
        # An axis of length 1 broadcast against a longer one: the element is the same for
        # every index along that label, so the operand does not depend on it. Drop the axis.
        drop = [p for p, lab in enumerate(labels) if shape[p] == 1 and sizes[lab] != 1]
        squeeze = None
        if drop:
            squeeze = tuple(n for p, n in enumerate(shape) if p not in drop)
            labels = [lab for p, lab in enumerate(labels) if p not in drop]
        # A label repeated within one operand reads its diagonal (numpy puts it last).
        diagonals = []
        for lab in dict.fromkeys(labels):
            while labels.count(lab) > 1:
                p = labels.index(lab)
                q = labels.index(lab, p + 1)
                diagonals.append((p, q))
                labels = [m for k, m in enumerate(labels) if k not in (p, q)] + [lab]
        operands.append(labels)
        prepare.append([squeeze, tuple(diagonals), ()])
    # A label that only one operand has and the output does not: sum it there, first.
    for k, labels in enumerate(operands):
        elsewhere = set(out).union(*(ls for m, ls in enumerate(operands) if m != k))
        summed = tuple(p for p, lab in enumerate(labels) if lab not in elsewhere)
        if summed:
            prepare[k][2] = summed
            operands[k] = [lab for lab in labels if lab in elsewhere]
    pairs = []
    while len(operands) > 1:
        i, j = _cheapest_pair(operands, out, sizes)
        others = [ls for k, ls in enumerate(operands) if k not in (i, j)]
        step, labels = _pair_step(operands[i], operands[j], set(out).union(*others), sizes,
                                  out if not others else None)
        pairs.append((i, j) + step)
        operands = others + [labels]
    (labels,) = operands
    final_sum = tuple(p for p, lab in enumerate(labels) if lab not in out)
    labels = [lab for lab in labels if lab in out]
    perm = tuple(labels.index(lab) for lab in out)
    return (tuple(tuple(p) for p in prepare), tuple(pairs), final_sum,
            None if perm == tuple(range(len(perm))) else perm)


def _cheapest_pair(operands, out, sizes):
    if len(operands) == 2:
        return 0, 1
    best = None
    for i in range(len(operands)):
        for j in range(i + 1, len(operands)):
            others = [lab for k, ls in enumerate(operands) if k not in (i, j) for lab in ls]
            result = set(operands[i]).union(operands[j]) & set(out).union(others)
            cost = math.prod(sizes[lab] for lab in result)
            if best is None or cost < best[0]:
                best = (cost, i, j)
    return best[1], best[2]


def _pair_step(la, lb, keep, sizes, out):
    """The plan of one pairwise contraction. Labels both have: kept ones are a batch (stacks
    of matrices), the others are summed by the matmul; each one's other labels are its free
    rows or columns. ``out``, for the last pair, lays the result out in the output's order
    when it can (the first operand's free labels first), so no transpose copies it."""
    swap = False
    if out is not None:
        order = {lab: k for k, lab in enumerate(out)}
        free_a = [lab for lab in la if lab not in lb]
        free_b = [lab for lab in lb if lab not in la]
        if free_a and free_b and order[free_b[0]] < order[free_a[0]]:
            swap, la, lb = True, lb, la
    batch = [lab for lab in la if lab in lb and lab in keep]
    summed = [lab for lab in la if lab in lb and lab not in keep]
    free_a = [lab for lab in la if lab not in lb]
    free_b = [lab for lab in lb if lab not in la]
    if out is not None:
        for group in (batch, free_a, free_b):
            group.sort(key=order.__getitem__)
    nb = tuple(sizes[lab] for lab in batch)
    m = math.prod(sizes[lab] for lab in free_a)
    n = math.prod(sizes[lab] for lab in free_b)
    k = math.prod(sizes[lab] for lab in summed)
    perm_a = _perm(la, batch + free_a + summed)
    perm_b = _perm(lb, batch + summed + free_b)
    shape = nb + tuple(sizes[lab] for lab in free_a + free_b)
    return ((swap, perm_a, nb + (m, k), perm_b, nb + (k, n), bool(summed), shape),
            batch + free_a + free_b)


def _perm(labels, order):
    perm = tuple(labels.index(lab) for lab in order)
    return None if perm == tuple(range(len(perm))) else perm


# --- the row: value, tangent, adjoint, symbolic ---------------------------------------------
def contract(spec: Spec, *xs):
    """``spec`` applied to ``xs``: traced by whichever tracer the operands carry, plain numpy
    otherwise. The rules below call it too, so they run on dual numbers (a Hessian's sweep).

    A traced scalar (0-d) operand has no labels: it multiplies every term of the sum, so it is
    factored out as one elementwise product (a table operation) and the rest is contracted."""
    scalars = [k for k, labels in enumerate(spec.inputs) if not labels
               and not (type(xs[k]) is np.ndarray or type(xs[k]) is float)
               and _traced_type(xs[k]) is not None]
    if not scalars:
        return apply(EINSUM, xs, {"spec": spec})
    rest = [k for k in range(len(xs)) if k not in scalars]
    factor = xs[scalars[0]]
    for k in scalars[1:]:
        factor = factor * xs[k]
    if not rest:
        return factor
    inner = Spec(tuple(spec.inputs[k] for k in rest), spec.output)
    return contract(inner, *(xs[k] for k in rest)) * factor


def _plain(xs) -> bool:
    return all(type(x) is np.ndarray or type(x) is float for x in xs) \
        or _traced_type(*xs) is None


def _value(*xs, spec):
    if not _plain(xs):  # dual numbers held by a tape (a Hessian's sweep): trace them
        return contract(spec, *xs)
    return evaluate(spec, xs)


def _jvp(ts, xs, out, spec):
    # Product rule: d einsum(x1, ..., xn) = sum_i einsum(x1, ..., dxi, ..., xn). The tangent
    # block dxi has one more axis (the k directions), which gets a fresh label z, kept in the
    # output: 'ij,jk->ik' with a tangent of the first operand is 'ijz,jk->ikz'.
    z = spec.fresh_label()
    total = None
    for i, t in enumerate(ts):
        if t is None:  # a constant operand contributes nothing
            continue
        inputs = spec.inputs[:i] + (spec.inputs[i] + (z,),) + spec.inputs[i + 1:]
        term = contract(Spec(inputs, spec.output + (z,)), *xs[:i], t, *xs[i + 1:])
        total = term if total is None else total + term
    return total


def _vjp(g, xs, out, wrt, spec):
    # <g, d out> = sum_o g[o] * sum_s (... dx_wrt[l_wrt] ...): the same sum of products with
    # the output's adjoint g as one more factor and dx_wrt's labels as the free ones. So the
    # adjoint of operand `wrt` is the contraction of g (labels: the output's) with the other
    # operands, into the labels of operand `wrt`.
    sub, layout, shape, mask = _adjoint_plan(spec, tuple([shape_of(x) for x in xs]), wrt)
    operands = (g,) + tuple(xs[:wrt]) + tuple(xs[wrt + 1:])
    r = evaluate(sub, operands) if _plain(operands) else contract(sub, *operands)
    r = r.reshape(layout) if type(r) is np.ndarray else np.reshape(r, layout)
    if layout != shape:
        r = np.broadcast_to(r, shape)
    if mask is not None:
        r = r * mask  # zero off the diagonal
    return _owned(r, g, xs)


@lru_cache(maxsize=1024)
def _adjoint_plan(spec: Spec, shapes: tuple, wrt: int):
    """(the contraction giving operand ``wrt``'s adjoint, the layout to reshape it to, the
    operand's shape, the diagonal mask or None)."""
    labels, shape = spec.inputs[wrt], shapes[wrt]
    sizes = label_sizes(spec, shapes)
    others = [k for k in range(len(shapes)) if k != wrt]
    reached: dict = {lab: sizes[lab] for lab in spec.output}  # lengths where g and the
    for k in others:                                          # other operands have them
        for lab, n in zip(spec.inputs[k], shapes[k]):
            reached[lab] = max(reached.get(lab, 1), n)
    # The labels that contraction computes: each once (a repeated label is a diagonal, placed
    # below), and only those the others reach at this operand's own length.
    target = tuple(lab for p, lab in enumerate(labels) if labels.index(lab) == p
                   and reached.get(lab) == shape[p])
    sub = Spec((spec.output,) + tuple(spec.inputs[k] for k in others), target)
    # Back to the operand's layout: an axis of length 1 wherever the result has none --
    #  * an axis of length 1 broadcast against a longer one: its adjoint was summed over all
    #    the elements it was read for (the contraction summed over that label);
    #  * a label no one else has (summed within this operand, 'ij->i'): every element was
    #    read with the same weight, so the adjoint is constant along it (broadcast);
    #  * a repeated label's later axes: only the diagonal was read (broadcast, then masked).
    layout = tuple(shape[p] if (lab in target and labels.index(lab) == p) else 1
                   for p, lab in enumerate(labels))
    return sub, layout, tuple(shape), _diagonal_mask(labels, shape)


def _diagonal_mask(labels, shape):
    """1 where every repeated label's axes have equal indices, 0 elsewhere (None if no label
    repeats)."""
    mask = None
    for lab in dict.fromkeys(labels):
        axes = [p for p, m in enumerate(labels) if m == lab]
        for q in axes[1:]:
            p = axes[0]
            i = np.arange(shape[p]).reshape([-1 if a == p else 1 for a in range(len(shape))])
            j = np.arange(shape[q]).reshape([-1 if a == q else 1 for a in range(len(shape))])
            eq = i == j
            mask = eq if mask is None else mask & eq
    return None if mask is None else mask.astype(float)


def _owned(r, g, xs):
    """The reverse sweep adds into an adjoint in place: never hand it a view of g or of an
    operand (a transposing einsum, 'ij->ji'), nor a read-only broadcast view."""
    if type(r) is np.ndarray and (not r.flags.writeable or any(
            type(v) is np.ndarray and np.may_share_memory(r, v) for v in (g, *xs))):
        return np.array(r)
    return r


def _sympy(*xs, spec):
    # the same contraction on object arrays of sympy expressions (np.matmul supports them)
    return evaluate(spec, [np.asarray(x, dtype=object) for x in xs])


EINSUM = primitive("np.einsum", _value, _jvp, _vjp, sympy=_sympy)

MATMUL = replace(EINSUM, name="matmul")
"""The same row under the name traces show for ``a @ b`` (the explanations write its tangent
as the product rule)."""


# --- numpy's products, as contractions ------------------------------------------------------
def _operand(x):
    """A traced value as it is; anything else as an array (lists, numbers)."""
    if type(x) is np.ndarray or hasattr(x, "_primitive"):  # an array, or a traced value
        return x
    return np.asarray(x)


def _no_out(name, out=None, **kwargs):
    extra = {k: v for k, v in kwargs.items() if v is not None}
    if out is not None:
        extra["out"] = out
    if extra:
        raise _refuse(name, f"{', '.join(k + '=' for k in extra)} is not supported on traced "
                      "values", f"write y = {name}(...) and use y")


@lru_cache(maxsize=512)
def matmul_spec(sa: tuple, sb: tuple, name: str = "np.matmul") -> Spec:
    """``a @ b`` with numpy's rules: the last axis of a meets the second-to-last of b (the only
    axis of a 1-D b); a 1-D a is a row, a 1-D b a column, and that axis is dropped from the
    result; the axes before the last two broadcast (a stack of matrices)."""
    if not sa or not sb:
        raise _refuse(name, "an operand is a scalar (0-d)", "use * to multiply by a scalar")
    ka, kb = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if ka != kb:
        raise _refuse(name, f"shapes {sa} and {sb} do not match: {ka} (the last axis of the "
                      f"first) != {kb} ({'the second-to-last' if len(sb) > 1 else 'the only'} "
                      "axis of the second)")
    batch_a, batch_b = sa[:-2], sb[:-2]
    try:
        batch = np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise _refuse(name, f"the stacks of shapes {sa} and {sb} do not broadcast") from None
    lead = tuple(range(100, 100 + len(batch)))  # the batch axes, right-aligned
    i, j, k = 1, 2, 3
    la = lead[len(lead) - len(batch_a):] + ((i, j) if len(sa) > 1 else (j,))
    lb = lead[len(lead) - len(batch_b):] + ((j, k) if len(sb) > 1 else (j,))
    out = lead + ((i,) if len(sa) > 1 else ()) + ((k,) if len(sb) > 1 else ())
    return Spec((la, lb), out)


def matmul_operands(a, b):
    """(a, b, spec) for ``a @ b``: constants as arrays, the shapes checked as numpy does."""
    a, b = _operand(a), _operand(b)
    return a, b, matmul_spec(shape_of(a), shape_of(b))


@lru_cache(maxsize=512)
def dot_spec(sa: tuple, sb: tuple) -> Spec:
    """``np.dot``'s N-D rule: sum over the last axis of a and the second-to-last of b (the
    only one of a 1-D b); the result has a's other axes, then b's. Unlike matmul nothing
    broadcasts: dot(a, b)[i, j, k, m] = sum(a[i, j, :] * b[k, :, m])."""
    ka, kb = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if ka != kb:
        raise _refuse("np.dot", f"shapes {sa} and {sb} not aligned: {ka} (the last axis of "
                      f"the first) != {kb} (the {'second-to-last' if len(sb) > 1 else 'only'} "
                      "axis of the second)")
    c = 0
    la = tuple(range(1, len(sa))) + (c,)
    rest = tuple(range(len(sa), len(sa) + len(sb) - 1))
    lb = rest[:-1] + (c, rest[-1]) if len(sb) > 1 else (c,)
    return Spec((la, lb), la[:-1] + (rest[:-1] + rest[-1:] if len(sb) > 1 else ()))


@handles(np.dot)
def _dot(a, b, out=None):
    _no_out("np.dot", out)
    a, b = _operand(a), _operand(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return a * b  # np.dot with a scalar operand is multiplication
    spec = dot_spec(sa, sb)  # checks the shapes under np.dot's name
    if len(sa) <= 2 and len(sb) <= 2:  # here dot and matmul agree: matmul's fast paths
        return _traced_type(a, b)._matmul(a, b)
    return contract(spec, a, b)


@handles(np.vdot)
def _vdot(a, b):
    a, b = _operand(a), _operand(b)
    if math.prod(shape_of(a)) != math.prod(shape_of(b)):
        raise _refuse("np.vdot", f"the operands have {math.prod(shape_of(a))} and "
                      f"{math.prod(shape_of(b))} elements; vdot needs the same number")
    return _dot(np.reshape(a, (-1,)), np.reshape(b, (-1,)))  # flattened, then 'i,i->'


@handles(np.inner)
def _inner(a, b):
    a, b = _operand(a), _operand(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return a * b
    if sa[-1] != sb[-1]:
        raise _refuse("np.inner", f"shapes {sa} and {sb}: the last axes differ "
                      f"({sa[-1]} != {sb[-1]})")
    if len(sa) == 1 and len(sb) == 1:
        return _dot(a, b)
    # inner(a, b)[i..., j...] = sum(a[i..., :] * b[j..., :])
    la = tuple(range(1, len(sa))) + (0,)
    lb = tuple(range(len(sa), len(sa) + len(sb) - 1)) + (0,)
    return contract(Spec((la, lb), la[:-1] + lb[:-1]), a, b)


@handles(np.outer)
def _outer(a, b, out=None):
    _no_out("np.outer", out)
    # outer(a, b)[i, j] = a.ravel()[i] * b.ravel()[j]
    return contract(Spec(((0,), (1,)), (0, 1)), np.reshape(_operand(a), (-1,)),
                    np.reshape(_operand(b), (-1,)))


def _axis_list(axes, ndim, name, which):
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or not -ndim <= int(ax) < ndim:
            raise _refuse(name, f"axis {ax!r} of {which} is out of range for {ndim} axes")
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise _refuse(name, f"an axis of {which} is repeated in {axes}")
    return out


@handles(np.tensordot)
def _tensordot(a, b, axes=2):
    name = "np.tensordot"
    a, b = _operand(a), _operand(b)
    sa, sb = shape_of(a), shape_of(b)
    if isinstance(axes, (int, np.integer)):  # the last N axes of a with the first N of b
        n = int(axes)
        if n < 0 or n > len(sa) or n > len(sb):
            raise _refuse(name, f"axes={n} but the operands have {len(sa)} and {len(sb)} axes")
        axes_a, axes_b = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise _refuse(name, f"axes must be an integer or a pair of axis lists, got "
                          f"{axes!r}") from None
        axes_a = _axis_list(first, len(sa), name, "the first operand")
        axes_b = _axis_list(second, len(sb), name, "the second operand")
        if len(axes_a) != len(axes_b):
            raise _refuse(name, f"{len(axes_a)} axes of the first operand against "
                          f"{len(axes_b)} of the second")
    for p, q in zip(axes_a, axes_b):
        if sa[p] != sb[q]:
            raise _refuse(name, f"shape-mismatch for sum: axis {p} of {sa} has length {sa[p]}, "
                          f"axis {q} of {sb} has {sb[q]}")
    # the summed axes share labels 0..n-1; the free ones get their own, a's first in the output
    la = [0] * len(sa)
    for c, p in enumerate(axes_a):
        la[p] = c
    free = len(axes_a)
    for p in range(len(sa)):
        if p not in axes_a:
            la[p], free = free, free + 1
    lb = [0] * len(sb)
    for c, q in enumerate(axes_b):
        lb[q] = c
    for q in range(len(sb)):
        if q not in axes_b:
            lb[q], free = free, free + 1
    out = tuple(la[p] for p in range(len(sa)) if p not in axes_a) + \
        tuple(lb[q] for q in range(len(sb)) if q not in axes_b)
    return contract(Spec((tuple(la), tuple(lb)), out), a, b)


@handles(np.kron)
def _kron(a, b):
    a, b = _operand(a), _operand(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return a * b
    # both get the same number of axes (ones in front), then
    # kron(a, b)[i0*n0 + j0, i1*n1 + j1, ...] = a[i0, i1, ...] * b[j0, j1, ...]:
    # the einsum 'ab,cd->acbd' (axes interleaved), reshaped to the products of the lengths
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    la, lb = tuple(range(0, 2 * nd, 2)), tuple(range(1, 2 * nd, 2))
    product = contract(Spec((la, lb), tuple(range(2 * nd))), np.reshape(a, sa), np.reshape(b, sb))
    return np.reshape(product, tuple(m * n for m, n in zip(sa, sb)))


def _levi_civita() -> np.ndarray:
    eps = np.zeros((3, 3, 3))
    for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        eps[i, j, k], eps[i, k, j] = 1.0, -1.0
    return eps


_EPS = _levi_civita()


@handles(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    name = "np.cross"
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _operand(a), _operand(b)
    if not shape_of(a) or not shape_of(b):
        raise _refuse(name, "an operand is a scalar (0-d); cross products are of vectors")
    a = np.moveaxis(a, _axis_list(axisa, len(shape_of(a)), name, "axisa")[0], -1)
    b = np.moveaxis(b, _axis_list(axisb, len(shape_of(b)), name, "axisb")[0], -1)
    da, db = shape_of(a)[-1], shape_of(b)[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise _refuse(name, f"incompatible dimensions for a cross product ({da} and {db}); "
                      "vectors have 2 or 3 components")
    if 2 in (da, db):
        import warnings
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=3)
    # c_i = sum_jk eps_ijk a_j b_k (eps: the Levi-Civita symbol); a 2-vector is a 3-vector
    # with a zero third component, so its columns of eps are dropped. Two 2-vectors give the
    # third component only (a scalar per pair), as numpy does.
    na, nb = len(shape_of(a)) - 1, len(shape_of(b)) - 1
    la = tuple(range(-na, 0)) + (2,)  # the other axes right-aligned, as '...j' broadcasts
    lb = tuple(range(-nb, 0)) + (3,)
    batch = tuple(range(-max(na, nb), 0))
    if da == db == 2:
        return contract(Spec(((2, 3), la, lb), batch), _EPS[2, :2, :2], a, b)
    c = contract(Spec(((1, 2, 3), la, lb), batch + (1,)), _EPS[:, :da, :db], a, b)
    ndim = len(batch) + 1
    return np.moveaxis(c, -1, _axis_list(axisc, ndim, name, "axisc")[0])


def _diagonal_parts(name, a, offset, axis1, axis2):
    """(the operand cut to a square block whose diagonal is the wanted one, its labels, the
    other axes' labels, the diagonal's label)."""
    a = _operand(a)
    shape = shape_of(a)
    if len(shape) < 2:
        raise _refuse(name, f"needs an array of at least 2 axes, got shape {shape}")
    if not isinstance(offset, (int, np.integer)):
        raise _refuse(name, f"offset must be an integer, got {offset!r}")
    p, q = _axis_list([axis1, axis2], len(shape), name, "the array")
    offset = int(offset)
    # a[i, i + offset] is the main diagonal of a cut: columns from offset on (rows from
    # -offset on for a negative offset), as long as both axes reach
    n = max(0, min(shape[p] - max(0, -offset), shape[q] - max(0, offset)))
    index = [slice(None)] * len(shape)
    index[p] = slice(max(0, -offset), max(0, -offset) + n)
    index[q] = slice(max(0, offset), max(0, offset) + n)
    if n != shape[p] or n != shape[q]:
        a = a[tuple(index)]
    diag = len(shape)
    labels = [diag if k in (p, q) else k for k in range(len(shape))]
    others = tuple(k for k in range(len(shape)) if k not in (p, q))
    return a, tuple(labels), others, diag


@handles(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    # the repeated label 'ii' reads a diagonal; numpy puts it after the other axes
    a, labels, others, diag = _diagonal_parts("np.diagonal", a, offset, axis1, axis2)
    return contract(Spec((labels,), others + (diag,)), a)


@handles(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_out("np.trace", out, dtype=dtype)
    # the sum of a diagonal: 'ii->' (the other axes are kept)
    a, labels, others, _ = _diagonal_parts("np.trace", a, offset, axis1, axis2)
    return contract(Spec((labels,), others), a)


@handles(np.einsum)
def _einsum(*args, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    _no_out("np.einsum", out, dtype=dtype)
    if order != "K" or casting != "safe":
        raise _refuse("np.einsum", "order= and casting= are not supported on traced values")
    # optimize= chooses numpy's order of pairwise contractions; ours is chosen by evaluate,
    # and the result is the same sum of products, so it is accepted and needs nothing.
    if not args:
        raise _refuse("np.einsum", "no operands")
    if isinstance(args[0], str):
        subscripts, operands = args[0], list(args[1:])
    else:
        subscripts, operands = _from_sublists(args)
    if not operands:
        raise _refuse("np.einsum", "no operands")
    operands = [_operand(x) for x in operands]
    spec = parse_einsum(subscripts, tuple(shape_of(x) for x in operands))
    return contract(spec, *operands)
