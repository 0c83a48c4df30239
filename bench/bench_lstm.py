"""`make bench`: the reference LSTM against a naive NumPy version and PyTorch CPU.

Times (a) lstm_forward + lstm_backward and (b) one training step of an LSTM
CaptioningRNN (loss, gradients and an Adam update of every parameter), at N=50,
T=16, word vectors of 256, H=512, V=1004 and 512 image features, in float32 and
float64. Every time is the median of several repeats after a warm-up. The naive
baseline is bench/naive_lstm.py; the PyTorch one (bench/torch_lstm.py) runs when
torch is installed, with as many threads as numpy's BLAS. All implementations
start from the same weights and data; the script prints how far their results
are from the reference's, so that every baseline is seen to do the same work.

Run it from anywhere (it rebuilds build/solution, the solved package, first):

    .venv/bin/python bench/bench_lstm.py [--repeats 7] [--warmup 2]
"""

import argparse
import ctypes
import gc
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SOLUTION_DIR = REPO / "build" / "solution"
# The solved package must come before the student stubs in REPO/cs231n.
sys.path[:0] = [str(SOLUTION_DIR), str(REPO)]

from autograder.release.solution import build_solution_package  # noqa: E402

build_solution_package(SOLUTION_DIR)
# A first run creates SOLUTION_DIR after Python noted it missing; forget that note.
importlib.invalidate_caches()

from bench.naive_lstm import (  # noqa: E402
    naive_adam_config,
    naive_lstm_backward,
    naive_lstm_forward,
    naive_training_step,
)
from bench.torch_lstm import TorchCaptioner, import_torch, torch_lstm_pass  # noqa: E402
from cs231n.classifiers.rnn import CaptioningRNN  # noqa: E402
from cs231n.optim import adam  # noqa: E402
from cs231n.rnn_layers import lstm_backward, lstm_forward  # noqa: E402

N, T, WORDVEC, HIDDEN, VOCAB, FEATURES = 50, 16, 256, 512, 1004, 512
DTYPES = (np.float32, np.float64)
IMPLEMENTATIONS = ("reference", "naive", "torch")
# The targets for the reference training step, as tests of its time divided by torch's.
TARGETS = {
    np.float32: ("at most 1.5x torch", lambda ratio: ratio <= 1.5),
    np.float64: ("faster than torch", lambda ratio: ratio < 1.0),
}


def numpy_blas() -> tuple[str, int]:
    """Describe numpy's BLAS and count its threads.

    Asks the OpenBLAS bundled with numpy's wheels for its kernels and threads; for
    another BLAS, the thread count comes from OPENBLAS_NUM_THREADS, OMP_NUM_THREADS
    or the number of CPUs.

    Returns a tuple of:
    - name: BLAS name and version (and the OpenBLAS kernels in use)
    - threads: Number of BLAS threads
    """
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    name = f"{blas['name']} {blas['version']}"
    for path in (Path(np.__file__).parents[1] / "numpy.libs").glob("*openblas*"):
        lib = ctypes.CDLL(str(path))
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", "")):
            get_threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            get_core = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
            if get_threads and get_core:
                get_core.restype = ctypes.c_char_p
                return f"{name}, {get_core().decode()} kernels", get_threads()
    env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return name, int(env or os.cpu_count() or 1)


def busy_cpu_seconds() -> float | None:
    """CPU seconds every process together has been busy since boot, or None off Linux."""
    try:
        with open("/proc/stat") as stat:
            times = [int(ticks) for ticks in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = times[3] + times[4]  # idle and iowait
    return (sum(times) - idle) / os.sysconf("SC_CLK_TCK")


def make_vocabulary(V: int) -> dict:
    """A vocabulary of V words: <NULL>, <START>, <END>, <UNK> and V - 4 others."""
    words = ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"word{i}" for i in range(4, V)]
    return {word: i for i, word in enumerate(words)}


