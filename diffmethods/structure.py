"""Structured points: a pytree of numbers and arrays, flattened to one vector and back.

A point may be any nesting of tuples, lists and dicts whose leaves are numbers or real arrays
of any shape, e.g. ``{"W": W, "b": b}`` or ``(W1, b1, W2, X, y)``. Every method works on one
flat float64 vector ``x`` of all differentiated components; a :class:`Structure` knows where each
leaf sits in it, how to rebuild f's arguments from it, what each component is called
(``b1[0]``, ``W1[2, 1]``, ``params['W'][0, 3]``) and how to give a gradient, Jacobian or Hessian
back in the shapes of the arguments.

>>> import numpy as np
>>> s = Structure.of({"W": np.zeros((2, 3)), "b": np.zeros(2)}, "params")
>>> s.n, [leaf.name for leaf in s.leaves], s.component_name(4)
(8, ["params['W']", "params['b']"], "params['W'][1, 1]")
>>> s.gradient(np.arange(8.0))["b"]
array([6., 7.])
"""

from __future__ import annotations

import math
import numbers
import numpy as np

from .errors import PointError

_CONTAINERS = (tuple, list, dict)


class Leaf:
    """One number or array of the point: its name, shape and place in the flat vector."""

    __slots__ = ("name", "shape", "offset", "size", "flat")

    def __init__(self, name: str, shape: tuple, offset: int):
        self.name, self.shape, self.offset = name, shape, offset
        self.size = math.prod(shape)  # 1 for a number
        self.flat = slice(offset, offset + self.size)  # where it sits in the flat vector

    def __repr__(self) -> str:
        return f"Leaf({self.name!r}, shape={self.shape}, offset={self.offset})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Leaf) and (self.name, self.shape, self.offset) == (
            other.name, other.shape, other.offset)

    __hash__ = None

    def component_name(self, k: int) -> str:
        """The name of element k (in C order) of this leaf: ``W1[2, 1]``, or the leaf's own
        name for a number."""
        if not self.shape:
            return self.name
        index = np.unravel_index(k, self.shape)
        return f"{self.name}[{', '.join(str(int(i)) for i in index)}]"

    def symbol_name(self, k: int) -> str:
        """A Python-identifier name of element k, for sympy symbols: ``W1_2_1``."""
        base = "".join(c if c.isalnum() else "_" for c in self.name)
        base = "_".join(p for p in base.split("_") if p) or "x"
        if not self.shape:
            return base
        return base + "".join(f"_{int(i)}" for i in np.unravel_index(k, self.shape))


def is_real_number(v) -> bool:
    """A real Python or numpy number (bools are not numbers here)."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _key_text(key) -> str:
    return f"[{key!r}]"


def leaf_problem(value, name: str) -> str | None:
    """Why ``value`` cannot be a differentiated leaf, or None if it can."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return f"{name} is a complex array; diffmethods differentiates real functions"
        if value.dtype.kind == "b":
            return f"{name} is a boolean array, which cannot be differentiated"
        if value.dtype.kind not in "iuf":
            return f"{name} is an array of dtype {value.dtype}, not of real numbers"
        if value.size == 0:
            return f"{name} is an empty array (shape {value.shape})"
        return None
    if isinstance(value, (bool, np.bool_)):
        return f"{name} is the boolean {value!r}, not a number"
    if isinstance(value, numbers.Complex) and not is_real_number(value):
        return f"{name} is the complex number {value!r}; diffmethods differentiates real functions"
    if not is_real_number(value):
        return f"{name} is {type(value).__name__} {_short(value)}, not a number or an array"
    return None


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


