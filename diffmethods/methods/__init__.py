"""The built-in methods, one module each, registered in the order a course meets them."""

from ..registry import register_method
from .compiled import CompiledMethod
from .complex_step import ComplexStep
from .finite import FiniteDifferences
from .forward import ForwardMode
from .manual import ManualMethod
from .reverse import ReverseMode
from .richardson import Richardson
from .symbolic import SymbolicMethod

BUILTIN = (ManualMethod(), SymbolicMethod(), FiniteDifferences(), ForwardMode(), ReverseMode(),
           ComplexStep(), Richardson(), CompiledMethod())

for _method in BUILTIN:
    register_method(_method.name, _method, replace=True)
