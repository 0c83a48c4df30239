"""Command line: build the shapes captioning dataset, or add a held-out split to one.

    python -m cs231n.shapes.build --out data/shapes_captioning
    python -m cs231n.shapes.build --out data/shapes_captioning --add-split test \
        --num 1000 --seed 7
"""

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cs231n.blas_kernels import run_pinned
from cs231n.shapes.dataset import (
    DEFAULT_SEED,
    DEFAULT_TRAIN,
    DEFAULT_VAL,
    PhaseTimer,
    build_dataset,
    build_split,
)
from cs231n.shapes.files import load_pca, write_dataset, write_split


def build(
    out_dir: str | Path,
    num_train: int = DEFAULT_TRAIN,
    num_val: int = DEFAULT_VAL,
    seed: int = DEFAULT_SEED,
) -> PhaseTimer:
    """Build the train and val splits and write the dataset directory.

    Returns the PhaseTimer holding the seconds spent in each phase.
    """
    timer = PhaseTimer()
    splits, pca = build_dataset(num_train, num_val, seed, timer)
    with timer("write"):
        write_dataset(out_dir, splits, pca)
    return timer


def add_split(data_dir: str | Path, name: str, num_images: int, seed: int) -> PhaseTimer:
    """Add a split with its own seed to a built dataset, featurised with its train PCA.

    Inputs:
    - data_dir: A directory written by `build`
    - name: Split name, e.g. "test" (files test2014_*, datasets test_captions, ...)
    - num_images: Number of images
    - seed: Seed of the split; use one that differs from the dataset's

    Returns the PhaseTimer holding the seconds spent in each phase.
    """
    timer = PhaseTimer()
    split = build_split(num_images, seed, load_pca(data_dir), timer)
    with timer("write"):
        write_split(data_dir, name, split)
    return timer


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="dataset directory")
    parser.add_argument("--train", type=int, default=DEFAULT_TRAIN, help="train images")
    parser.add_argument("--val", type=int, default=DEFAULT_VAL, help="val images")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--add-split", metavar="NAME", help="add split NAME of --num images to an existing dataset"
    )
    parser.add_argument("--num", type=int, default=1000, help="images of --add-split")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    if args.add_split:
        timer = add_split(args.out, args.add_split, args.num, args.seed)
    else:
        timer = build(args.out, args.train, args.val, args.seed)
    for phase, seconds in timer.seconds.items():
        print(f"{phase:>14}: {seconds:6.1f} s")
    print(f"{'total':>14}: {time.perf_counter() - start:6.1f} s -> {args.out}")


if __name__ == "__main__":
    # The same features on every x86-64 machine: see cs231n/blas_kernels.py.
    run_pinned([sys.executable, "-m", "cs231n.shapes.build", *sys.argv[1:]])
    main()
