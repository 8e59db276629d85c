"""Noise: ECnoise's estimate of eps_f, noise-aware finite-difference steps, the sweep's noise
term, the NoiseWarning, and reproducibly noisy functions from the catalogue and the CLI
(issue 11, "Noise")."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import diffmethods as dm
from diffmethods.catalogue import NOISY_EXP_LEVEL, SCENARIOS
from diffmethods.cli import main
from diffmethods.harness.reference import reference_gradient
from diffmethods.noise import ecnoise, standard_normal_at, with_noise

# three smooth functions of different shape and dimension, with their value at the point
FUNCTIONS = {
    "exp": (lambda x: np.exp(x), 1.0),
    "rosenbrock": (lambda x, y: (1 - x)**2 + 100 * (y - x * x)**2, (-1.2, 1.0)),
    "sum_sin": (lambda x: np.sum(np.sin(x)) + 3.0, np.array([0.3, -0.5, 1.2, 2.0])),
}
LEVELS = (1e-6, 1e-9, 1e-12)


def value_at(f, point):
    return float(f(*point) if isinstance(point, tuple) else f(point))


def noise_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w for w in caught if issubclass(w.category, dm.NoiseWarning)]


# --- the estimate ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("level", LEVELS)
def test_estimate_is_within_3x_of_the_injected_noise_for_90_of_100_seeds(name, level):
    f, point = FUNCTIONS[name]
    truth = level * abs(value_at(f, point))
    hits = 0
    for seed in range(100):
        r = dm.estimate_noise(with_noise(f, level, seed=seed), point)
        assert r.evaluations <= 27
        hits += bool(r.confident and truth / 3 <= r.noise <= 3 * truth)
    assert hits >= 90, hits


def test_a_smooth_function_shows_its_round_off():
    r = dm.estimate_noise(lambda x: np.exp(x), 1.0)
    assert r.confident and 1e-18 < r.relative < 1e-14
    assert r.evaluations >= 9 and r.level is not None and len(r.levels) == 8


def test_an_estimate_it_cannot_trust_is_nan_with_the_reason():
    flat = dm.estimate_noise(lambda x: 5.0, 1.0)
    assert not flat.confident and math.isnan(flat.noise)
    assert "h too small" in flat.reason and flat.evaluations == 27  # three spacings tried
    steep = dm.estimate_noise(lambda x: np.exp(40 * x), 1.0, h=1.0, max_tries=1)
    assert not steep.confident and math.isnan(steep.noise) and "h too large" in steep.reason
    undefined = dm.estimate_noise(lambda x: np.log(x), 0.0, h=1e-3)
    assert not undefined.confident and "not finite" in undefined.reason


def test_the_difference_table_verdicts():
    assert ecnoise([3.0] * 9)[3] == "too small"
    assert ecnoise(np.arange(1.0, 10.0))[3] == "too large"      # values differ by far over 10%
    rng = np.random.default_rng(1)
    noise, level, levels, verdict = ecnoise(1.0 + 1e-8 * rng.standard_normal(9))
    assert verdict == "noise" and 1e-9 < noise < 1e-7 and level >= 1 and len(levels) == 8


@pytest.mark.parametrize("kwargs, match", [
    ({"points": 3}, "at least|>= 4"), ({"direction": [1.0, 2.0]}, "one entry per coordinate"),
    ({"direction": [0.0]}, "non-zero"), ({"h": -1.0}, "positive"), ({"max_tries": 0}, ">= 1"),
])
def test_bad_arguments_are_option_errors(kwargs, match):
    with pytest.raises(dm.OptionError, match=match):
        dm.estimate_noise(lambda x: x, 1.0, **kwargs)


# --- finite differences told the noise -------------------------------------------------------
SWEEP_FUNCTIONS = {"exp": (np.exp, 1.0), "sin": (lambda x: np.sin(x) + 2.0, 0.7),
                   "cubic": (lambda x: x**3 + 1.0, 1.3)}


def test_with_noise_the_forward_error_is_within_3x_of_the_best_over_a_161_step_sweep():
    """The sweep's best error is the level it reliably reaches around its best step (a single
    grid point can be lucky: noise cancels to any accuracy now and then)."""
    ratios = []
    for f0, x in SWEEP_FUNCTIONS.values():
        for level in LEVELS:
            for seed in range(5):
                f = with_noise(f0, level, seed=seed)
                rows = dm.epsilon_sweep(f, x, schemes=["forward"])
                assert len(rows) == 161
                best = dm.sweep_summary(rows)[0]["observed_level"]
                r = dm.differentiate(f, x, method="finite", scheme="forward",
                                     noise=level * abs(f0(x)))
                ratios.append(abs(r.flat_gradient[0] - rows[0]["derivative"]) / best)
                assert r.details["expected_error"][0] > 0
    ratios = np.array(ratios)
    assert np.mean(ratios <= 3) >= 0.9, ratios
    assert np.median(ratios) <= 1.5, ratios


def test_the_noise_step_follows_the_formulas_and_reports_its_expected_error():
    f = with_noise(np.exp, 1e-9, seed=3)
    eps_f = 1e-9 * math.e
    forward = dm.differentiate(f, 1.0, method="finite", scheme="forward", noise=eps_f)
    central = dm.differentiate(f, 1.0, method="finite", scheme="central", noise=eps_f)
    # h = 2 sqrt(eps_f / |f''|) and (3 eps_f / |f'''|)^(1/3), f'' = f''' = e, up to the
    # estimate of f'' / f''' and round-off in R
    assert forward.details["steps"][0] == pytest.approx(2 * math.sqrt(eps_f / math.e), rel=0.05)
    assert central.details["steps"][0] == pytest.approx((3 * eps_f / math.e) ** (1 / 3),
                                                        rel=0.05)
    assert forward.details["curvature_trusted"].all() and central.details["noise"] == eps_f
    for r in (forward, central):
        actual = abs(r.flat_gradient[0] - math.e)
        assert actual < 5 * r.details["expected_error"][0]
    default = dm.gradient(f, 1.0, method="finite", scheme="forward")
    assert abs(default[0] - math.e) > 100 * abs(forward.flat_gradient[0] - math.e)


def test_noise_estimate_runs_ecnoise_first_and_counts_its_calls():
    f = with_noise(np.exp, 1e-9, seed=4)
    r = dm.differentiate(f, 1.0, method="finite", scheme="forward", noise="estimate")
    assert r.details["noise_estimate"].confident
    assert 1e-9 * math.e / 3 < r.details["noise"] < 3e-9 * math.e
    assert r.f_calls == 1 + r.details["noise_estimate"].evaluations + 2 + 1  # f(x), f'' and 1
    assert abs(r.flat_gradient[0] - math.e) < 1e-3


@pytest.mark.parametrize("scheme, calls", [("central", 2 * 3 + 1), ("forward", 3 + 1)])
def test_the_default_path_makes_no_extra_calls_and_gives_no_warning(scheme, calls):
    f = with_noise(lambda x, y, z: np.exp(x) + y * z, 1e-9)
    r, caught = noise_warnings(lambda: dm.differentiate(f, (1.0, 2.0, 3.0), method="finite",
                                                        scheme=scheme))
    assert r.f_calls == calls and not caught and "noise" not in r.details


def test_the_warning_fires_when_noise_ruins_the_step():
    f = with_noise(np.exp, 1e-9, seed=5)
    checked, caught = noise_warnings(
        lambda: dm.differentiate(f, 1.0, method="finite", scheme="forward", noise="check"))
    assert len(caught) == 1 and "noise-balancing step" in str(caught[0].message)
    # the check keeps the default step: same estimate as the plain call
    assert checked.flat_gradient[0] == dm.gradient(f, 1.0, method="finite", scheme="forward")[0]
    _, caught = noise_warnings(
        lambda: dm.gradient(f, 1.0, method="finite", step=1e-9, noise=1e-9 * math.e))
    assert len(caught) == 1 and "the step you gave" in str(caught[0].message)


@pytest.mark.parametrize("f, point", [(np.exp, 1.0), (SCENARIOS["rosenbrock2"].f, (-1.2, 1.0)),
                                      (SCENARIOS["sweep"].f, 1.5)])
@pytest.mark.parametrize("scheme", ["forward", "central"])
def test_the_warning_stays_quiet_on_a_smooth_function(f, point, scheme):
    _, caught = noise_warnings(
        lambda: dm.gradient(f, point, method="finite", scheme=scheme, noise="check"))
    assert not caught, [str(w.message) for w in caught]


def test_an_unestimable_noise_warns_and_keeps_the_step():
    r, caught = noise_warnings(lambda: dm.differentiate(lambda x: 5.0, 1.0, method="finite",
                                                        noise="estimate"))
    assert len(caught) == 1 and "could not be estimated" in str(caught[0].message)
    assert math.isnan(r.details["noise"]) and r.details["expected_error"] is None


@pytest.mark.parametrize("bad", ["lots", -1.0, float("nan"), "1e-9x", True])
def test_a_bad_noise_option_is_an_option_error(bad):
    with pytest.raises(dm.OptionError, match="noise"):
        dm.gradient(np.exp, 1.0, method="finite", noise=bad)


def test_the_noise_option_is_declared_and_read_from_text():
    option = dm.declaration("finite").option("noise")
    assert option.default is None
    assert option.read("1e-9", "finite") == 1e-9 and option.read("estimate", "finite") == \
        "estimate"
    with pytest.raises(dm.OptionError):
        option.read("often", "finite")


# --- the sweep's model -----------------------------------------------------------------------
def test_the_sweep_with_noise_predicts_the_observed_best_step():
    f = with_noise(np.exp, 1e-9, seed=0)
    plain = {r["series"]: r for r in dm.sweep_summary(dm.epsilon_sweep(f, 1.0, methods=[]))}
    for noise in (1e-9 * math.e, "estimate"):
        rows = dm.epsilon_sweep(f, 1.0, methods=[], noise=noise)
        assert all(r["noise"] > 0 for r in rows)
        for r in dm.sweep_summary(rows):
            assert 0.1 <= r["ratio"] <= 10, (noise, r["series"], r["ratio"])
    # without the noise term the round-off model misses by far (the issue: ~1900x)
    assert plain["forward"]["ratio"] > 100 and plain["central"]["ratio"] > 10


def test_the_sweep_refuses_a_bad_noise():
    with pytest.raises(dm.OptionError, match="noise"):
        dm.epsilon_sweep(np.exp, 1.0, methods=[], noise="check")
    with pytest.raises(dm.OptionError, match="noise"):
        dm.epsilon_sweep(np.exp, 1.0, methods=[], noise=-1)


# --- noisy functions: the wrapper, the catalogue, the CLI ------------------------------------
def test_the_noise_is_reproducible_per_point_and_absent_for_traced_values():
    f = with_noise(np.exp, 1e-3, seed=7)
    assert f(1.0) == f(1.0) and f(1.0) != f(1.0 + 1e-12) and f(1.0) != np.exp(1.0)
    assert standard_normal_at([1.0], 7) != standard_normal_at([1.0], 8)
    assert dm.gradient(f, 1.0, method="forward")[0] == dm.gradient(np.exp, 1.0,
                                                                   method="forward")[0]
    assert with_noise(np.exp, 0.0)(1.0) == np.exp(1.0)
    with pytest.raises(dm.OptionError):
        with_noise(np.exp, -1e-9)


def test_the_noisy_catalogue_entry_has_the_noise_free_reference():
    s = SCENARIOS["noisy_exp"]
    assert "noisy" in s.tags
    ref = reference_gradient(s.f, s.point)
    assert ref.available and float(ref.gradient[0]) == pytest.approx(math.e, rel=1e-15)
    assert dm.gradient(s.f, s.point, method="manual")[0] == pytest.approx(math.e, rel=1e-15)
    assert abs(s.f(s.point) / math.e - 1) < 10 * NOISY_EXP_LEVEL and s.f(1.0) != math.e
    r = dm.estimate_noise(s.f, s.point)
    assert r.confident and NOISY_EXP_LEVEL / 3 < r.relative < 3 * NOISY_EXP_LEVEL


@pytest.mark.parametrize("command", [["sweep", "exp(x)", "--at", "1", "--quiet"],
                                     ["compare", "exp(x)", "--at", "1", "--repeat", "1",
                                      "--format", "json"]])
def test_cli_noise_is_reproducible(command, capsys):
    outputs = []
    for extra in (["--noise", "1e-9"], ["--noise", "1e-9"], []):
        assert main(command + extra) == 0
        outputs.append(capsys.readouterr().out)
    if command[0] == "compare":  # the timings vary: compare the gradients only
        import json
        outputs = [[r["gradient"] for r in json.loads(o)] for o in outputs]
    assert outputs[0] == outputs[1] and outputs[0] != outputs[2]


def test_cli_sweep_noise_changes_the_prediction(capsys):
    assert main(["sweep", "exp(x)", "--at", "1", "--quiet", "--schemes", "forward"]) == 0
    plain = capsys.readouterr().out
    assert main(["sweep", "exp(x)", "--at", "1", "--quiet", "--schemes", "forward",
                 "--noise", "1e-9"]) == 0
    noisy = capsys.readouterr().out
    assert "1 + 1e-09 N(0,1)" in noisy and "2.1e-08" in plain and "6.3e-05" in noisy


@pytest.mark.parametrize("bad", ["abc", "2", "-1e-9", "nan"])
def test_cli_bad_noise_is_one_line_and_exit_2(bad, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["sweep", "exp(x)", "--at", "1", "--noise", bad])
    assert raised.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--noise" in err
