"""The maximum and minimum of many elements as sympy expressions that stay small.

``np.max`` of n traced elements used to be built from n - 1 nested ``Max(a, b)``: sympy then
differentiates through log2(n) levels of Heaviside functions, and 16 elements took seconds.
Here the whole reduction is *one* node, ``ArrayMax(x0, ..., x_{n-1})``, whose derivative is
written down directly, with the same convention as forward and reverse mode (and JAX): the
derivative is shared equally by the elements that attain the maximum::

    d max(x) / d x_j = [x_j == max(x)] / #{i : x_i == max(x)}

The count is one node too, ``Ties(x0, ...)``, which the generated code evaluates once as the
pair (max, count); each partial is ``TieShare(x_j, Ties(...))``. So the derivative of the max of
n elements has n entries of about n + 3 nodes each (every entry depends on every element) and
the compiled gradient does O(n) work, where nested ``Max`` gave expressions of n log n nodes
and a Heaviside tree per entry.

Why not sympy's own ``Max``: its derivative is ``Heaviside(x_j - Max(others))``, 1/2 for every
tied element however many tie, and a subclass that changed it would inherit evaluation code
that tests ``cls == Min`` (a subclass of Max is then simplified as a Min). The 50-digit
reference (:mod:`diffmethods.harness.reference`) evaluates these nodes with the same tie
convention, ties decided on its 50-digit values.

sympy is imported with this module; :mod:`diffmethods.array_stats` imports it only when the
symbolic method meets ``np.max``. The generated code (math module, and numpy for the IEEE
fallback) follows numpy: a NaN element makes the maximum NaN.

>>> import sympy
>>> x = sympy.symbols("x0:3", real=True)
>>> m = ArrayMax(*x)
>>> m.diff(x[1])
TieShare(x1, Ties(x0, x1, x2))
"""

from __future__ import annotations

import sympy
from sympy.core.traversal import iterargs


def _d(e, s):
    """d e / d s, without sympy's Derivative machinery for the common e = s."""
    return sympy.S.One if e == s else e.diff(s)


def _joined(printer, args) -> str:
    return ", ".join(printer._print(a) for a in args)


class _ManyArguments(sympy.Function):
    """A function of many arguments that answers ``free_symbols`` and ``has`` from its own
    memo: sympy asks for them on every derivative, and its global cache would compare an equal
    node of an earlier derivation element by element before answering (n partials times n
    elements). Expressions are immutable, so the memo stays right."""

    @property
    def free_symbols(self):
        cached = self.__dict__.get("_free")
        if cached is None:
            cached = self.__dict__["_free"] = frozenset().union(
                *(a.free_symbols for a in self.args))
        return set(cached)

    def has(self, *patterns):
        memo = self.__dict__.setdefault("_has_memo", {})
        if patterns not in memo:
            memo[patterns] = self._has(iterargs, *patterns)
        return memo[patterns]


class ArrayMax(_ManyArguments):
    """max(e_0, ..., e_{n-1}) as one node; its derivative shares ties equally."""

    python = "max"   # the builtin the generated Python code calls
    numpy = "amax"   # and the numpy function of the IEEE fallback

    @classmethod
    def eval(cls, *args):
        if len(args) == 1:
            return args[0]
        if all(a.is_number for a in args):
            return max(args) if cls.python == "max" else min(args)
        return None

    @property
    def ties(self) -> "Ties":
        """The node that counts the elements equal to this extreme."""
        ties = self.__dict__.get("_ties")
        if ties is None:
            ties = self.__dict__["_ties"] = (MinTies if self.python == "min" else Ties)(*self.args)
        return ties

    def _eval_derivative(self, s):
        # the chain rule through each element that contains s, weighted by its share of the tie
        where = self.__dict__.get("_where")
        if where is None:
            where = {}
            for j, e in enumerate(self.args):
                for symbol in e.free_symbols:
                    where.setdefault(symbol, []).append(j)
            self.__dict__["_where"] = where
        ties = self.ties
        return sympy.Add(*[TieShare(self.args[j], ties) * _d(self.args[j], s)
                           for j in where.get(s, ())])

    def _pythoncode(self, printer):
        # NaN-propagating, as numpy is (Python's max ignores a NaN that comes second)
        return (f"(lambda v: float('nan') if any(e != e for e in v) else {self.python}(v))"
                f"(({_joined(printer, self.args)},))")

    _lambdacode = _pythoncode

    def _numpycode(self, printer):
        return (f"{printer._module_format('numpy.' + self.numpy)}("
                f"{printer._module_format('numpy.stack')}("
                f"{printer._module_format('numpy.broadcast_arrays')}({_joined(printer, self.args)}"
                "), axis=0), axis=0)")

    def _sympystr(self, printer):
        return f"{self.python}({_joined(printer, self.args)})"


