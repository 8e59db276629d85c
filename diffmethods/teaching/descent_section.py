"""The tutorial's gradient-descent section, computed live from :mod:`.descent`.

Gradient descent repeats ``x_{k+1} = x_k - eta * grad f(x_k)``; the section shows a few such
steps on the tutorial's function, then fits a line with the gradients of every method, and
explains the one run that stalls (a poor finite-difference step, biased by h/2 times f'').
"""

from __future__ import annotations

import numpy as np

from ..api import differentiate
from ..methods.finite import FiniteDifferences
from ..methods.reverse import ReverseMode
from .descent import (POOR_STEP, descent_demo, descent_table, make_cost, plot_descent,
                      seed_descent_steps)
from .document import Explanation, Figure, Paragraph
from .notation import num
from .tutorial_sections import section


def descent_section(path: str, link: str, f, point, rate: float = 0.01) -> Explanation:
    """The tutorial's gradient-descent section: a few steps on the seed with the update rule
    written out, then the line fit by every method (figure written to ``path``, linked as
    ``link``), with the poor-step run's bias predicted and measured."""
    demo = descent_demo()
    grad = differentiate(f, point, method=ReverseMode.name).gradient
    plot_descent(demo, path)
    poor = next(r for r in demo.runs if r.options == POOR_STEP)
    exact_runs = [r for r in demo.runs if r.options != POOR_STEP]
    spread = max(abs(r.costs[-1] - exact_runs[0].costs[-1]) for r in exact_runs)
    same = "to the last bit" if spread == 0 else f"to within {spread:.0e}"
    x, y = demo.x, demo.y
    cost = make_cost(x, y)  # the same cost, to measure the poor step's bias at the start
    start = (0.0, 0.0)
    exact = differentiate(cost, start, method=ReverseMode.name).gradient
    poor_cost = differentiate(cost, start, method=FiniteDifferences.name, **POOR_STEP).gradient
    bias = poor_cost - exact
    predicted = POOR_STEP["step"] * np.array([np.mean(x**2), 1.0])
    central = differentiate(cost, start, method=FiniteDifferences.name, scheme="central",
                            step=POOR_STEP["step"]).gradient
    w_best, b_best = demo.best
    w_poor, b_poor = poor.params[-1]
    return section("The practical application: gradient descent", [
        Paragraph("Gradients exist to be followed downhill. Treat the inputs as the "
                  "parameters of a model and f as its cost: the gradient "
                  f"({', '.join(num(g) for g in grad)}) says how fast the cost rises with each "
                  "of them, so gradient descent moves every parameter against its partial "
                  "derivative, scaled by a small learning rate η, and repeats: "
                  "`x_{k+1} = x_k − η·∇f(x_k)`, "
                  f"here with η = {num(rate)}:"),
        seed_descent_steps(f, point, rate=rate),
        Paragraph("The cost falls at every step. This f is a poor cost, though: it has no "
                  "minimum (make x2 = -x3 large and it goes to minus infinity), so descent "
                  "would never stop. Real costs are built to be bounded below; the classic is "
                  "the L2 cost, the mean squared distance between a model's predictions and "
                  "the data."),
        Paragraph(f"**Fitting a line.** The model is y = w·x + b on {len(x)} noisy points "
                  f"(a fixed random seed, so always the same points), the cost is the mean "
                  f"squared error, and descent starts from (w, b) = (0, 0) with learning rate "
                  f"{num(demo.rate)} for {demo.iterations} iterations, once with the gradients "
                  "of each method -- plus one run with a poor finite-difference step, "
                  f"forward differences with h = {num(POOR_STEP['step'])}."),
        Figure(link, "Left: how far each run's cost is above the least-squares minimum, per "
               "iteration. Right: the data, the best line and the line the poor-step run "
               "settled on."),
        descent_table(demo),
        Paragraph(f"The methods take the same steps (their final costs agree {same}) and "
                  "approach the minimum geometrically -- central differences with the default "
                  "step included, whose error is far below what descent can notice. The "
                  "poor-step run "
                  f"stalls {poor.costs[-1] - demo.best_cost:.2g} above the minimum, at w = "
                  f"{num(w_poor, 4)}, b = {num(b_poor, 4)} instead of {num(w_best, 4)}, "
                  f"{num(b_best, 4)}: descent stops where the *estimated* gradient vanishes."),
        Paragraph(f"The bias is no accident. For a quadratic cost a forward difference is off "
                  f"by exactly h/2 times the second derivative: h·mean(x²) = "
                  f"{num(predicted[0], 6)} for w and h·1 = {num(predicted[1], 6)} for b. "
                  f"Measured at the start: {num(bias[0], 6)} and {num(bias[1], 6)}. Central "
                  f"differences with the same large step are exact on a quadratic (error "
                  f"{np.max(np.abs(central - exact)):.0e}), which is why the step that is "
                  "\"good enough\" depends on the formula as much as on f."),
        Paragraph("The f-calls column is the bill: finite differences call the model once or "
                  "twice per parameter at every iteration, Richardson a few times more "
                  "(its sweep stops when rounding takes over, so the count varies a little "
                  "from step to step), the complex step once per parameter; forward mode "
                  "carries one tangent per parameter through every operation (here in one "
                  "pass, as a chunk); reverse mode and the symbolic code cost about one "
                  "evaluation whatever the number of parameters -- the symbolic method after "
                  "paying for its derivation once, in the first iteration.")])
