"""The held-out leaderboard: validation of trained parameters, sandboxed scoring, secrecy."""

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.examples import example_files, trained_models
from autograder.intake.submissions import (
    STUDENT_MODULES,
    Submission,
    read_submission,
    student_package,
)
from autograder.leaderboard.evaluate import Entry, Leaderboard
from autograder.leaderboard.heldout import HELDOUT_SEED, NUM_IMAGES, heldout_split
from autograder.leaderboard.params import InvalidParams, expected_shapes, read_params
from autograder.paths import TRAINED_MODELS
from autograder.release.leaks import find_leaks
from autograder.release.student_bundle import build_student_bundle

RNN_FILE, LSTM_FILE = TRAINED_MODELS["rnn"], TRAINED_MODELS["lstm"]
MODEL = "cs231n/classifiers/rnn.py"


@pytest.fixture(scope="module")
def leaderboard() -> Leaderboard:
    return Leaderboard()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def reference_submission(models: dict[str, bytes], model_text: str | None = None) -> Submission:
    """The reference modules (the model module replaced if given) and the given .npz files."""
    files = {rel: example_files()["reference"][rel].encode() for rel in STUDENT_MODULES}
    if model_text is not None:
        files[MODEL] = model_text.encode()
    return Submission("student", {**files, **models})


def evaluate(leaderboard: Leaderboard, submission: Submission, tmp_path: Path) -> dict:
    package = student_package(submission, tmp_path / "package")
    return leaderboard.evaluate(submission, package, tmp_path / "work")


def untrained(cell_type: str) -> bytes:
    """Freshly initialised parameters of the reference example's sizes."""
    with np.load(io.BytesIO(trained_models()[TRAINED_MODELS[cell_type]])) as trained:
        shapes = {name: trained[name].shape for name in trained.files}
    rng = np.random.default_rng(0)
    return npz_bytes(
        **{name: (0.1 * rng.standard_normal(s)).astype(np.float32) for name, s in shapes.items()}
    )


def test_a_trained_captioner_scores_clearly_above_an_untrained_one(leaderboard, tmp_path):
    trained = evaluate(leaderboard, reference_submission(trained_models()), tmp_path / "t")
    fresh = {rel: untrained(cell) for cell, rel in TRAINED_MODELS.items()}
    baseline = evaluate(leaderboard, reference_submission(fresh), tmp_path / "u")
    for cell_type in TRAINED_MODELS:
        assert trained[cell_type].bleu4 is not None and baseline[cell_type].bleu4 is not None
        assert trained[cell_type].bleu4 > baseline[cell_type].bleu4 + 0.2, cell_type
        assert trained[cell_type].message.startswith("BLEU-4 ")


def test_modules_that_never_imported_in_the_hidden_checks_are_not_run_again(leaderboard, tmp_path):
    """Their import hung or crashed the hidden checks' sandbox: it would only do it again."""
    submission = reference_submission({TRAINED_MODELS["rnn"]: trained_models()[RNN_FILE]})
    package = student_package(submission, tmp_path / "package")
    reason = "your code timed out after 10 s while its modules were being imported"
    entries = leaderboard.evaluate(submission, package, tmp_path / "work", import_stopped=reason)
    assert entries["rnn"] == Entry(None, f"no score: {reason} in the hidden checks")
    assert entries["lstm"].message.startswith(f"no {LSTM_FILE} in the submission")
    assert not (tmp_path / "work").exists()  # no sandbox was started


def test_missing_files_leave_empty_cells_that_say_what_to_do(leaderboard, tmp_path):
    entries = evaluate(leaderboard, reference_submission({}), tmp_path)
    for cell_type, notebook in (("rnn", "RNN_Captioning"), ("lstm", "LSTM_Captioning")):
        assert entries[cell_type].bleu4 is None
        message = entries[cell_type].message
        assert message.startswith(f"no {TRAINED_MODELS[cell_type]} in the submission")
        assert "Train a good captioner" in message and notebook in message


def test_student_sampling_output_is_checked_strictly(leaderboard, tmp_path):
    solved = example_files()["reference"][MODEL]
    floats = solved + (
        "\n\ndef _float_sample(self, features, max_length=30):\n"
        "    return np.zeros((features.shape[0], max_length))\n\n"
        "CaptioningRNN.sample = _float_sample\n"
    )
    entries = evaluate(leaderboard, reference_submission(trained_models(), floats), tmp_path / "f")
    assert entries["rnn"].bleu4 is None
    assert entries["rnn"].message == (
        "no score: `captions` has dtype float64; expected an integer array"
    )
    broken = "CaptioningRNN.sample = lambda self, *a, **k: 1 / 0"
    raising = f"{solved}\n\n{broken}\n"
    entries = evaluate(leaderboard, reference_submission(trained_models(), raising), tmp_path / "r")
    line = raising.splitlines().index(broken) + 1
    assert entries["lstm"].message == (
        "no score: CaptioningRNN.sample raised ZeroDivisionError: division by zero "
        f"(line {line} of {MODEL}, in <lambda>)"
    )


def good_params(cell_type: str = "rnn") -> dict[str, np.ndarray]:
    shapes = expected_shapes(cell_type, D=512, W=6, H=5, V=44)
    return {name: np.full(shape, 0.1, np.float32) for name, shape in shapes.items()}


def read(data: bytes, cell_type: str = "rnn") -> dict:
    return read_params(data, cell_type, input_dim=512, vocab_size=44)


def test_valid_params_of_any_size_are_read_as_float32():
    params = read(npz_bytes(**{k: v.astype(np.float64) for k, v in good_params().items()}))
    assert {name: value.dtype for name, value in params.items()} == dict.fromkeys(
        params, np.dtype(np.float32)
    )
    compressed = io.BytesIO()
    np.savez_compressed(compressed, **good_params("lstm"))
    assert read(compressed.getvalue(), "lstm")["Wx"].shape == (6, 20)


