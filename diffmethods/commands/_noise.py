"""``--noise EPS`` for the harness subcommands: study f as a noisy simulation would give it.

The target's f is multiplied by (1 + EPS N(0, 1)), N drawn from a generator keyed on the point
(:func:`diffmethods.noise.with_noise`): the same command prints the same numbers every time,
and the expression language itself gains no randomness. Traced values see the smooth f, so the
reference stays the noise-free derivative.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from ..errors import ExpressionError
from ..expr import parse_number

SEED = 0  # the fixed seed of --noise


def _level(text: str) -> float:
    try:
        value = parse_number(text, "--noise")
    except ExpressionError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"--noise is a relative level from 0 to 1 (e.g. "
                                         f"1e-9), got {text}")
    return value


def add_noise_argument(parser) -> None:
    parser.add_argument("--noise", metavar="EPS", type=_level,
                        help="multiply f by (1 + EPS N(0,1)), N seeded by the point "
                             "(reproducible): a noisy function, e.g. --noise 1e-9")


def noisy_target(target, eps):
    """(target with its f made noisy, the absolute noise level EPS |f(point)|); the target
    unchanged and ``None`` without --noise."""
    if not eps:
        return target, None
    from ..noise import with_noise
    from ..points import Problem, real_scalar
    problem = Problem(target.f, target.point)
    level = eps * abs(real_scalar(problem.at(problem.x), "f"))
    formula = f"({target.formula}) (1 + {eps:g} N(0,1))"
    return dataclasses.replace(target, f=with_noise(target.f, eps, SEED), formula=formula), \
        float(np.float64(level))
