"""The same OpenBLAS kernels on every x86-64 machine, so that the kit's numbers are too.

OpenBLAS picks its matrix-product kernels by CPU: AVX2 ones on most x86-64 machines,
AVX-512 ones on newer servers. The kernels sum in different orders, so the dataset's
features, and everything trained on them, differ in their last bits from one machine to
the next, and training turns that into different results (the notebooks' held-out scene
accuracy moved by up to 0.04). The dataset build, the notebooks opened with
`make notebook` and the grader run on OpenBLAS's AVX2 ("Haswell") kernels wherever the
CPU has AVX2 and FMA, unless OPENBLAS_CORETYPE already names kernels. Elsewhere (Apple
silicon, macOS's Accelerate, CPUs without AVX2) nothing changes, and the last bits may.

    python -m cs231n.blas_kernels jupyter notebook notebooks/   # any command, pinned

This module imports nothing but the standard library: it must run before numpy loads.
"""

import os
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

VARIABLE = "OPENBLAS_CORETYPE"
KERNELS = "Haswell"
NEEDED_FLAGS = {"avx2", "fma"}
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: Path = CPUINFO) -> set[str]:
    """The CPU's feature flags as Linux lists them; empty where there is no such list."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return set()
    for line in lines:
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def pinned_environment(
    environ: Mapping[str, str] = os.environ, cpuinfo: Path = CPUINFO
) -> dict[str, str]:
    """The variables that pin OpenBLAS's kernels on this machine.

    Returns {"OPENBLAS_CORETYPE": "Haswell"} on an x86-64 CPU with AVX2 and FMA, and {}
    where OPENBLAS_CORETYPE is set already or the CPU cannot run those kernels.
    """
    if VARIABLE in environ or platform.machine() != "x86_64":
        return {}
    if not NEEDED_FLAGS <= cpu_flags(cpuinfo):
        return {}
    return {VARIABLE: KERNELS}


def run_pinned(argv: Sequence[str]) -> None:
    """Replace this process by the command argv under the pinned kernels.

    Returns (doing nothing) where there is nothing to pin, so the caller goes on as it is.
    """
    extra = pinned_environment()
    if extra:
        os.execvpe(argv[0], list(argv), {**os.environ, **extra})


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command given on the command line under the pinned kernels."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        sys.exit("usage: python -m cs231n.blas_kernels COMMAND [ARGUMENTS...]")
    try:
        run_pinned(argv)
        os.execvp(argv[0], argv)
    except OSError as error:
        sys.exit(f"cannot run {argv[0]}: {error.strerror}")


if __name__ == "__main__":
    main()