def make_captions(rng: np.random.Generator, word_to_idx: dict) -> np.ndarray:
    """Random captions of shape (N, T + 1): <START>, 5 to T - 1 words, <END>, <NULL>s."""
    captions = np.full((N, T + 1), word_to_idx["<NULL>"], dtype=np.int32)
    captions[:, 0] = word_to_idx["<START>"]
    for n, length in enumerate(rng.integers(5, T, size=N)):
        captions[n, 1 : length + 1] = rng.integers(4, len(word_to_idx), size=length)
        captions[n, length + 1] = word_to_idx["<END>"]
    return captions


def new_model(dtype: type) -> CaptioningRNN:
    """An LSTM CaptioningRNN of the benchmark's size with seeded random weights."""
    np.random.seed(231)
    return CaptioningRNN(make_vocabulary(VOCAB), FEATURES, WORDVEC, HIDDEN, "lstm", dtype)


def lstm_cases(dtype: type, torch) -> dict[str, Callable[[], np.ndarray]]:
    """Forward and backward passes of an LSTM layer; each returns dWx, of shape (D, 4H)."""
    rng = np.random.default_rng(0)
    params = new_model(dtype).params
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x = rng.standard_normal((N, T, WORDVEC)).astype(dtype)
    h0 = rng.standard_normal((N, HIDDEN)).astype(dtype)
    dh = rng.standard_normal((N, T, HIDDEN)).astype(dtype)

    def reference() -> np.ndarray:
        _, cache = lstm_forward(x, h0, Wx, Wh, b)
        return lstm_backward(dh, cache)[2]

    def naive() -> np.ndarray:
        _, cache = naive_lstm_forward(x, h0, Wx, Wh, b)
        return naive_lstm_backward(dh, cache)[2]

    cases = {"reference": reference, "naive": naive}
    if torch is not None:
        cases["torch"] = torch_lstm_pass(torch, x, h0, Wx, Wh, b, dh)
    return cases


def training_cases(dtype: type, torch) -> dict[str, Callable[[], float]]:
    """Training steps (Adam, learning rate 1e-3) on one fixed minibatch; each returns the loss.

    The three models start from the same weights and take as many steps, so their
    losses agree after any number of calls.
    """
    rng = np.random.default_rng(1)
    model = new_model(dtype)
    null_idx = model.word_to_idx["<NULL>"]
    features = rng.standard_normal((N, FEATURES)).astype(dtype)
    captions = make_captions(rng, model.word_to_idx)
    configs = {name: {"learning_rate": 1e-3} for name in model.params}
    naive_params = {name: w.copy() for name, w in model.params.items()}
    naive_configs = {name: naive_adam_config(1e-3) for name in model.params}

    def reference() -> float:
        loss, grads = model.loss(features, captions)
        for name, w in model.params.items():
            model.params[name], configs[name] = adam(w, grads[name], configs[name])
        return loss

    def naive() -> float:
        return naive_training_step(naive_params, naive_configs, features, captions, null_idx)

    cases = {"reference": reference, "naive": naive}
    if torch is not None:
        torch_model = TorchCaptioner(torch, model.params, null_idx, learning_rate=1e-3)
        cases["torch"] = lambda: torch_model.train_step(features, captions)
    return cases


def time_median(run: Callable, warmup: int, repeats: int) -> tuple[float, object]:
    """Median wall time of run() in milliseconds, after warm-up calls, and its last result."""
    for _ in range(warmup):
        run()
    times = []
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return 1e3 * statistics.median(times), result


