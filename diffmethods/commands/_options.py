"""Option values on the command line: plain numbers within stated bounds, or one clear line.

argparse's ``type=int`` and ``type=float`` accept ``1_000``, other scripts' digits, ``nan`` and
``inf``; these types accept only plain ASCII numbers (:func:`diffmethods.expr.parse_number`),
and every count has an upper bound, stated in ``--help`` by :func:`count_help`.
"""

from __future__ import annotations

import argparse
import re

from ..errors import ExpressionError, OptionError
from ..expr import parse_number

_WHOLE = re.compile(r"\+?[0-9]+")


def _whole(text: str, low: int, high: int, what: str) -> int:
    """A whole number from low to high, in ASCII digits (its length is checked before int())."""
    piece = text.strip()
    if not _WHOLE.fullmatch(piece):
        raise OptionError(f"{what} must be a whole number from {low} to {high}, got {text!r}")
    digits = piece.lstrip("+").lstrip("0") or "0"
    if len(digits) > len(str(high)) or not low <= int(digits) <= high:
        shown = piece if len(piece) <= 20 else piece[:17] + "..."
        raise OptionError(f"{what} must be from {low} to {high}, got {shown}")
    return int(digits)


def count(low: int, high: int):
    """argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            return _whole(text, low, high, "the value")
        except OptionError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def count_help(text: str, low: int, high: int, default) -> str:
    """Help text that states the bounds: 'TEXT, LOW to HIGH (default: D)'."""
    return f"{text}, {low} to {high} (default: {default})"


def real(text: str) -> float:
    """argparse type: a finite number written plainly (``-1e-6``, ``0.25``)."""
    try:
        return parse_number(text, "the value")
    except ExpressionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def positive(value, option: str) -> None:
    """Refuse a given (not None) value that is not above 0."""
    if value is not None and not value > 0:
        raise OptionError(f"{option} must be above 0, got {value:g}")


def whole_list(text: str, what: str, high: int, most: int) -> list[int]:
    """``"2,10,100"`` -> [2, 10, 100]: at most ``most`` whole numbers from 1 to ``high``."""
    pieces = [p for p in text.split(",") if p.strip()]
    if not pieces:
        raise OptionError(f"{what} must be comma-separated whole numbers, got {text!r}")
    if len(pieces) > most:
        raise OptionError(f"{what} lists {len(pieces)} values; the limit is {most}")
    return [_whole(p, 1, high, what) for p in pieces]


OPT_HELP = ("an option of the compared methods, as NAME=VALUE (given to every method that "
            "declares NAME) or METHOD.NAME=VALUE (to that method only); repeatable. "
            "`diffmethods methods` lists each method's options")


def method_options(texts, methods: list[str]) -> dict:
    """{method: {option: value}} from ``--opt`` texts, read and checked against each method's
    declared options: an option no compared method takes is an error, never ignored.

    >>> method_options(["scheme=forward", "finite.step=1e-6"], ["finite", "reverse"])
    {'finite': {'scheme': 'forward', 'step': 1e-06}}
    """
    from ..registry import declaration
    out: dict = {}
    for text in texts or ():
        key, sep, value = text.partition("=")
        target, _, name = key.strip().rpartition(".")
        if not sep or not name:
            raise OptionError(f"--opt wants NAME=VALUE or METHOD.NAME=VALUE, got {text!r}")
        if target:
            if target not in methods:
                raise OptionError(f"--opt {text}: {target!r} is not one of the compared "
                                  f"methods ({', '.join(methods)})")
            if declaration(target).option(name) is None:
                raise OptionError(f"--opt {text}: method {target!r} takes no option {name!r}; "
                                  f"{_options_of(target)}")
            targets = [target]
        else:
            targets = [m for m in methods if declaration(m).option(name) is not None]
            if not targets:
                raise OptionError(f"--opt {text}: none of the compared methods takes an option "
                                  f"{name!r}; " + "; ".join(_options_of(m) for m in methods))
        for m in targets:
            out.setdefault(m, {})[name] = declaration(m).option(name).read(value.strip(), m)
    return out


def _options_of(method: str) -> str:
    from ..registry import declaration
    names = [o.name for o in declaration(method).options]
    return f"{method} takes {', '.join(names) if names else 'no options'}"