class Structure:
    """How a structured point's differentiated leaves map to one flat vector, and back.

    ``template`` is the point itself: containers are rebuilt around new leaf values, the leaves
    not differentiated (data, labels) are passed through unchanged.
    """

    def __init__(self, tree, leaves: list, x: np.ndarray | None = None, arrays=None):
        self.tree = tree  # nested ("dict"/"seq", type, keys, children) nodes; ints index leaves
        self.leaves = leaves
        self._x = x
        self._arrays = arrays  # the leaves as read-only float64 arrays, when built from them
        self.n = len(x) if x is not None else sum(leaf.size for leaf in leaves)

    @property
    def x(self) -> np.ndarray:
        """The flat float64 vector of every component (read-only). Made on first use: tracers
        that take whole arrays (reverse and forward mode) never need the copy."""
        if self._x is None:
            parts = [a.reshape(-1) for a in self._arrays]
            if len(parts) == 1 and parts[0].base is not None:  # a view: no copy
                x = parts[0]
            else:
                x = np.concatenate(parts) if len(parts) > 1 else np.array(parts[0], dtype=float)
            x.flags.writeable = False
            self._x = x
        return self._x

    def leaf_values(self) -> list:
        """The leaves at the point: floats for numbers, read-only arrays (views of the user's
        arrays where they were float64) for arrays."""
        if self._arrays is None:
            return self.split(self.x)
        return [a if leaf.shape else float(a) for leaf, a in zip(self.leaves, self._arrays)]

    # --- building ---------------------------------------------------------------------------
    @classmethod
    def of(cls, value, name: str = "x", *, what: str = "the point") -> "Structure":
        """Flatten one argument of f, whose leaves are named after ``name``; ``what`` names
        the argument in error messages."""
        return cls._build(lambda visit: visit(value, name, 0, what))

    @classmethod
    def of_arguments(cls, values, names, whats) -> "Structure":
        """Flatten several arguments of f, as a tuple; their leaves are named after ``names``
        (f's parameter names), so the second argument's first element is ``b1[0]``."""
        return cls._build(lambda visit: ("seq", tuple, None, [
            visit(v, name, 1, what) for v, name, what in zip(values, names, whats)]))

    @classmethod
    def _build(cls, walk) -> "Structure":
        leaves, parts = [], []
        offset = 0

        def visit(v, name, depth, what):
            nonlocal offset
            if depth > 100:
                raise PointError(f"{what} is nested more than 100 levels deep at {name}")
            if isinstance(v, dict):
                keys = list(v)
                if not keys:
                    raise PointError(f"{what}: {name} is an empty dict; every container in "
                                     "the point must hold at least one number or array")
                return ("dict", type(v), keys,
                        [visit(v[k], name + _key_text(k), depth + 1, what) for k in keys])
            if isinstance(v, (tuple, list)):
                if not v:
                    raise PointError(f"{what}: {name} is an empty {type(v).__name__}; every "
                                     "container in the point must hold at least one number or "
                                     "array")
                return ("seq", type(v), None,
                        [visit(item, f"{name}[{k}]", depth + 1, what)
                         for k, item in enumerate(v)])
            problem = leaf_problem(v, name)
            if problem is None and isinstance(v, np.ndarray) and v.dtype.kind in "iu":
                problem = (f"{name} is an integer array (dtype {v.dtype}); it cannot be "
                           "differentiated: leave it out with argnums (labels, indices), or "
                           "pass it as floats (.astype(float))")
            if problem is not None:
                raise PointError(f"{what}: {problem}.")
            values = _checked_floats(v, name, what)
            values.flags.writeable = False
            leaf = Leaf(name, values.shape, offset)
            offset += leaf.size
            leaves.append(leaf)
            parts.append(values)
            return len(leaves) - 1

        tree = walk(visit)
        return cls(tree, leaves, arrays=parts)

    # --- the flat vector and the leaves -----------------------------------------------------
    def split(self, flat) -> list:
        """The leaf values of a flat vector: numbers for scalar leaves, reshaped views of
        ``flat`` for array leaves (so bumping ``flat`` in place moves them)."""
        out = []
        for leaf in self.leaves:
            if leaf.shape:
                out.append(flat[leaf.flat].reshape(leaf.shape))
            else:
                out.append(flat[leaf.offset].item())
        return out

    def rebuild(self, leaf_values):
        """The argument with its leaves replaced by ``leaf_values`` (one per leaf)."""
        return _rebuild(self.tree, leaf_values)

    def component_name(self, i: int) -> str:
        leaf = self.leaf_of(i)
        return leaf.component_name(i - leaf.offset)

    def component_names(self) -> list[str]:
        return [leaf.component_name(k) for leaf in self.leaves for k in range(leaf.size)]

    def symbol_names(self) -> list[str]:
        return [leaf.symbol_name(k) for leaf in self.leaves for k in range(leaf.size)]

    def leaf_of(self, i: int) -> Leaf:
        for leaf in self.leaves:
            if i < leaf.offset + leaf.size:
                return leaf
        raise IndexError(i)

    def signature(self) -> tuple:
        """What a derivation depends on: the containers, keys and leaf shapes."""
        return (_tree_signature(self.tree), tuple(leaf.shape for leaf in self.leaves))

    # --- results in the shapes of the point -------------------------------------------------
    def gradient(self, flat):
        """A flat gradient (n,) in the structure of the point."""
        flat = np.asarray(flat, dtype=float)
        return self.rebuild([flat[leaf.flat].reshape(leaf.shape) if leaf.shape
                             else float(flat[leaf.offset]) for leaf in self.leaves])

    def jacobian(self, flat, out_shape: tuple):
        """A flat Jacobian (m, n) as leaves of shape ``out_shape + leaf.shape``."""
        flat = np.asarray(flat, dtype=float).reshape(-1, self.n)
        return self.rebuild([flat[:, leaf.flat].reshape(out_shape + leaf.shape)
                             for leaf in self.leaves])

    def hessian(self, flat):
        """A flat Hessian (n, n) as a structure of structures: block (a, b) has the shape
        ``leaf_a.shape + leaf_b.shape``, as ``jax.hessian`` gives it."""
        flat = np.asarray(flat, dtype=float).reshape(self.n, self.n)
        return self.rebuild([
            self.rebuild([flat[a.flat, b.flat].reshape(a.shape + b.shape) for b in self.leaves])
            for a in self.leaves])

    def leaves_of(self, value, what: str) -> list:
        """The values at this structure's leaf positions in ``value`` (a tree of the same
        containers and keys), or an error saying where ``value`` differs."""
        found = []

        def visit(node, v, name):
            if isinstance(node, int):
                found.append((v, name))
                return
            kind, typ, keys, children = node
            if kind == "dict":
                if not isinstance(v, dict) or set(v) != set(keys):
                    got = (f"keys {sorted(map(repr, v))}" if isinstance(v, dict)
                           else type(v).__name__)
                    raise PointError(f"{what}: {name} should be a dict with keys "
                                     f"{sorted(map(repr, keys))}, got {got}")
                for k, child in zip(keys, children):
                    visit(child, v[k], name + _key_text(k))
            else:
                if not isinstance(v, (tuple, list)) or len(v) != len(children):
                    got = (f"a {type(v).__name__} of length {len(v)}"
                           if isinstance(v, (tuple, list)) else type(v).__name__)
                    raise PointError(f"{what}: {name} should be a {typ.__name__} of "
                                     f"{len(children)} entries, got {got}")
                for k, (child, item) in enumerate(zip(children, v)):
                    visit(child, item, f"{name}[{k}]")

        visit(self.tree, value, "it" if isinstance(self.tree, int) else "its structure")
        return found

    def flatten_like(self, value, what: str, leading: tuple = ()) -> np.ndarray:
        """The inverse of :meth:`gradient` / :meth:`jacobian`: ``value`` in the structure of
        the point (each leaf of shape ``leading + leaf.shape``), or simply the right number of
        numbers, as a flat array of shape (n,), or (prod(leading), n) with ``leading``."""
        m = int(np.prod(leading, dtype=np.int64)) if leading else 1
        arr = _as_real_array(value)
        if arr is not None and arr.size == m * self.n:
            return arr.reshape((m, self.n) if leading else (self.n,))
        if arr is not None and len(self.leaves) > 1:
            raise PointError(f"{what} has {arr.size} numbers (shape {arr.shape}); it must have "
                             f"the structure of the point or {m * self.n} numbers")
        parts = []
        for leaf, (v, name) in zip(self.leaves, self.leaves_of(value, what)):
            a = _as_real_array(v)
            want = leading + leaf.shape
            if a is None:
                raise PointError(f"{what}: {name} is {type(v).__name__} {_short(v)}, not real "
                                 "numbers")
            if a.shape != want and a.size != m * leaf.size:
                raise PointError(f"{what}: {name} has shape {a.shape}, but {leaf.name} needs "
                                 f"shape {want}")
            parts.append(a.reshape(m, leaf.size))
        flat = np.concatenate(parts, axis=1)
        return flat if leading else flat[0]

    def flatten_hessian(self, value, what: str) -> np.ndarray:
        """The inverse of :meth:`hessian`: an (n, n) array from a structure of structures
        (or from n * n numbers)."""
        arr = _as_real_array(value)
        if arr is not None and arr.size == self.n * self.n:
            return arr.reshape(self.n, self.n)
        rows = [self.flatten_like(v, f"{what} at {name}", leaf.shape).reshape(leaf.size, self.n)
                for leaf, (v, name) in zip(self.leaves, self.leaves_of(value, what))]
        return np.concatenate(rows, axis=0)


