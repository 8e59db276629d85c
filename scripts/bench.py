"""Benchmarks for the performance goals, printed as ratios measured within one run.

Machines here are shared and noisy, so absolute times are not comparable between runs; every
goal is a ratio of two timings taken in the same run, each the median of several interleaved
repeats (variant A, variant B, A, B, ...), so a burst of load hits both sides alike.

    python scripts/bench.py            # every goal (a few minutes)
    python scripts/bench.py --quick    # smaller sizes and fewer repeats (under a minute)

Uses the standard library and numpy only. autograd or PyTorch are timed beside diffmethods
only when they happen to be installed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np

import diffmethods as dm
from diffmethods.catalogue import SCENARIOS


# --- timing ---------------------------------------------------------------------------------
def interleaved(variants: dict, repeats: int, min_time: float = 0.002) -> dict:
    """Median seconds per call of each variant, the variants interleaved in every repeat.
    Each sample loops a variant enough times to last ``min_time``."""
    loops = {}
    for name, fn in variants.items():  # calibrate (also warms up caches)
        fn()
        n, t = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            t = time.perf_counter() - start
            if t >= min_time or n >= 1 << 20:
                break
            n *= 2
        loops[name] = n
    samples = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def row(goal, measured, target, ok, note=""):
    mark = "ok" if ok else "MISSED"
    print(f"  {goal:<58} {measured:>12}   goal {target:<10} {mark:>6}  {note}")
    RESULTS.append({"goal": goal, "measured": measured, "target": target, "ok": bool(ok),
                    "note": note})


RESULTS: list = []


# --- the workloads ----------------------------------------------------------------------------
def rosenbrock_loop(*x):
    """Scalar-loop Rosenbrock: 8 elementary operations per term."""
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return total


def rosenbrock_loop_array(x):
    """The same loop, indexing one array argument."""
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100 * (x[i + 1] - x[i]**2)**2 + (1 - x[i])**2
    return total


def array_max(x):
    """np.max of the whole array: one node for the symbolic method (diffmethods.symmax)."""
    return np.max(x)


def sin_f(x):
    return np.sum(np.sin(x) * x**2)


def sin_hand(x):
    """value and gradient by hand, plain numpy (the floor for unfused numpy)"""
    s = np.sin(x)
    return np.sum(s * x**2), np.cos(x) * x**2 + 2 * x * s


def rosen_f(x):
    return np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)


def rosen_hand(x):
    a, b = x[:-1], x[1:]
    d = b - a**2
    e = 1 - a
    g = np.zeros_like(x)
    g[:-1] = -400 * a * d - 2 * e
    g[1:] += 200 * d
    return np.sum(100 * d**2 + e**2), g


def logistic_data(m, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)) / math.sqrt(n), rng.choice([-1.0, 1.0], size=m)


def logistic(m, n, seed=0):
    A, y = logistic_data(m, n, seed)

    def f(w):
        return np.mean(np.log(1 + np.exp(-y * (A @ w))))

    def hand(w):
        z = -y * (A @ w)
        ez = np.exp(z)
        return np.mean(np.log(1 + ez)), A.T @ (-y * ez / (1 + ez)) / m
    return f, hand


# --- the goals --------------------------------------------------------------------------------
def goal_scalar_tape(quick):
    print("1. scalar tape: reverse gradient of the scalar-loop Rosenbrock (GC on)")
    print("   (the ratio to plain-float f is the goal: absolute microseconds drift with the "
          "machine's load)")
    sizes = (10, 100, 1000) if quick else (10, 100, 1000, 10000)
    ratio = {}
    for n in sizes:
        xs = list(np.resize([-1.2, 1.0], n).astype(float))
        xa = np.array(xs)
        ops = dm.differentiate(rosenbrock_loop, xs, method="reverse").ops
        t = interleaved({
            "floats": lambda: rosenbrock_loop(*xs),
            "list": lambda: dm.differentiate(rosenbrock_loop, xs, method="reverse"),
            "array": lambda: dm.differentiate(rosenbrock_loop_array, xa, method="reverse"),
        }, repeats=5 if quick else 9)
        for kind in ("list", "array"):
            ratio[(kind, n)] = t[kind] / t["floats"]
            us, plain = t[kind] / ops * 1e6, t["floats"] / ops * 1e6
            row(f"n={n:<6} {kind} inputs: gradient / plain-float f ({ops} ops)",
                f"{ratio[(kind, n)]:.1f}", "<= 45", ratio[(kind, n)] <= 45,
                f"{us:.2f} us/op here, plain floats {plain:.3f} us/op (the issue's machine: "
                f"0.023; 1.0 us/op there = 45x)")
    for kind in ("list", "array"):
        flat = ratio[(kind, sizes[-1])] / ratio[(kind, sizes[1])]
        row(f"{kind} inputs: cost per op at n={sizes[-1]} / at n={sizes[1]} (as ratios to f)",
            f"{flat:.2f}", "flat (<1.5)", flat < 1.5)


def mlp(batch=1000, sizes=(784, 128, 10), seed=0):
    """A two-layer network (tanh hidden layer, mean squared error) and its hand-written
    backprop: f(W1, b1, W2, b2, X, Y), gradients for the first four arguments."""
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    point = (rng.normal(size=(n_hidden, n_in)) / np.sqrt(n_in), np.zeros(n_hidden),
             rng.normal(size=(n_out, n_hidden)) / np.sqrt(n_hidden), np.zeros(n_out),
             rng.normal(size=(batch, n_in)), np.eye(n_out)[rng.integers(0, n_out, batch)])

    def f(W1, b1, W2, b2, X, Y):
        h = np.tanh(X @ W1.T + b1)
        return np.mean((h @ W2.T + b2 - Y) ** 2)

    def hand(W1, b1, W2, b2, X, Y):
        h = np.tanh(X @ W1.T + b1)
        r = h @ W2.T + b2 - Y
        d_out = (2.0 / r.size) * r
        dz = (d_out @ W2) * (1.0 - h * h)
        return np.mean(r * r), (dz.T @ X, dz.sum(axis=0), d_out.T @ h, d_out.sum(axis=0))
    return f, hand, point


def attention(b=8, q=64, k=64, d=32, shifted=False, seed=0):
    """Attention scores written with einsum, a softmax over the keys, contracted with the
    values, and a scalar loss: f(Q, K, V), and its hand-written gradient (plain numpy, matmul).
    ``shifted``: the softmax subtracts each row's max first, as numerically careful code does
    (it changes no value here: the scores are of order 1)."""
    rng = np.random.default_rng(seed)
    point = (rng.normal(size=(b, q, d)), rng.normal(size=(b, k, d)), rng.normal(size=(b, k, d)))
    c = 1.0 / math.sqrt(d)

    def f(Q, K, V):
        s = np.einsum("bqd,bkd->bqk", Q, K) * c
        e = np.exp(s - np.max(s, axis=-1, keepdims=True) if shifted else s)
        p = e / np.sum(e, axis=-1, keepdims=True)
        return np.mean(np.einsum("bqk,bkd->bqd", p, V) ** 2)

    def hand(Q, K, V):
        s = (Q @ K.transpose(0, 2, 1)) * c
        e = np.exp(s - s.max(axis=-1, keepdims=True) if shifted else s)
        p = e / e.sum(axis=-1, keepdims=True)
        o = p @ V
        d_o = (2.0 / o.size) * o
        d_v = p.transpose(0, 2, 1) @ d_o
        d_p = d_o @ V.transpose(0, 2, 1)
        d_s = p * (d_p - np.sum(d_p * p, axis=-1, keepdims=True)) * c  # softmax's Jacobian
        return np.mean(o * o), (d_s @ K, d_s.transpose(0, 2, 1) @ Q, d_v)
    return f, hand, point


ARRAY_WORKLOADS = ("sin", "rosenbrock", "logistic")


def _array_workload(name: str, n: int, m: int | None = None):
    """(label, f, hand-written value+gradient, point, argnums) of one array workload."""
    if name.startswith("gp"):  # the catalogue's Gaussian process on m data points
        from diffmethods.catalogue import gaussian_process
        form = "slogdet" if name == "gp-slogdet" else "cholesky"
        f, hand = gaussian_process(m, form=form)
        how = "np.linalg.solve + slogdet" if form == "slogdet" else "cholesky + 2 solves"
        return f"GP likelihood, {m} points ({how})", f, hand, (0.3, -1.2), None
    if name == "mlp":
        f, hand, point = mlp()
        return "two-layer network 784-128-10, batch 1000", f, hand, point, (0, 1, 2, 3)
    if name.startswith("attention"):
        shifted = name == "attention-shifted"
        q, d = (128, 64) if name == "attention-large" else (64, 32)
        f, hand, point = attention(q=q, k=q, d=d, shifted=shifted)
        return (f"einsum attention b=8 q=k={q} d={d}, softmax{' - max' if shifted else ''}, "
                "@ V", f, hand, point, (0, 1, 2))
    x = np.linspace(-1.2, 1.4, n)
    if name == "sin":
        return "sum(sin(x)*x**2)", sin_f, sin_hand, x, None
    if name == "rosenbrock":
        return "vectorised Rosenbrock", rosen_f, rosen_hand, x, None
    m = m or max(1, 10**7 // n)
    log_f, log_hand = logistic(m, n)
    return f"logistic, A {m}x{n}", log_f, log_hand, np.linspace(-0.5, 0.5, n), None


def time_array_workload(name: str, n: int, m: int | None, repeats: int) -> dict:
    """Median seconds of f, the hand-written gradient and dm.gradient, interleaved."""
    label, f, hand, point, argnums = _array_workload(name, n, m)
    args = point if isinstance(point, tuple) else (point,)
    check = dm.differentiate(f, point, argnums=argnums).flat_gradient
    by_hand = hand(*args)[1]
    by_hand = np.concatenate([np.ravel(g) for g in by_hand]) if argnums else np.ravel(by_hand)
    assert np.allclose(check, by_hand, rtol=1e-9, atol=1e-12), label
    t = interleaved({"f": lambda: f(*args), "hand": lambda: hand(*args),
                     "reverse": lambda: dm.gradient(f, point, argnums=argnums)},
                    repeats=repeats)
    if name.startswith("attention"):  # what a gradient call costs on this point by itself
        def floor(*xs):
            return sum(np.sum(x) for x in xs)
        fixed = interleaved({"hand": lambda: hand(*args),
                             "floor": lambda: dm.gradient(floor, point, argnums=argnums)},
                            repeats=repeats)
        t["floor_over_hand"] = fixed["floor"] / fixed["hand"]
    return dict(t, label=label)


def _in_fresh_process(name, n, m, repeats) -> dict:
    """Time one workload in a new Python process. Large arrays leave the memory allocator in
    a state (how much freed memory it keeps, where it maps new arrays) that changes the next
    workload's timings by 2x either way; a fresh process gives every workload the same
    start, and the ratio is still measured inside one run."""
    out = subprocess.run([sys.executable, __file__, "--workload", f"{name},{n},{m or 0},"
                          f"{repeats}"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def goal_array_tape(quick):
    print("2. array tape: reverse gradient / hand-written numpy value+gradient "
          "(each workload in a fresh process)")
    sizes = (10**5,) if quick else (10**5, 10**6)
    cases = [(name, n, None) for n in sizes for name in ARRAY_WORKLOADS]
    cases += [("gp", 0, 500), ("gp-slogdet", 0, 500)]  # n = 0, m = 500 data points
    if not quick:
        cases.append(("logistic", 1000, 1000))
    cases.append(("mlp", 0, None))
    cases += [("attention", 0, None), ("attention-shifted", 0, None),
              ("attention-large", 0, None)]
    for name, n, m in cases:
        t = _in_fresh_process(name, n, m, 5 if quick else 9)
        ratio = t["reverse"] / t["hand"]
        note = f"hand/f = {t['hand'] / t['f']:.2f}, reverse/f = {t['reverse'] / t['f']:.2f}"
        if m == 1000:
            note += " (autograd 2.9, PyTorch 3.5)"
        if "floor_over_hand" in t:
            note += (f"; a gradient of sum(Q)+sum(K)+sum(V) at this point alone = "
                     f"{t['floor_over_hand']:.2f} x hand")
        if name == "attention-shifted":  # the row max is np.max along an axis, reduced
            row(f"{t['label']}", f"{ratio:.2f}", "(info)", True,  # pairwise on the tape
                note + "; the max along an axis is a pairwise reduction on the tape")
            continue
        if name == "attention-large":  # the same program with 8x the arithmetic per array
            row(f"{t['label']}", f"{ratio:.2f}", "(info)", True, note)
            continue
        size = f"n={n:.0e} " if n else ""
        row(f"{size}{t['label']}", f"{ratio:.2f}", "<= 1.6", ratio <= 1.6, note)


def goal_forward_blocks(quick):
    print("3. forward mode with blocks of tangents, n = 1000: forward time / reverse time")
    n = 1000
    x = np.linspace(-1.2, 1.4, n)
    log_f, _ = logistic(1000, n)
    for name, f in (("sum(sin(x)*x**2)", sin_f), ("vectorised Rosenbrock", rosen_f),
                    ("logistic 1000x1000", log_f)):
        r = dm.differentiate(f, x, method="forward")
        t = interleaved({"forward": lambda: dm.gradient(f, x, method="forward"),
                         "reverse": lambda: dm.gradient(f, x)}, repeats=3 if quick else 7)
        ratio = t["forward"] / t["reverse"]
        row(f"{name}", f"{ratio:.1f}", "<= 20", ratio <= 20,
            f"{r.passes} passes of k={r.details['chunk']} (ceil(n/k) = "
            f"{math.ceil(n / r.details['chunk'])})")


def goal_symbolic(quick):
    print("4. symbolic: cached gradient call / plain f; one-off derivation time")
    n = 200
    xs = tuple(np.resize([-1.2, 1.0], n).astype(float))
    dm.clear_symbolic_cache()
    start = time.perf_counter()
    r = dm.differentiate(rosenbrock_loop, xs, method="symbolic")
    derive = time.perf_counter() - start
    row(f"derive + compile, loop Rosenbrock n={n}", f"{derive:.2f} s", "< 10 s", derive < 10,
        f"sympy.diff {r.details['derive_seconds']:.2f} s, lambdify "
        f"{r.details['compile_seconds']:.2f} s")
    t = interleaved({"f": lambda: rosenbrock_loop(*xs),
                     "symbolic": lambda: dm.gradient(rosenbrock_loop, xs, method="symbolic")},
                    repeats=5 if quick else 9)
    ratio = t["symbolic"] / t["f"]
    row(f"cached symbolic gradient / plain f, n={n}", f"{ratio:.2f}", "<= 2", ratio <= 2)
    x = np.random.default_rng(0).normal(size=1000)
    totals, derives = [], []
    for _ in range(3):  # fresh derivations: the median, since a shared machine is noisy
        dm.clear_symbolic_cache()
        start = time.perf_counter()
        r = dm.differentiate(array_max, x, method="symbolic")
        totals.append(time.perf_counter() - start)
        derives.append(r.details["derive_seconds"])
    total = statistics.median(totals)
    row("derive + compile, np.max of 1000 elements", f"{total:.2f} s", "< 2 s", total < 2,
        f"sympy.diff {statistics.median(derives):.2f} s; fastest of 3 {min(totals):.2f} s")
    seed = SCENARIOS["seed"].f
    t = interleaved({"f": lambda: seed(2.0, 3.0, 4.0),
                     "symbolic": lambda: dm.gradient(seed, (2.0, 3.0, 4.0), method="symbolic")},
                    repeats=5 if quick else 9)
    row("cached symbolic gradient / plain f, the seed (n=3)", f"{t['symbolic'] / t['f']:.1f}",
        "(info)", True, "dominated by the fixed cost of a dm.gradient call")


MEMORY_CHILD = textwrap.dedent("""
    import sys, numpy as np, diffmethods as dm
    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) / 1024  # kB -> MB
    n = int(sys.argv[1])
    x = np.linspace(-1.2, 1.4, n)
    def rosen_f(x):
        return np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as fh:  # reset the peak (VmHWM) to the current RSS
        fh.write("5")
    g = dm.gradient(rosen_f, x)
    print(before, status("VmHWM"))
