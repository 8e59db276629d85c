"""Fault suite (c): the command line as a hostile or careless user types it.

Every case below must be refused: exit code not 0, exactly one line on stderr, no traceback,
no running out of memory, within 5 s of CPU time and 200 MB. The cases run in one worker
process (one import for all of them) that calls ``diffmethods.cli.main`` in-process under
those limits: an address-space-independent data limit (RLIMIT_DATA) and a CPU-time alarm per
case. A wall-clock timeout only kills a worker that hangs; nothing measured decides a test.
The few cases that used to exhaust memory or time also run as the real console command, in a
subprocess under RLIMIT_CPU and RLIMIT_DATA.
"""

import json
import os
import resource
import subprocess
import sys

import pytest

CPU_SECONDS = 5
MEMORY_BYTES = 200 * 2**20
HANG_KILL_SECONDS = 600     # only a hung worker is ever this slow

AT = ["--at", "1"]
CHEAP = ["--methods", "reverse", "--repeat", "1"]


def expressions() -> list[list[str]]:
    texts = [
        # injection and anything that is not a formula
        "__import__('os').system('true')", "__import__", "__builtins__", "x.__class__",
        "().__class__.__bases__", "[].__class__.__mro__", "x.real", "x[0]", "lambda: 1",
        "(lambda x: x)(1)", "[x for x in (1,)]", "{x for x in (1,)}", "(x for x in (1,))",
        "(x := 3)", "f'{x}'", "'x'", "b'x'", "...", "None", "True * x", "1j * x",
        "x if x else 1", "x < 1", "x and 1", "not x", "~x", "x // 2", "x % 2", "x @ x",
        "x << 1", "x & 1", "x | 1", "x ^ 1", "[x]", "(x, x)", "{x: 1}", "{x}",
        "open('/etc/passwd')", "eval('1')", "exec('1')", "getattr(x, 'real')", "globals()",
        "print(x)", "type(x)", "sin.__call__(x)", "sin(x=1)", "sin(*x)", "sin()",
        "sin(x, x)", "foo(x)", "sin", "exp + 1", "pi(x)", "x; x", "x\nx", "x,", "()",
        "x\0", "#x", "", "   ", "x +", "((x)", "x))",
        # numbers written other ways, names in other scripts
        "1_000 * x", "0x10 * x", "0o7 * x", "0b1 * x", "π * x", "x١", "ｘ", "x²", "√x",
        "x\u200b",
        # too large, too deep, too long, too many variables
        "9**9**9", "x**(10**10)", "10**400 * x", "1e309 * x", "9" * 500 + " * x",
        "-(" * 100 + "x" + ")" * 100, "(" * 200 + "x", "sin(" * 100 + "x" + ")" * 100,
        "x" + " + x" * 2000,
        "x1*x99999999", "x1*x" + "9" * 4500, "x0 + x10000",
        "x + x1",  # two naming styles
    ]
    return [["compare", t] + AT + CHEAP for t in texts]


def points() -> list[list[str]]:
    bad = ["", " ", ",", "1,", "1,,2", "a", "nan", "-nan", "inf", "-inf", "1e400", "1_000",
           "١٢", "０", "0x1", "1.2.3", "1;2", "[1]", "(1)", "1 2", "½", "1,2", "1,2,3",
           ",".join(["1"] * 100_001)]
    return ([["compare", "x", "--at", p] + CHEAP for p in bad]
            + [["compare", "seed", "--at", "1,2"], ["compare", "x**2"]])


def options() -> list[list[str]]:
    counts = [(["compare", "x"] + AT, "--repeat"), (["compare", "x"] + AT, "--chunk"),
              (["sweep", "x"] + AT, "--points"), (["scaling", "sum_sin"], "--repeat"),
              (["descent"], "--iterations")]
    cases = [before + [option, value] for before, option in counts
             for value in ("0", "-1", "1e8", "100000000", "9" * 400, "1_0", "٣", "2.5", "",
                           "nan")]
    reals = [(["compare", "x"] + AT + CHEAP + ["--methods", "finite"], "--step"),
             (["explain", "x"] + AT, "--rel-step"), (["descent"], "--rate"),
             (["scaling", "sum_sin"], "--budget"),
             (["check", "x**2", "--grad", "2*x"] + AT, "--rtol")]
    cases += [before + [option, value] for before, option in reals
              for value in ("nan", "inf", "-1", "0", "abc", "1e400")]
    cases += [["sweep", "x"] + AT + ["--range", r]
              for r in ("1", "1,2,3", "0,1", "1,0.1", "nan,1", "1e-16,inf", "a,b")]
    cases += [["sweep", "x"] + AT + ["--wrt", w] for w in ("0", "3", "y", "-1", "x1")]
    cases += [["compare", "x"] + AT + ["--methods", m] for m in ("magic", ",", "")]
    cases += [["sweep", "x"] + AT + ["--schemes", "sideways"],
              ["compare", "x"] + AT + ["--format", "xml"],
              ["explain", "x"] + AT + ["--method", "nonsense"],
              ["explain", "x"] + AT + ["--step", "1", "--rel-step", "1"]]
    cases += [["compare", "a*b", "--at", "1,2", "--vars", v]
              for v in ("a,,b", "1a,b", "__a,b", "sin,b", "a,a", "pi,b")]
    cases += [["scaling", "sum_sin", "--dims", d]
              for d in ("0", "1e8", "100001", "2,x", "", "-2", ",".join(["2"] * 21))]
    cases += [["scaling", f] for f in ("seed", "nothing", "")]
    cases += [["check", "x1*x2", "--at", "1,2", "--grad", g]
              for g in ("x2", "x2; x1; 1", "x2; __import__('os')", "")]
    return cases