def pickled_npz() -> bytes:
    """An npz whose member is an object array: loading it would unpickle."""
    params = {**good_params(), "b": np.array([{"evil": 1}] * 5, dtype=object)}
    return npz_bytes(**params)


def member_npz() -> bytes:
    """A zip whose member is a raw pickle rather than an .npy array."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in good_params().items():
            archive.writestr(f"{name}.npy", pickle.dumps(value))
    return buffer.getvalue()


INVALID = {
    "not a zip": (b"garbage", "is not an .npz file"),
    "pickled object array": (pickled_npz(), "holds an array numpy cannot read without pickle"),
    "pickle members": (member_npz(), "`W_embed` is not a numpy array"),
    "wrong vocabulary": (
        npz_bytes(**{**good_params(), "W_vocab": np.zeros((5, 45), np.float32)}),
        "`W_vocab` has shape (5, 45); an RNN captioner with D=512, W=6, H=5, V=44 needs (5, 44)",
    ),
    "wrong features": (
        npz_bytes(**{**good_params(), "W_proj": np.zeros((500, 5), np.float32)}),
        "`W_proj` has shape (500, 5)",
    ),
    "lstm saved as rnn": (
        npz_bytes(**good_params("lstm")),
        "(these look like the parameters of an LSTM)",
    ),
    "missing and extra keys": (
        npz_bytes(**{k: v for k, v in good_params().items() if k != "b"}, extra=np.zeros(1)),
        "does not hold exactly the model's parameters (no b; unexpected extra)",
    ),
    "integers": (
        npz_bytes(**{**good_params(), "Wh": np.zeros((5, 5), np.int64)}),
        "`Wh` has dtype int64; expected floats",
    ),
    "nan": (
        npz_bytes(**{**good_params(), "b_vocab": np.full(44, np.nan, np.float32)}),
        "`b_vocab` contains NaN or inf",
    ),
    "overflow": (
        npz_bytes(**{**good_params(), "b": np.full(5, 1e300)}),
        "`b` contains NaN or inf",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_params_are_refused_with_a_reason(case):
    data, reason = INVALID[case]
    with pytest.raises(InvalidParams) as error:
        read(data)
    assert reason in str(error.value)


def test_too_many_array_bytes_are_refused_before_loading():
    huge = io.BytesIO()
    np.savez_compressed(huge, **{**good_params(), "W_embed": np.zeros((44, 400_000), np.float32)})
    assert len(huge.getvalue()) < 1 << 20  # small on disk, 70 MB once loaded
    with pytest.raises(InvalidParams, match="holds more than 64 MB of arrays"):
        read(huge.getvalue())


def test_invalid_or_oversized_files_leave_an_empty_cell_and_never_a_problem(leaderboard, tmp_path):
    folder = tmp_path / "student"
    for relative in STUDENT_MODULES:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(example_files()["reference"][relative])
    (folder / "notebooks").mkdir()
    (folder / RNN_FILE).write_bytes(pickled_npz())
    (folder / LSTM_FILE).write_bytes(b"\0" * ((20 << 20) + 1))
    submission = read_submission("student", folder)
    assert not any("npz" in problem for problem in submission.problems)
    entries = evaluate(leaderboard, submission, tmp_path)
    assert entries["rnn"].bleu4 is None and entries["lstm"].bleu4 is None
    assert entries["rnn"].message == (
        f"{RNN_FILE} holds an array numpy cannot read without pickle (save plain arrays)"
    )
    assert entries["lstm"].message == f"{LSTM_FILE} is larger than 20 MB"


def test_the_heldout_split_is_deterministic_and_disjoint_from_what_students_get(tmp_path):
    from cs231n.coco_utils import load_coco_data

    cached = heldout_split()
    fresh = heldout_split(cache_dir=tmp_path)
    assert fresh.features.shape == (NUM_IMAGES, 512)
    np.testing.assert_array_equal(fresh.features, cached.features)
    assert fresh.references == cached.references
    assert all(len(refs) == 5 for refs in cached.references)
    data = load_coco_data()
    seen = {row.tobytes() for split in ("train", "val") for row in data[f"{split}_features"]}
    assert not seen & {row.tobytes() for row in cached.features}


def test_student_files_hold_neither_the_seed_nor_the_heldout_split(tmp_path):
    bundle = build_student_bundle(tmp_path / "student.zip")
    secret_row = heldout_split().features[0].tobytes()
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
        archive.extractall(tmp_path / "unpacked")
    assert not [name for name in names if name.endswith((".npz", ".npy", ".h5"))]
    for name, content in contents.items():
        assert str(HELDOUT_SEED).encode() not in content, name
        assert f"{HELDOUT_SEED:_}".encode() not in content, name
        assert secret_row not in content, name
    assert find_leaks([p for p in (tmp_path / "unpacked").rglob("*") if p.is_file()]) == []
    leaky = tmp_path / "leaky.py"
    leaky.write_text(f"seed = {HELDOUT_SEED}\n")
    assert find_leaks([leaky]) == [f"{leaky}: seed = {HELDOUT_SEED}"]


def test_trained_parameters_in_the_notebooks_folder_stay_out_of_the_bundles(tmp_path):
    from autograder.paths import kit_files

    (tmp_path / "notebooks" / "__pycache__").mkdir(parents=True)
    for name in ("RNN_Captioning.ipynb", "captioner_rnn.npz", "__pycache__/x.pyc"):
        (tmp_path / "notebooks" / name).write_text("")
    assert kit_files(tmp_path) == [tmp_path / "notebooks" / "RNN_Captioning.ipynb"]
