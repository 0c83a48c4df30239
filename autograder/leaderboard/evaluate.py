"""Score a submission's trained captioners on the held-out split.

The grader validates each .npz (autograder.leaderboard.params), then runs the
student's own `CaptioningRNN.sample` on it in the sandbox, with the same probe as the
sample items: only the parameters and the held-out features go in, only the sampled
word indices come out (as .npy). The grader checks their shape and dtype, decodes
them and computes corpus BLEU-4 against the held-out references with the provided
metrics code. Nothing here changes a score, and nothing raises.
"""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from autograder.checks.compare import array_problem, error_problem
from autograder.intake.submissions import Submission
from autograder.leaderboard.heldout import HeldOut, heldout_split
from autograder.leaderboard.params import InvalidParams, read_params
from autograder.paths import DATA_DIR, TRAINED_MODELS
from autograder.reference import reference_modules
from autograder.sandbox.results import CaseResult
from autograder.sandbox.run import Task, run_items

# Wall-clock seconds the student's sampler may take over the held-out features (the
# reference needs well under one).
SECONDS = 30.0
DECIMALS = 4
NOTEBOOK = {"rnn": "RNN_Captioning.ipynb", "lstm": "LSTM_Captioning.ipynb"}


@dataclass
class Entry:
    """One leaderboard cell: held-out BLEU-4 (None if there is none), and why."""

    bleu4: float | None
    message: str


class Leaderboard:
    """The held-out split, loaded once per grading process."""

    def __init__(self, data_dir: Path = DATA_DIR, private_roots: list[Path] | None = None):
        """Inputs:
        - data_dir: The embedded dataset the held-out split is made like
        - private_roots: Directories the student's code must not see (as for HiddenChecks)
        """
        reference_modules()  # from here on `cs231n` is the reference package
        self.heldout: HeldOut = heldout_split(data_dir)
        self.private_roots = list(private_roots or [])

    @cached_property
    def bleu_references(self):
        """The held-out references, counted for BLEU once per process (BleuReferences)."""
        from cs231n.captioning_metrics import caption_references

        return caption_references(self.heldout.references)

    def evaluate(
        self,
        submission: Submission,
        package_dir: Path,
        work_dir: Path,
        import_stopped: str | None = None,
    ) -> dict[str, Entry]:
        """BLEU-4 of every trained captioner of the submission.

        Inputs:
        - submission: The read submission (its trained-parameter files, if any)
        - package_dir: The student's package, provided files from the release
        - work_dir: Scratch directory for the sandbox job
        - import_stopped: Why the package's modules never finished importing in the
          hidden checks' sandbox (Graded.import_stopped), if they did not: then nothing
          runs, instead of waiting for the same hang or crash again

        Returns:
        - Map from cell type ('rnn', 'lstm') to its Entry
        """
        try:
            return self._evaluate(submission, package_dir, work_dir, import_stopped)
        except Exception as error:  # noqa: BLE001 - the ungraded leaderboard never stops grading
            message = f"not evaluated: the grader failed ({type(error).__name__}); tell your TA"
            return {cell_type: Entry(None, message) for cell_type in TRAINED_MODELS}

    def _evaluate(self, submission, package_dir, work_dir, import_stopped) -> dict[str, Entry]:
        entries, cases = {}, {}
        for cell_type in TRAINED_MODELS:
            try:
                cases[f"sample_{cell_type}"] = [self._case(submission, cell_type)]
            except InvalidParams as error:
                entries[cell_type] = Entry(None, str(error))
        if cases and import_stopped is not None:
            for item in cases:
                entries[item.removeprefix("sample_")] = Entry(
                    None, f"no score: {import_stopped} in the hidden checks"
                )
        elif cases:
            tasks = [
                Task(item, "sample", {"cell_type": item.removeprefix("sample_")}, inputs,
                     [["captions"]], SECONDS)
                for item, inputs in cases.items()
            ]  # fmt: skip
            results, _ = run_items(package_dir, work_dir, tasks, private_roots=self.private_roots)
            for item, result in results.items():
                entries[item.removeprefix("sample_")] = self._score(result)
        return {cell_type: entries[cell_type] for cell_type in TRAINED_MODELS}

    def _case(self, submission: Submission, cell_type: str) -> dict[str, np.ndarray]:
        """Sandbox inputs of one captioner; InvalidParams if its file is missing or bad."""
        relative = TRAINED_MODELS[cell_type]
        if relative in submission.model_problems:
            raise InvalidParams(submission.model_problems[relative])
        if relative not in submission.files:
            raise InvalidParams(
                f'no {relative} in the submission: run the "Train a good captioner" section '
                f"of {NOTEBOOK[cell_type]}, which saves it, and submit it with your files "
                "(`make submit` includes it)"
            )
        heldout = self.heldout
        try:
            params = read_params(
                submission.files[relative],
                cell_type,
                input_dim=heldout.features.shape[1],
                vocab_size=len(heldout.idx_to_word),
            )
        except InvalidParams as error:
            raise InvalidParams(f"{relative} {error}") from error
        case = {f"param_{name}": value for name, value in params.items()}
        case["vocab"] = np.array(heldout.idx_to_word)
        case["features"] = heldout.features
        case["max_length"] = np.array(heldout.max_length)
        return case

    def _score(self, result: list[CaseResult] | str) -> Entry:
        """Judge the sampled captions strictly, then score them."""
        from cs231n.captioning_metrics import caption_tokens
        from cs231n.coco_utils import decode_captions

        if isinstance(result, str):
            return Entry(None, f"no score: {result}")
        (case,) = result
        if case.error is not None:
            return Entry(None, f"no score: CaptioningRNN.sample {error_problem(case, {})}")
        heldout = self.heldout
        shape = (len(heldout.features), heldout.max_length)
        sizes = {"N": shape[0], "max_length": shape[1]}
        problem = array_problem(
            "captions", "(N, max_length)", case, np.zeros(shape, np.int64), sizes, kind="i"
        )
        if problem:
            return Entry(None, f"no score: {problem}")
        captions = case.arrays["captions"]
        if captions.size and (captions.min() < 0 or captions.max() >= len(heldout.idx_to_word)):
            return Entry(None, "no score: `captions` holds indices outside the vocabulary")
        generated = decode_captions(captions, heldout.idx_to_word)
        bleu4 = round(self.bleu_references.score([caption_tokens(c) for c in generated]), DECIMALS)
        return Entry(bleu4, f"BLEU-4 {bleu4:.{DECIMALS}f} on {shape[0]} held-out images")
