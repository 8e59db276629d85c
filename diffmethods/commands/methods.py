"""``diffmethods methods``: every registered method (plugins included) and what it declares.

    diffmethods methods            # one block per method: kind, options, step, error model
"""

from __future__ import annotations

NAME = "methods"
HELP = "list the registered methods (plugins included), their options and error models"
ORDER = 15


def add_arguments(parser) -> None:
    # not --quiet: that means the same in every command (no progress or 'wrote' lines), and
    # the list is this command's result
    parser.add_argument("--names", action="store_true", help="print the names only")


def describe(name: str) -> list[str]:
    """Lines describing one method's declaration."""
    from ..declarations import operators_of
    from ..registry import declaration, get_method
    method, declared = get_method(name), declaration(name)
    lines = [f"{name}: {getattr(method, 'summary', '')}",
             f"  kind: {declared.kind.value}, {'exact' if declared.exact else 'approximate'}"
             + (", needs a hand-derived gradient" if declared.needs_hand_gradient else "")
             + (f", accumulates {declared.accumulation.value}" if declared.accumulation else ""),
             f"  operators: {', '.join(operators_of(method))}"]
    for option in declared.options:
        default = "" if option.default is None else f" (default: {option.default})"
        step = " [its step]" if option.name == declared.step_option else ""
        lines.append(f"  --opt {name}.{option.name}=...{step}  {option.help}{default}".rstrip())
    model = declared.error_model({}) if declared.step_option else None
    if declared.step_option:
        lines.append(f"  error model: {model.description if model else 'none declared'}")
    if declared.setup:
        lines.append(f"  one-off cost: {declared.setup}")
    return lines


def run(args) -> int:
    from ..registry import methods
    for name in methods():
        print(name if args.names else "\n".join(describe(name)))
    return 0
