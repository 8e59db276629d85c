"""The comparison harness: every method side by side, with numbers.

* :func:`reference_gradient` -- the symbolic derivative evaluated with mpmath at 50 digits;
* :func:`compare` -- one row per method: gradient, errors against the reference, f-calls,
  passes, operations, median time (:func:`compare_catalogue` over the whole catalogue);
* :func:`epsilon_sweep` -- finite-difference error against the step, with an error model
  (:func:`sweep_summary`: predicted and observed best step per scheme);
* :func:`scaling` -- cost against the dimension n.

Each returns plain data, a list of dicts (rows), which :mod:`diffmethods.plots` turns into
figures and :mod:`diffmethods.report` into a document. The list is a :class:`~.rows.Rows`, a
``list`` subclass that prints as a table and shows as one in a notebook. Only the public API
of diffmethods is used here, so a method or finite-difference scheme registered from outside
takes part automatically.
"""

from .compare import compare, compare_catalogue
from .reference import Reference, reference_gradient
from .scaling import scaling
from .sweep import epsilon_sweep, sweep_summary

__all__ = ["compare", "compare_catalogue", "Reference", "reference_gradient", "scaling",
           "epsilon_sweep", "sweep_summary"]