""")


def goal_memory(quick):
    print("5. memory: peak resident memory of a reverse gradient, vectorised Rosenbrock n=1e6")
    n = 10**6
    out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(n)], capture_output=True,
                         text=True, check=True).stdout.split()
    before, peak = (float(v) for v in out)
    row("peak RSS of the whole process during the gradient", f"{peak:.0f} MB", "< 400 MB",
        peak < 400, f"{before:.0f} MB before it (Python, numpy, x = 8 MB); the gradient added "
        f"{peak - before:.0f} MB at its peak")


def goal_finite_copies(quick):
    print("6. finite differences on arrays: copies of the point per call")
    import tracemalloc
    n = 20_000 if quick else 100_000
    x = np.linspace(-1.0, 1.0, n)
    seen, memory = set(), []  # memory: [at the first bump, most at any later bump]

    def f(v):
        seen.add(id(v))
        now = tracemalloc.get_traced_memory()[0]
        if memory:
            memory[1] = max(memory[1], now)
        elif calls[0]:  # the first call computes f(x) itself; bumps start with the second
            memory.extend([now, now])
        calls[0] += 1
        return v[0] * v[-1]

    calls = [0]

    tracemalloc.start()
    dm.gradient(f, x, method="finite", scheme="forward")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    growth = (memory[1] - memory[0]) / x.nbytes
    row(f"memory growth over {n} bumps / size of the point", f"{growth:.3f}", "~0", growth < 0.1,
        f"f saw {len(seen)} array object(s); whole-call peak {peak / x.nbytes:.1f}x the point "
        "(its copy, the steps, the gradient)")


def goal_compiled(quick):
    print("7. compiled: the gradient as a generated program (dm.compile), run without re-tracing")
    n = 1000
    xs = list(np.resize([-1.2, 1.0], n).astype(float))
    xa = np.array(xs)
    prog = dm.compile(rosenbrock_loop_array, xa)
    t = interleaved({"floats": lambda: rosenbrock_loop(*xs), "compiled": lambda: prog(xa)},
                    repeats=5 if quick else 9)
    ratio = t["compiled"] / t["floats"]
    row(f"loop Rosenbrock n={n}: compiled gradient / plain-float f", f"{ratio:.1f}", "<= 5",
        ratio <= 5, f"{prog._last.lines} lines")
    first, tape = [], []
    for _ in range(3 if quick else 5):  # one-off costs: a few single runs, interleaved
        start = time.perf_counter()
        dm.compile(rosenbrock_loop_array, xa)(xa)
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        dm.differentiate(rosenbrock_loop_array, xa, method="reverse")
        tape.append(time.perf_counter() - start)
    first, tape = statistics.median(first), statistics.median(tape)
    row(f"first call (record + write + compile + run) / one tape gradient, n={n}",
        f"{first / tape:.1f}", "<= 20", first / tape <= 20, f"{first:.2f} s (goal <= 1 s)")
    f, hand = logistic(1000, 20)
    w = np.random.default_rng(1).normal(size=20)
    prog = dm.compile(f, w)
    t = interleaved({"hand": lambda: hand(w), "compiled": lambda: prog(w)},
                    repeats=5 if quick else 9)
    row("logistic loss 1000x20: compiled gradient / hand-written numpy",
        f"{t['compiled'] / t['hand']:.2f}", "<= 1.5", t["compiled"] / t["hand"] <= 1.5,
        f"{t['compiled'] * 1e6:.1f} us")
    f, hand, point = mlp(batch=1000)
    prog = dm.compile(f, point, argnums=(0, 1, 2, 3))
    t = interleaved({"hand": lambda: hand(*point), "compiled": lambda: prog(*point)},
                    repeats=3 if quick else 7)
    row("two-layer network, batch 1000: compiled gradient / hand-written backprop",
        f"{t['compiled'] / t['hand']:.2f}", "<= 1.2", t["compiled"] / t["hand"] <= 1.2,
        f"{t['compiled'] * 1e3:.2f} ms")
    from diffmethods.teaching.descent import gradient_descent, line_data, make_cost
    cost = make_cost(*line_data())
    steps = 200

    def descend(method):
        return lambda: gradient_descent(cost, (0.0, 0.0), method, {}, 0.3, steps, method)
    t = interleaved({"reverse": descend("reverse"), "compiled": descend("compiled")},
                    repeats=3 if quick else 5)
    ratio = t["compiled"] / t["reverse"]
    row(f"descent demo, {steps} steps: compiled / reverse tape", f"{ratio:.2f}", "<= 0.2",
        ratio <= 0.2, f"{t['compiled'] * 1e3:.1f} ms against {t['reverse'] * 1e3:.1f} ms")


def goal_compare_at_scale(quick):
    print("8. dm.compare with every method on the catalogue's functions at scale (wall time)")
    from diffmethods.catalogue_scale import SCALE_SCENARIOS
    for name in ("logistic_1000x20", "two_layer_network"):
        s = SCALE_SCENARIOS[name]
        start = time.perf_counter()
        rows = dm.compare(s.f, s.point, repeat=1 if quick else 3, progress=lambda label: None)
        seconds = time.perf_counter() - start
        skipped = [f"{r['method']}: {r['note']}" for r in rows if r["status"] != "ok"]
        row(f"{name}: all {len(rows)} methods, scored or skipped", f"{seconds:.1f} s",
            "<= 10 s", seconds <= 10,
            f"reference: {rows[0]['reference']['kind']}"
            + (f"; skipped {'; '.join(skipped)}" if skipped else ""))


def _peer_autograd():
    """(name, scalar-loop gradient factory, array gradient factory) for HIPS autograd."""
    import autograd
    import autograd.numpy as anp

    def loop(n):
        xs = np.resize([-1.2, 1.0], n).astype(float)
        g = autograd.grad(lambda x: rosenbrock_loop(*[x[i] for i in range(len(x))]))
        return lambda: g(xs)

    def arrays(name, n):
        A, y = logistic_data(max(1, 10**7 // n), n)
        fns = {"sin": lambda x: anp.sum(anp.sin(x) * x**2),
               "rosenbrock": lambda x: anp.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2),
               "logistic": lambda w: anp.mean(anp.log(1 + anp.exp(-y * anp.dot(A, w))))}
        x = np.linspace(-0.5, 0.5, n) if name == "logistic" else np.linspace(-1.2, 1.4, n)
        g = autograd.grad(fns[name])
        return lambda: g(x)
    return "autograd", loop, arrays


def _peer_torch():
    import torch

    def loop(n):
        xs = np.resize([-1.2, 1.0], n).astype(float)

        def run():
            x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in xs]
            rosenbrock_loop(*x).backward()
            return [v.grad for v in x]
        return run

    def arrays(name, n):
        A, y = (torch.tensor(v) for v in logistic_data(max(1, 10**7 // n), n))
        fns = {"sin": lambda x: torch.sum(torch.sin(x) * x**2),
               "rosenbrock": lambda x: torch.sum(100 * (x[1:] - x[:-1]**2)**2
                                                 + (1 - x[:-1])**2),
               "logistic": lambda w: torch.mean(torch.log(1 + torch.exp(-y * (A @ w))))}
        x0 = torch.tensor(np.linspace(-0.5, 0.5, n) if name == "logistic"
                          else np.linspace(-1.2, 1.4, n))

        def run():
            x = x0.clone().requires_grad_(True)
            fns[name](x).backward()
            return x.grad
        return run
    return "PyTorch", loop, arrays


def peers(quick):
    """Time installed peers beside diffmethods in this run (never required)."""
    print("peers (timed only when installed):")
    found = []
    for make in (_peer_autograd, _peer_torch):
        try:
            found.append(make())
        except ImportError:
            continue
    if not found:
        print("  none installed (autograd, PyTorch)")
        return
    n = 100 if quick else 1000
    xs = list(np.resize([-1.2, 1.0], n).astype(float))
    ops = 8 * (n - 1)
    for name, loop, arrays in found:
        t = interleaved({"floats": lambda: rosenbrock_loop(*xs),
                         "diffmethods": lambda: dm.gradient(rosenbrock_loop, xs),
                         name: loop(n)}, repeats=3 if quick else 5)
        row(f"scalar loop Rosenbrock n={n}: {name} / plain-float f", f"{t[name] / t['floats']:.1f}",
            "(info)", True, f"diffmethods {t['diffmethods'] / t['floats']:.1f}; "
            f"{t[name] / ops * 1e6:.2f} vs {t['diffmethods'] / ops * 1e6:.2f} us/op")
        size = 10**5 if quick else 10**6
        for workload in ARRAY_WORKLOADS:
            peer = arrays(workload, size)
            label, f, hand, point, _ = _array_workload(workload, size)
            t = interleaved({"hand": lambda: hand(point), "diffmethods": lambda: dm.gradient(f, point),
                             name: peer}, repeats=3 if quick else 5)
            row(f"n={size:.0e} {label}: {name} / hand-written", f"{t[name] / t['hand']:.2f}",
                "(info)", True, f"diffmethods {t['diffmethods'] / t['hand']:.2f} in the same run")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--only", help="comma-separated goal numbers to run, e.g. 1,2")
    parser.add_argument("--workload", help=argparse.SUPPRESS)  # internal: name,n,m,repeats
    args = parser.parse_args(argv)
    if args.workload:
        name, n, m, repeats = args.workload.split(",")
        print(json.dumps(time_array_workload(name, int(n), int(m) or None, int(repeats))))
        return 0
    gc.enable()
    print(f"diffmethods {dm.__version__} on {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}; "
          f"{'quick' if args.quick else 'full'} run")
    goals = [goal_scalar_tape, goal_array_tape, goal_forward_blocks, goal_symbolic,
             goal_memory, goal_finite_copies, goal_compiled, goal_compare_at_scale]
    chosen = range(1, len(goals) + 1) if not args.only else [int(g) for g in args.only.split(",")]
    start = time.perf_counter()
    for number in chosen:
        goals[number - 1](args.quick)
    peers(args.quick)
    print(f"({time.perf_counter() - start:.0f} s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(RESULTS, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
