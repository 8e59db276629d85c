"""A method from outside diffmethods, registered through the ``diffmethods.methods`` entry
point: 4th-order central differences written from scratch (the test's plugin)."""

import numpy as np

from diffmethods import Declaration, ErrorModel, Kind, Option


class Central4:
    name = "central4"   # the same name as a finite-difference scheme, on purpose
    summary = "4th-order central differences, from a plugin"
    exact = False
    declaration = Declaration(
        kind=Kind.DIFFERENCE, exact=False, step_option="step",
        options=(Option("step", 1e-3, "the step h", float),),
        error_model=lambda options: ErrorModel({5: 1 / 30, 7: 1 / 252}, 1.5, "order 4"))

    def gradient(self, problem, *, step=1e-3):
        x = problem.working_copy()
        value = problem.scalar_output(problem.at(x))
        grad = np.empty(problem.n)
        for i in range(problem.n):
            xi, samples = x[i], []
            for k in (-2, -1, 1, 2):
                x[i] = xi + k * step
                samples.append(problem.scalar_output(problem.at(x)))
            x[i] = xi
            grad[i] = (samples[0] - 8 * samples[1] + 8 * samples[2] - samples[3]) / (12 * step)
        return problem.result(value, grad, passes=problem.calls, ops=None)