def outputs() -> list[list[str]]:
    """{tmp} is a directory holding a FIFO, a directory, a file, a link to it and a directory
    of someone else's files."""
    files = ["", "/dev/null", "/proc/x.json", "{tmp}/fifo", "{tmp}/adir", "{tmp}/alink",
             "{tmp}/afile/sub.json", "/"]
    cases = [["compare", "x"] + AT + CHEAP + ["--out", f] for f in files]
    cases += [["sweep", "x"] + AT + ["--out", f] for f in ("{tmp}/fig.txt", "{tmp}/fifo")]
    cases += [["scaling", "sum_sin", "--dims", "2", "--data", "/dev/zero"],
              ["explain", "x"] + AT + ["--graph", "/dev/null"],
              ["explain", "x"] + AT + ["--dot", "/proc/x.dot"],
              ["descent", "--plot", "/dev/null"], ["descent", "--plot", ""]]
    directories = ["/proc", "/", "", "{tmp}/afile", "{tmp}/foreign", "{tmp}/alink",
                   "{tmp}/fifo", "/proc/1"]
    cases += [["report", "--quiet", "--out", d] for d in directories]
    cases += [["tutorial", "--out", d] for d in ("/proc", "{tmp}/foreign", "{tmp}/afile")]
    return cases


def commands() -> list[list[str]]:
    return [[], ["frobnicate"], ["--verison"], ["compare"], ["compare", "rosenbrok"],
            ["compare", "Rosenbrock"], ["report", "extra"], ["compare", "x", "--at"]]


HOSTILE = expressions() + points() + options() + outputs() + commands()

WORKER = r"""
import contextlib, io, json, resource, signal, sys

class OverTime(BaseException):
    "not an Exception: the command cannot catch it"

def over_time(signum, frame):
    raise OverTime

cpu, memory, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cases = json.load(sys.stdin)
from diffmethods.cli import main
resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
signal.signal(signal.SIGPROF, over_time)
outcomes = []
for argv in cases:
    argv = [a.replace("{tmp}", tmp) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    code, over = None, False
    signal.setitimer(signal.ITIMER_PROF, cpu)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
    except OverTime:
        over = True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    outcomes.append({"code": code, "stderr": err.getvalue(), "over_time": over})
json.dump(outcomes, sys.__stdout__)
"""


def _limits(cpu: int, memory: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    return apply


def hostile_directory(root) -> str:
    root.mkdir(exist_ok=True)
    os.mkfifo(root / "fifo")
    (root / "adir").mkdir()
    (root / "afile").write_text("x")
    (root / "alink").symlink_to(root / "afile")
    (root / "foreign").mkdir()
    (root / "foreign" / "thesis.tex").write_text("years of work")
    return str(root)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """{case index: outcome} for every hostile case, run in one limited worker."""
    tmp = hostile_directory(tmp_path_factory.mktemp("hostile"))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env.pop("DIFFMETHODS_TRACEBACK", None)
    done = subprocess.run([sys.executable, "-c", WORKER, str(CPU_SECONDS), str(MEMORY_BYTES),
                           tmp], input=json.dumps(HOSTILE), capture_output=True, text=True,
                          timeout=HANG_KILL_SECONDS, env=env, cwd=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _refused(outcome) -> str:
    """Why an outcome is not a clean refusal ('' when it is)."""
    err = outcome["stderr"]
    lines = err.strip().splitlines()
    if outcome["over_time"]:
        return f"took more than {CPU_SECONDS} s of CPU"
    if outcome["code"] in (0, None):
        return f"exit code {outcome['code']}: not refused"
    if len(lines) != 1 or not err.endswith("\n"):
        return f"{len(lines)} lines on stderr: {err[:300]!r}"
    if "Traceback" in err or "out of memory" in err or "internal error" in err:
        return f"not a refusal by design: {lines[0][:200]}"
    return ""


def _label(argv) -> str:
    text = " ".join(argv)
    return text if len(text) <= 60 else text[:57] + "..."


@pytest.mark.parametrize("index", range(len(HOSTILE)),
                         ids=[_label(argv) for argv in HOSTILE])
def test_a_hostile_command_line_is_refused_in_one_line(outcomes, index):
    assert _refused(outcomes[index]) == ""


def test_the_hostile_list_is_long_and_every_case_was_refused(outcomes):
    refused = sum(not _refused(o) for o in outcomes)
    print(f"hostile CLI: {refused} of {len(HOSTILE)} cases refused, one line each, within "
          f"{CPU_SECONDS} s of CPU and {MEMORY_BYTES >> 20} MB")
    assert len(HOSTILE) >= 250 and refused == len(HOSTILE)  # the README says over 250


@pytest.mark.parametrize("argv", [
    ["compare", "x1*x99999999", "--at", "1,2"],          # built 1e8 names (1.5 GB) before
    ["compare", "x1*x99999999", "--at", "1"],
    ["sweep", "x1*x" + "9" * 4000, "--at", "1", "--points", "100000000"],
    ["compare", "9**9**9", "--at", "1"],
], ids=_label)
def test_the_console_command_refuses_what_would_exhaust_memory_or_time(argv):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "diffmethods.cli"] + argv, capture_output=True,
                          text=True, env=env, timeout=HANG_KILL_SECONDS,
                          preexec_fn=_limits(CPU_SECONDS, MEMORY_BYTES))
    assert _refused({"code": done.returncode, "stderr": done.stderr, "over_time": False}) == ""