def relative_difference(a, reference) -> float:
    """||a - reference|| / ||reference||, for arrays or scalars."""
    a, reference = np.asarray(a, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    return float(np.linalg.norm(a - reference) / np.linalg.norm(reference))


def run_benchmarks(torch, warmup: int, repeats: int) -> list[dict]:
    """Time every case; one row per (what, dtype) with times in ms and differences."""
    rows = []
    for dtype in DTYPES:
        for what, make_cases in (("LSTM fwd+bwd", lstm_cases), ("training step", training_cases)):
            row = {"what": what, "dtype": dtype, "ms": {}, "diff": {}}
            results = {}
            for name, run in make_cases(dtype, torch).items():
                row["ms"][name], results[name] = time_median(run, warmup, repeats)
            for name in ("naive", "torch"):
                if name in results:
                    row["diff"][name] = relative_difference(results[name], results["reference"])
            rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    """Times in ms and the ratios to the reference, one line per row."""
    print(f"{'what':<14} {'dtype':<8}", end="")
    print("".join(f"{name + ' ms':>14}" for name in IMPLEMENTATIONS), end="")
    print(f"{'naive/ref':>11}{'torch/ref':>11}")
    for row in rows:
        ms = row["ms"]
        cells = [f"{ms[name]:14.1f}" if name in ms else f"{'-':>14}" for name in IMPLEMENTATIONS]
        ratios = [
            f"{ms[name] / ms['reference']:10.2f}x" if name in ms else f"{'-':>11}"
            for name in ("naive", "torch")
        ]
        print(f"{row['what']:<14} {row['dtype'].__name__:<8}" + "".join(cells + ratios))


def print_agreement(rows: list[dict]) -> None:
    """How far each baseline's result is from the reference's (dWx or final loss)."""
    print("\nSame work: ||result - reference|| / ||reference|| (LSTM: dWx; step: last loss)")
    for row in rows:
        diffs = [f"{name} {d:.1e}" for name, d in row["diff"].items()]
        print(f"  {row['what']:<14} {row['dtype'].__name__:<8} {', '.join(diffs)}")


def print_targets(rows: list[dict], threads: int) -> None:
    """Whether the reference training step meets its targets against torch.

    The targets are judged at one BLAS thread, the setting the notebooks and the grader
    run in; a run with more threads prints the same verdicts, marked as a comparison.
    """
    if threads == 1:
        print("\nTargets (reference training step vs torch, judged at 1 BLAS thread):")
    else:
        print(
            f"\nTargets (reference training step vs torch) at {threads} BLAS threads, for "
            "comparison only: they are judged at 1 (OPENBLAS_NUM_THREADS=1, the notebooks' "
            "and the grader's setting):"
        )
    for row in rows:
        if row["what"] != "training step":
            continue
        text, is_met = TARGETS[row["dtype"]]
        label = f"  {row['dtype'].__name__}: {text}:"
        if "torch" not in row["ms"]:
            print(f"{label} not checked, torch is not installed")
            continue
        ratio = row["ms"]["reference"] / row["ms"]["torch"]
        print(f"{label} reference/torch = {ratio:.2f}x -> {'MET' if is_met(ratio) else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls before them")
    args = parser.parse_args()

    blas, threads = numpy_blas()
    print(f"numpy {np.__version__}: {blas}, {threads} BLAS threads")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        print(f"  {name}={os.environ.get(name, '(unset)')}  (as found; not changed here)")
    torch = import_torch()
    if torch is None:
        print("torch is not installed: no PyTorch baseline (see bench/README.md to add it)")
    else:
        torch.set_num_threads(threads)
        print(f"torch {torch.__version__}: set_num_threads({threads}), as many as numpy's BLAS")
    print(
        f"N={N} T={T} D={WORDVEC} H={HIDDEN} V={VOCAB} features={FEATURES}; "
        f"median of {args.repeats} after {args.warmup} warm-up calls\n"
    )

    start, start_cpu, start_busy = time.perf_counter(), time.process_time(), busy_cpu_seconds()
    rows = run_benchmarks(torch, args.warmup, args.repeats)
    elapsed, own_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    end_busy = busy_cpu_seconds()
    print_table(rows)
    print_agreement(rows)
    print_targets(rows, threads)
    footer = f"\nBenchmark time: {elapsed:.0f} s"
    if start_busy is not None and end_busy is not None:
        others = max(end_busy - start_busy - own_cpu, 0.0) / elapsed
        footer += f"; other processes kept {others:.2f} of {os.cpu_count()} CPUs busy meanwhile"
        if others > 0.1:
            footer += " -- the times are inflated: run again on an idle machine"
    print(footer)


if __name__ == "__main__":
    main()