class ArrayMin(ArrayMax):
    """min(e_0, ..., e_{n-1}) as one node; its derivative shares ties equally."""

    python = "min"
    numpy = "amin"


class Ties(_ManyArguments):
    """The pair (max of the arguments, how many arguments equal it), evaluated once by the
    generated code and read by each :class:`TieShare`. It only ever appears inside one."""

    python = "max"
    numpy = "amax"

    def _eval_derivative(self, s):
        return sympy.S.Zero  # only read through TieShare, which is piecewise constant

    def _pythoncode(self, printer):
        pick = self.python
        return (f"(lambda v: (float('nan'), 0) if any(e != e for e in v) else "
                f"({pick}(v), v.count({pick}(v))))(({_joined(printer, self.args)},))")

    _lambdacode = _pythoncode

    def _numpycode(self, printer):
        np_ = printer._module_format("numpy")
        v = (f"{np_}.stack({np_}.broadcast_arrays({_joined(printer, self.args)}), axis=0)")
        return (f"(lambda v: ({np_}.{self.numpy}(v, axis=0), "
                f"{np_}.sum(v == {np_}.{self.numpy}(v, axis=0), axis=0)))({v})")


class MinTies(Ties):
    python = "min"
    numpy = "amin"


class TieShare(sympy.Function):
    """TieShare(e, ties) = 1 / count if e equals the extreme, else 0: element e's share of the
    derivative of the max (or min). Piecewise constant, so its own derivative is 0."""

    nargs = 2

    def __new__(cls, element, ties):
        # built directly, not through sympy's cache (see _ManyArguments): there would be n of
        # them, each looked up against the shares of an earlier derivation
        # element is an index (an int) or an expression the tracer built, never user text
        element = element if isinstance(element, sympy.Basic) else sympy.Integer(int(element))
        return sympy.Expr.__new__(cls, element, ties)

    def _eval_derivative(self, s):
        return sympy.S.Zero

    def _has(self, iterargs, *patterns):
        # has() is cached per expression, so asking each argument in turn -- the one tie
        # counter shared by all n partials among them -- walks the n elements once, not n times
        return (super()._has(lambda e: (e,), *patterns)
                or any(a.has(*patterns) for a in self.args))

    def _pythoncode(self, printer):
        e, t = (printer._print(a) for a in self.args)
        # a NaN extreme (count 0) makes every share NaN, as in forward and reverse mode
        return (f"(lambda t: (1.0 / t[1]) if {e} == t[0] else "
                f"(float('nan') if t[1] == 0 else 0.0))({t})")

    _lambdacode = _pythoncode

    def _numpycode(self, printer):
        np_ = printer._module_format("numpy")
        e, t = (printer._print(a) for a in self.args)
        return (f"(lambda t: {np_}.where({e} == t[0], 1.0 / {np_}.maximum(t[1], 1), "
                f"{np_}.where(t[1] == 0, {np_}.nan, 0.0)))({t})")


def extreme(elements, largest: bool = True):
    """max (or min) of a sequence of sympy expressions, as one node."""
    return (ArrayMax if largest else ArrayMin)(*elements)