class NumberArguments(Structure):
    """n numbers passed one per argument (the seed's convention): the common case of scalar
    code, so its leaves and names are made only when something asks for them."""

    def __init__(self, x: np.ndarray, names):
        self._x, self.n, self._arrays = x, len(x), None
        self._names, self._leaves = names, None

    @property
    def leaves(self) -> list:
        if self._leaves is None:
            names = self._names() if callable(self._names) else self._names
            self._leaves = [Leaf(name, (), i) for i, name in enumerate(names)]
        return self._leaves

    @property
    def tree(self):
        return ("seq", tuple, None, list(range(self.n)))

    def split(self, flat) -> list:
        return flat.tolist()

    def rebuild(self, leaf_values):
        return tuple(leaf_values)

    def component_name(self, i: int) -> str:
        return self.leaves[i].name

    def signature(self) -> tuple:
        return ("numbers", self.n)


def _checked_floats(v, name: str, what: str) -> np.ndarray:
    """A leaf as a float64 array (a read-only view of a float64 array, not a copy)."""
    if isinstance(v, np.ndarray):
        a = v.view() if v.dtype == np.float64 else v.astype(np.float64)
    else:
        try:
            a = np.array(float(v))
        except OverflowError:
            raise PointError(f"{what}: {name} = {_short(v)} is too large for a float64 "
                             "(more than about 1.8e308)") from None
    if a.size and not (np.isfinite(a.min()) and np.isfinite(a.max())):
        bad = np.flatnonzero(~np.isfinite(a.reshape(-1)))[0]
        where = name if not a.shape else Leaf(name, a.shape, 0).component_name(int(bad))
        raise PointError(f"{what}: {where} is {a.reshape(-1)[bad]}; every coordinate must be "
                         "finite (no NaN or infinity)")
    return a


def _as_real_array(v):
    if isinstance(v, _CONTAINERS) and any(isinstance(i, _CONTAINERS + (np.ndarray,))
                                          for i in (v.values() if isinstance(v, dict) else v)):
        return None
    if isinstance(v, dict):
        return None
    try:
        a = np.asarray(v)
    except (TypeError, ValueError):
        return None
    return a.astype(float) if a.dtype.kind in "iuf" else None


def _rebuild(node, values):
    if isinstance(node, int):
        return values[node]
    kind, typ, keys, children = node
    if kind == "dict":
        out = {k: _rebuild(c, values) for k, c in zip(keys, children)}
        return out if typ is dict else typ(out)
    items = [_rebuild(c, values) for c in children]
    if typ in (tuple, list):
        return typ(items)
    return typ(*items) if hasattr(typ, "_fields") else typ(items)  # namedtuples


def _tree_signature(node):
    if isinstance(node, int):
        return node
    kind, typ, keys, children = node
    return (kind, typ, tuple(keys) if keys else None,
            tuple(_tree_signature(c) for c in children))
