"""Intake without grading: submission layouts, LMS download names, rosters, lateness,
notebook repairs and the command line's refusals of bad input."""

import copy
import io
import os
import shutil
import tarfile
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from zips import write_aliased_zip, write_zip

from autograder.__main__ import main
from autograder.examples import example_files
from autograder.intake import submissions
from autograder.intake.ids import id_problem, inside
from autograder.intake.intake import Entry, read_intake, slug
from autograder.intake.lateness import LatePenalty, parse_time, to_utc
from autograder.intake.notebook_repair import preview_sanitize, repair_notebook
from autograder.intake.submissions import (
    MAX_DIRECTORY_BYTES,
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_UNPACKED_BYTES,
    MODEL_FILES,
    STUDENT_FILES,
    Submission,
    read_submission,
)
from autograder.reports.report import rich_text
from autograder.reports.roster import RosterError, read_roster

LAYERS, MODEL = "cs231n/rnn_layers.py", "cs231n/classifiers/rnn.py"
RNN_NB = "notebooks/RNN_Captioning.ipynb"
REFERENCE = {
    name: data if isinstance(data, bytes) else data.encode()
    for name, data in example_files()["reference"].items()
}
WANTED = sorted(STUDENT_FILES + MODEL_FILES)


def flat(files: dict[str, bytes]) -> dict[str, bytes]:
    return {Path(name).name: data for name, data in files.items()}


@pytest.mark.parametrize(
    "layout",
    [
        lambda files: files,  # the release layout
        flat,  # dragged into an upload dialog
        lambda files: {f"My Work/{name}": data for name, data in files.items()},  # a top folder
        lambda files: {n.removeprefix("notebooks/"): d for n, d in files.items()},  # cs231n/ alone
        lambda files: {name.replace("/", "\\"): data for name, data in files.items()},  # Windows
    ],
    ids=["release", "flat", "top-folder", "cs231n-alone", "backslashes"],
)
def test_every_usual_layout_is_read_in_full(layout, tmp_path):
    submission = read_submission("s", write_zip(tmp_path / "s.zip", layout(REFERENCE)))
    assert sorted(submission.files) == WANTED
    assert submission.files == REFERENCE
    assert submission.problems == []


def add_files(archive: tarfile.TarFile, files: dict[str, bytes]) -> None:
    """Add files (name -> content) to a tarball, under a folder s/."""
    for name, data in files.items():
        info = tarfile.TarInfo(f"s/{name}")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


def test_tarballs_folders_and_archives_inside_folders(tmp_path):
    tarball = tmp_path / "s.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        add_files(archive, REFERENCE)
    assert read_submission("s", tarball).files == REFERENCE
    folder = tmp_path / "moodle" / "Jane Roe_1_assignsubmission_file_"
    folder.mkdir(parents=True)
    write_zip(folder / "captioning.ZIP", flat(REFERENCE))
    assert read_submission("s", folder.parent).files == REFERENCE
    uploads = {Path(n).name: tmp_path / "loose" / Path(n).name for n in REFERENCE}
    for name, path in uploads.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(flat(REFERENCE)[name])
    assert read_submission("s", uploads).files == REFERENCE


def test_two_different_candidates_are_a_problem_never_a_pick(tmp_path):
    files = {**REFERENCE, "old/rnn_layers.py": b"def rnn_step_forward():\n    pass\n"}
    submission = read_submission("s", write_zip(tmp_path / "s.zip", files))
    assert LAYERS not in submission.files
    assert submission.problems == [
        f"{LAYERS}: 2 different candidates in the submission (cs231n/rnn_layers.py, "
        "old/rnn_layers.py); hand in exactly one"
    ]
    # An identical copy is no ambiguity.
    same = {**REFERENCE, "backup/rnn_layers.py": REFERENCE[LAYERS]}
    assert read_submission("s", write_zip(tmp_path / "t.zip", same)).problems == []


def read_with_peak(path: Path) -> tuple[Submission, int]:
    """read_submission of path, and the most memory it held at once (bytes)."""
    tracemalloc.start()
    try:
        submission = read_submission("s", path)
        return submission, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_copies_in_an_archive_are_hashed_not_held(tmp_path):
    """As many copies of a 20 MB module as a submission may unpack, in a 0.2 MB zip:
    the grader holds one of them."""
    module = b"#" * MAX_FILE_BYTES
    copies = {f"copy{i}/{LAYERS}": module for i in range(MAX_UNPACKED_BYTES // MAX_FILE_BYTES)}
    path = write_zip(tmp_path / "s.zip", copies, zipfile.ZIP_DEFLATED)
    del module, copies
    submission, peak = read_with_peak(path)
    assert len(submission.files[LAYERS]) == MAX_FILE_BYTES
    assert peak < 100 << 20, f"{peak >> 20} MB"  # 40 MB measured; 520 MB when all were read


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE])
def test_a_tarball_header_of_hundreds_of_megabytes_is_refused_before_it_is_read(tmp_path, kind):
    """A long name or pax record of 300 MB, a few hundred KB of gzip: tarfile reads such a
    header whole, so it is refused from the size its first block states."""
    path = tmp_path / "s.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        add_files(archive, REFERENCE)
        header = tarfile.TarInfo("././@LongLink")
        header.type, header.size = kind, 300 << 20
        archive.fileobj.write(header.tobuf(format=tarfile.GNU_FORMAT)[:512])
        block = b"a" * (1 << 20)
        for _ in range(300):
            archive.fileobj.write(block)
    submission, peak = read_with_peak(path)
    assert any("header of more than" in problem for problem in submission.problems)
    assert peak < 100 << 20, f"{peak >> 20} MB"


def copies_in_a_folder(folder: Path, copies: int) -> Path:
    """A Moodle folder of two zips that share copies of a 20 MB module between them."""
    folder.mkdir()
    module = b"#" * MAX_FILE_BYTES
    for part in range(2):
        files = {f"copy{i}/{LAYERS}": module for i in range(part, copies, 2)}
        write_zip(folder / f"part{part}.zip", files, zipfile.ZIP_DEFLATED)
    return folder


@pytest.mark.parametrize(
    "make",
    [
        lambda path: write_zip(
            path / "s.zip",
            {
                f"{i}/{LAYERS}": b"#" * MAX_FILE_BYTES
                for i in range(MAX_UNPACKED_BYTES // MAX_FILE_BYTES + 1)
            },
            zipfile.ZIP_DEFLATED,
        ),
        lambda path: write_aliased_zip(path / "s.zip", LAYERS, b"#" * MAX_FILE_BYTES, 5000),
        lambda path: copies_in_a_folder(path / "s", MAX_UNPACKED_BYTES // MAX_FILE_BYTES + 1),
    ],
    ids=["copies", "entries-sharing-their-data", "copies-across-archives"],
)
def test_a_submission_unpacks_at_most_its_budget(make, tmp_path):
    """However the copies of a wanted file are made (5,000 directory entries sharing the
    data of one in a 0.1 MB zip would unpack 100 GB; 500 of them took 24 s), a submission
    unpacks at most MAX_UNPACKED_BYTES, and says so."""
    path = make(tmp_path)
    start = time.perf_counter()
    submission = read_submission("s", path)
    assert time.perf_counter() - start < 20
    assert LAYERS not in submission.files
    assert submission.problems[0] == (
        f"{LAYERS} was not read: the submission holds more than "
        f"{MAX_UNPACKED_BYTES >> 20} MB of copies of the files the grader reads"
    )


def zips_in_a_folder(folder: Path, archives: int, members: int, name_length: int) -> Path:
    """A Moodle folder of archives zips, each of members empty files of long names."""
    folder.mkdir()
    for part in range(archives):
        with zipfile.ZipFile(folder / f"part{part}.zip", "w") as archive:
            for i in range(members):
                archive.writestr(f"{part}-{i}".ljust(name_length, "n"), b"")
    return folder


@pytest.mark.parametrize(
    ("archives", "members", "name_length", "holds"),
    [
        (3, MAX_MEMBERS // 3 + 10, 10, f"more than {MAX_MEMBERS:,} files"),
        (
            3,
            200,
            MAX_DIRECTORY_BYTES // 400,
            f"more than {MAX_DIRECTORY_BYTES >> 20} MB of file names and archive directories",
        ),
    ],
    ids=["members", "names"],
)
def test_the_memory_of_a_submission_of_many_archives_is_bounded(
    archives, members, name_length, holds, tmp_path
):
    """Each archive within its limits, together beyond them: the submission is refused
    before zipfile reads the directory that crosses them (a Moodle folder of 8 zips of
    50,000 members grew the grader by 528 MB)."""
    folder = zips_in_a_folder(tmp_path / "s", archives, members, name_length)
    submission, peak = read_with_peak(folder)
    assert submission.problems[0] == f"nothing was read: the submission holds {holds}"
    assert peak < 100 << 20, f"{peak >> 20} MB"


def test_archives_are_opened_up_to_a_size_in_all(tmp_path, monkeypatch):
    """The submission's own archive as much as those in a folder submission."""
    folder = tmp_path / "folder"
    folder.mkdir()
    size = write_zip(folder / "a.zip", REFERENCE).stat().st_size
    limit = (size >> 20) + 1 << 20
    monkeypatch.setattr(submissions, "MAX_ARCHIVE_BYTES", limit)
    assert read_submission("s", folder).files == REFERENCE
    noise = {"noise.bin": os.urandom(limit - size + 1000)}
    write_zip(folder / "b.zip", noise)
    problem = f"nothing was read: the submission holds more than {limit >> 20} MB of archives"
    assert read_submission("s", folder).problems[0] == problem
    alone = write_zip(tmp_path / "s.zip", {**REFERENCE, **noise})
    assert read_submission("s", alone).problems[0] == problem


@pytest.mark.parametrize("swapped", [LAYERS, "cs231n"], ids=["file", "folder"])
def test_a_file_swapped_for_a_link_while_it_is_read_is_not_followed(swapped, tmp_path, monkeypatch):
    """In the hub's exchange the student's folder is writable while it is collected: a
    file, or a folder on its path, swapped for a link between listing and reading is
    refused, never read through the link (an instructor-only file, the solution)."""
    secret = tmp_path / "instructor" / LAYERS
    secret.parent.mkdir(parents=True)
    secret.write_text("SECRET = 'the reference solution'\n")
    folder = tmp_path / "alice"
    for name, data in REFERENCE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    take_wanted = submissions.take_wanted

    def swap_then_take(*args):
        target = folder / swapped
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        target.symlink_to(tmp_path / "instructor" / swapped)
        take_wanted(*args)

    monkeypatch.setattr(submissions, "take_wanted", swap_then_take)
    submission = read_submission("alice", folder)
    assert LAYERS not in submission.files
    assert submission.problems[0].startswith(f"{LAYERS} cannot be read from the submission")
    assert b"SECRET" not in b"".join(submission.files.values())


def test_a_missing_file_is_named_whatever_other_problems_say(tmp_path):
    """An unreadable archive named like a wanted file does not hide that it is missing."""
    folder = tmp_path / "s"
    for name, data in REFERENCE.items():
        if name != RNN_NB:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    (folder / f"{RNN_NB}.zip").write_bytes(b"not a zip")
    problems = read_submission("s", folder).problems
    assert problems[-1] == f"{RNN_NB} is missing" and len(problems) == 2


def test_a_notebook_of_millions_of_json_objects_is_refused_before_parsing(tmp_path):
    """20 MB of `{},` parse into gigabytes (2 MB of it grew the grader by 350 MB)."""
    bomb = b'{"cells": [' + b"{}," * 6_990_000 + b'{}], "metadata": {}, "nbformat": 4}'
    path = write_zip(tmp_path / "s.zip", {**REFERENCE, RNN_NB: bomb}, zipfile.ZIP_DEFLATED)
    del bomb
    submission, peak = read_with_peak(path)
    assert submission.problems == [
        f"{RNN_NB} holds more than 100,000 JSON objects and lists; no notebook does"
    ]
    assert RNN_NB not in submission.files and peak < 100 << 20, f"{peak >> 20} MB"


def test_an_archive_of_too_many_members_is_refused(tmp_path, monkeypatch):
    """zipfile and tarfile hold every member in memory: 200,000 empty files (1.2 MB of
    tar.gz) grew the grader by 173 MB. A zip's members are counted before zipfile reads
    its directory, whatever its end record claims."""
    monkeypatch.setattr(submissions, "MAX_MEMBERS", 1000)
    names = {**REFERENCE, **{f"clutter/{i}": b"" for i in range(1000)}}
    zipped = write_zip(tmp_path / "s.zip", names)
    data = bytearray(zipped.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = b"\x01\x00\x01\x00"  # "one entry"
    zipped.write_bytes(bytes(data))
    problem = "nothing was read: the submission holds more than 1,000 files"
    assert read_submission("s", zipped).problems[0] == problem
    tarball = tmp_path / "s.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, content in names.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    assert read_submission("s", tarball).problems[0] == problem
    monkeypatch.setattr(submissions, "MAX_MEMBERS", 1010)
    assert read_submission("s", tarball).files == REFERENCE


def test_a_member_that_cannot_be_read_is_a_problem_of_the_submission(tmp_path):
    """A bad checksum or an encrypted member refuses that file; the rest is read."""
    broken = write_zip(tmp_path / "crc.zip", REFERENCE)
    data = bytearray(broken.read_bytes())
    data[data.index(b"def rnn_step_forward")] ^= 1  # stored: the module's bytes as they are
    broken.write_bytes(bytes(data))
    submission = read_submission("s", broken)
    assert sorted(submission.files) == sorted(set(WANTED) - {LAYERS})
    assert submission.problems == [
        f"{LAYERS} cannot be read from the submission (Bad CRC-32 for file '{LAYERS}')"
    ]
    encrypted = write_zip(tmp_path / "locked.zip", {LAYERS: REFERENCE[LAYERS]})
    data = bytearray(encrypted.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag ...
    data[data.index(b"PK\x01\x02") + 8] |= 1  # ... and the central directory's
    encrypted.write_bytes(bytes(data))
    problems = read_submission("s", encrypted).problems
    assert problems[0].startswith(f"{LAYERS} cannot be read from the submission (File ")
    assert "encrypted" in problems[0]


def test_clutter_and_unsafe_paths_are_never_candidates(tmp_path):
    files = {
        **REFERENCE,
        f"__MACOSX/cs231n/._{Path(LAYERS).name}": b"resource fork",
        f"__MACOSX/{LAYERS}": b"not the module",
        f"../{LAYERS}": b"outside",
        f"/abs/{LAYERS}": b"absolute",
    }
    submission = read_submission("s", write_zip(tmp_path / "s.zip", files))
    assert submission.files == REFERENCE and submission.problems == []


def touch(folder: Path, name: str, data: bytes = b"x") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.lower().endswith(".zip"):
        write_zip(path, {"note.txt": data})
    else:
        path.write_bytes(data)
    return path


def test_lms_download_names_become_one_entry_per_student(tmp_path):
    for name in [
        "smithjohn_12345_600_rnn_layers.py",  # Canvas, several loose files
        "smithjohn_12345_601_rnn.py",
        "doejane_LATE_23456_700_submission.zip",  # Canvas, late, then resubmitted
        "doejane_LATE_23456_705_submission-1.zip",
        "müllerjürgen_34567_800_hw 3.zip",  # accents and a space
        "Jane Roe_998877_assignsubmission_file_/captioning.zip",  # Moodle, folders
        "Jane Roe_998877_assignsubmission_onlinetext_/onlinetext.html",
        "Participant_445566_assignsubmission_file_rnn_layers.py",  # Moodle, blind, flat
        "HW3_jdoe_attempt_2024-10-01-10-00-00_captioning.zip",  # Blackboard, two attempts
        "HW3_jdoe_attempt_2024-10-01-10-00-00.txt",
        "HW3_jdoe_attempt_2024-10-03-09-30-00_captioning.zip",
        "HW3_jdoe_attempt_2024-10-03-09-30-00.txt",
        "HW3_kim_attempt_2024-10-02-08-00-00_rnn.py",  # its attempt's .txt is missing
        "alice.ZIP",
        "bob.tar.gz",
        "José García.zip",
        "notes.txt",
        "carol.rar",
        ".DS_Store",
    ]:
        touch(tmp_path, name)
    (tmp_path / "HW3_jdoe_attempt_2024-10-03-09-30-00.txt").write_text(
        "Name: John Doe (jdoe)\nAssignment: HW3\nDate Submitted: Thursday, 3 October 2024\n"
    )
    intake = read_intake(tmp_path)
    entries = {entry.student_id: entry for entry in intake.entries}
    assert sorted(entries) == [
        "alice", "bob", "doejane_23456", "jane-roe_998877", "jdoe", "jose-garcia",
        "mullerjurgen_34567", "participant_445566", "smithjohn_12345",
    ]  # fmt: skip
    assert entries["smithjohn_12345"].source == {
        "rnn_layers.py": tmp_path / "smithjohn_12345_600_rnn_layers.py",
        "rnn.py": tmp_path / "smithjohn_12345_601_rnn.py",
    }
    jane = entries["doejane_23456"]
    assert jane.late and jane.lms == "canvas" and jane.lms_id == "23456"
    assert jane.files == [tmp_path / "doejane_LATE_23456_705_submission-1.zip"]
    assert entries["mullerjurgen_34567"].name == "müllerjürgen"
    assert entries["jane-roe_998877"].source == tmp_path / "Jane Roe_998877_assignsubmission_file_"
    assert entries["jane-roe_998877"].name == "Jane Roe"
    john = entries["jdoe"]
    assert john.timestamp == datetime(2024, 10, 3, 9, 30) and john.name == "John Doe"
    reasons = {item.path.name: item.reason for item in intake.not_graded}
    assert reasons == {
        ".DS_Store": "operating-system file",
        "HW3_jdoe_attempt_2024-10-01-10-00-00_captioning.zip":
            "an earlier attempt of jdoe (a later one is graded)",
        "HW3_jdoe_attempt_2024-10-01-10-00-00.txt":
            "an earlier attempt of jdoe (a later one is graded)",
        "HW3_kim_attempt_2024-10-02-08-00-00_rnn.py":
            "no HW3_kim_attempt_2024-10-02-08-00-00.txt in the folder: an upload is graded "
            "only with the description of its attempt, which Blackboard's download holds",
        "Jane Roe_998877_assignsubmission_onlinetext_":
            "Moodle onlinetext is not graded (only file submissions)",
        "carol.rar": ".rar archives are not read; ask for a .zip",
        "doejane_LATE_23456_700_submission.zip":
            "superseded by the later upload doejane_LATE_23456_705_submission-1.zip",
        "notes.txt": "a single file is not a submission: a submission is <student_id>.zip, "
        "<student_id>.tar.gz or a folder <student_id>/ (or an LMS download)",
    }  # fmt: skip


T1, T2, T3 = "2024-10-01-10-00-00", "2024-10-02-10-00-00", "2024-10-03-10-00-00"


def intake_of(folder: Path, names: list[str]) -> tuple[dict[str, Entry], dict[str, str]]:
    """read_intake of a folder of files with these names: entries by id, reasons by file."""
    folder.mkdir(exist_ok=True)
    for name in names:
        touch(folder, name)
    intake = read_intake(folder)
    entries = {entry.student_id: entry for entry in intake.entries}
    return entries, {item.path.name: item.reason for item in intake.not_graded}


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "it is empty"),
        (".", "it starts with '.'"),
        ("..", "it starts with '.'"),
        ("a/b", "it holds '/'"),
        ("a\\b", "it holds '\\\\'"),
        ("-rf", "it starts with '-'"),
        ("x" * 101, "it is longer than 100 characters"),
        ("jürgen", "it holds 'ü'"),
        ("alice\n", "it holds '\\n'"),
        ("a\0b", "it holds '\\x00'"),
        ("alice.", "it ends with '.'"),
        ("NUL.json", "'NUL' is a device name on Windows"),
    ],
)
def test_hostile_strings_are_no_student_ids(text, problem):
    assert id_problem(text).startswith(problem)


def test_usual_ids_are_student_ids(tmp_path):
    for text in ["alice", "smithjohn_12345", "jane-roe_998877", "j.doe@uni.example", "x" * 100]:
        assert id_problem(text) is None
    results = tmp_path / "results"
    results.mkdir()
    (results / "link").symlink_to(tmp_path)
    assert inside(results, "alice.json") == results.resolve() / "alice.json"
    for name in ["..", ".", "a/b", "a/..", "/etc", "link", "../results2", "link/x"]:
        with pytest.raises(ValueError, match="does not name an entry of"):
            inside(results, name)


def test_hostile_blackboard_usernames_are_refused_and_listed(tmp_path):
    """The username part of a Blackboard name is the student id: `..` would have
    named OUT/course itself."""
    users = ["..", ".", "-rf", "jürgen", "x" * 101, "con", "alice\n"]
    names = [f"HW3_jdoe_attempt_{T1}.txt", f"HW3_jdoe_attempt_{T1}_captioning.zip", "日本.zip"]
    for user in users:
        names += [f"HW3_{user}_attempt_{T1}.txt", f"HW3_{user}_attempt_{T1}_captioning.zip"]
    entries, reasons = intake_of(tmp_path, names)
    assert sorted(entries) == ["jdoe"]
    assert reasons == {
        "日本.zip": "'' cannot be a student id (it is empty)",
        **{
            f"HW3_{user}_attempt_{T1}{end}": f"{user!r} cannot be a student id ({id_problem(user)})"
            for user in users
            for end in (".txt", "_captioning.zip")
        },
    }


def test_a_moodle_name_belongs_to_the_participant_of_its_first_marker(tmp_path):
    forged = "Alice Liddell_111_assignsubmission_file_x_222_assignsubmission_file_y.zip"
    text = "Alice Liddell_111_assignsubmission_onlinetext_x_333_assignsubmission_file_z.zip"
    bob = "Bob Stone_222_assignsubmission_file_captioning.zip"
    entries, reasons = intake_of(tmp_path, [forged, text, bob])
    assert sorted(entries) == ["alice-liddell_111", "bob-stone_222"]
    assert entries["alice-liddell_111"].source == {
        "x_222_assignsubmission_file_y.zip": tmp_path / forged
    }
    assert entries["bob-stone_222"].files == [tmp_path / bob]
    assert reasons == {text: "Moodle onlinetext is not graded (only file submissions)"}


def test_a_canvas_name_keeps_the_ids_of_its_first_digits(tmp_path):
    entries, reasons = intake_of(
        tmp_path,
        [
            "smithjohn_12345_600_x_99999_700_rnn_layers.py",
            "smithjohn_12345_601_LATE_99999_701_rnn.py",
            "doejane_99999_650_captioning.zip",
        ],
    )
    assert sorted(entries) == ["doejane_99999", "smithjohn_12345"] and reasons == {}
    smith = entries["smithjohn_12345"]
    assert not smith.late
    assert sorted(smith.source) == ["LATE_99999_701_rnn.py", "x_99999_700_rnn_layers.py"]
    assert entries["doejane_99999"].files == [tmp_path / "doejane_99999_650_captioning.zip"]


def test_a_blackboard_username_is_the_one_its_description_states(tmp_path):
    """A username or a title may hold `_`: `HW3_j_doe_attempt_...` is j_doe's, never doe's;
    a description that states a username its name does not hold, or none where the name
    splits more than one way, is refused and listed with its attempt's files."""
    stated = {
        "HW3_j_doe": "Name: John Doe (j_doe)\n",
        "HW3_doe": "Name: Jane Doe (doe)\nAssignment: HW3\n",
        "HW3_kim": "no name line",
        "HW3_eve": "Name: Eve (bob)\n",
        "Lab_1_lee": "Name: Lee\n",
    }
    for head, text in stated.items():
        (tmp_path / f"{head}_attempt_{T1}.txt").write_text(text)
        touch(tmp_path, f"{head}_attempt_{T1}_captioning.zip")
    intake = read_intake(tmp_path)
    assert {e.student_id: e.name for e in intake.entries} == {
        "j_doe": "John Doe",
        "doe": "Jane Doe",
        "kim": "",
    }
    reasons = {item.path.name: item.reason for item in intake.not_graded}
    eve, lee = f"HW3_eve_attempt_{T1}", f"Lab_1_lee_attempt_{T1}"
    assert (
        reasons[f"{eve}_captioning.zip"]
        == reasons[f"{eve}.txt"]
        == (f"{eve}.txt: its description names the username 'bob', which its file name does not")
    )
    assert reasons[f"{lee}_captioning.zip"].startswith(
        f"{lee}.txt: its description names no username and the file name can be read as"
    )
    assert len(reasons) == 4


def test_blackboard_uploads_named_like_another_attempt_stay_with_their_own(tmp_path):
    """Alice's uploads named as bob's later attempt (and its description) would have
    replaced bob's real attempt; a forged time with no date would have stopped the run."""
    alice = f"HW3_alice_attempt_{T1}"
    forged = [
        f"x_bob_attempt_{T3}_captioning.zip",
        f"x_bob_attempt_{T3}.txt",
        "x_carol_attempt_2024-13-45-99-99-99_y.zip",
    ]
    bob = f"HW3_bob_attempt_{T2}"
    names = [f"{alice}.txt", f"{alice}_captioning.zip", *(f"{alice}_{f}" for f in forged)]
    entries, reasons = intake_of(tmp_path, [*names, f"{bob}.txt", f"{bob}_captioning.zip"])
    assert sorted(entries) == ["alice", "bob"] and reasons == {}
    assert entries["bob"].files == [tmp_path / f"{bob}.txt", tmp_path / f"{bob}_captioning.zip"]
    assert entries["bob"].timestamp == datetime(2024, 10, 2, 10)
    assert sorted(entries["alice"].source) == sorted(["captioning.zip", *forged])
    assert entries["alice"].timestamp == datetime(2024, 10, 1, 10)


def test_a_name_imitating_another_lms_stays_with_its_own_or_is_refused(tmp_path):
    imitations = [
        f"alice_111_600_HW3_bob_attempt_{T3}.txt",
        f"alice_111_601_HW3_bob_attempt_{T3}_rnn.py",
        "alice_111_602_Bob_222_assignsubmission_file_rnn_layers.py",
    ]
    # A Canvas download: every name reads as Canvas, so Canvas reads them all.
    entries, reasons = intake_of(tmp_path / "canvas", [*imitations, "bob_222_700_x.zip"])
    assert sorted(entries) == ["alice_111", "bob_222"] and reasons == {}
    assert len(entries["alice_111"].files) == 3
    # Downloads of two LMS in one folder: a name both read is refused, never bob's.
    bob = f"HW3_bob_attempt_{T2}"
    folder = tmp_path / "mixed"
    entries, reasons = intake_of(folder, [*imitations[:2], f"{bob}.txt", f"{bob}_x.zip"])
    assert sorted(entries) == ["bob"]
    assert entries["bob"].files == [folder / f"{bob}.txt", folder / f"{bob}_x.zip"]
    assert reasons == dict.fromkeys(
        imitations[:2],
        "the name reads as a Canvas and a Blackboard upload and the folder does not tell which",
    )


def test_odd_file_names_are_listed_on_one_line_each(tmp_path):
    """A byte that is not UTF-8 stopped the run while it wrote not_graded.csv."""
    from autograder.grade import not_graded_csv

    folder = tmp_path / "subs"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"notes\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    (folder / "a\nfake line.txt").write_bytes(b"x")
    text = not_graded_csv(read_intake(folder).not_graded)
    assert text.encode("utf-8")
    assert [line.split(",")[0] for line in text.splitlines()] == [
        "file", "a fake line.txt", "notes .txt"
    ]  # fmt: skip


def test_a_symbolic_link_loop_is_listed(tmp_path):
    """Resolving every name of the folder raised on a loop of links, stopping the run."""
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    entries, reasons = intake_of(tmp_path, ["alice.zip"])
    assert list(entries) == ["alice"]
    assert reasons == dict.fromkeys(["a", "b"], "a symbolic link; links are not followed")


def test_two_submissions_of_one_student_are_both_refused(tmp_path):
    touch(tmp_path, "alice.zip")
    (tmp_path / "alice").mkdir()
    touch(tmp_path, "José.zip")
    touch(tmp_path, "jose.zip")
    intake = read_intake(tmp_path)
    assert intake.entries == []
    reasons = {item.path.name: item.reason for item in intake.not_graded}
    both = "alice has 2 submissions (alice, alice.zip); keep one"
    assert reasons["alice"] == reasons["alice.zip"] == both
    assert reasons["José.zip"] == "jose has 2 submissions (José.zip, jose.zip); keep one"
    # Ids that differ in letter case only would share a folder on macOS and Windows.
    touch(tmp_path, "Carol.zip")
    touch(tmp_path, "carol.tgz")
    reasons = {item.path.name: item.reason for item in read_intake(tmp_path).not_graded}
    assert (
        reasons["carol.tgz"] == "Carol / carol has 2 submissions (Carol.zip, carol.tgz); keep one"
    )
    assert slug("Ana-María O'Neil") == "ana-maria-o-neil"


def test_rosters_of_the_three_lms(tmp_path):
    canvas = tmp_path / "canvas.csv"
    canvas.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Captioning (1234)\n"
        "    Points Possible,,,,,55\n"
        '"Müller, Jürgen",34567,S3,jmuller,Lab A,\n'
        '"Student, Test",99999,,,,\n'
    )
    roster = read_roster(canvas)
    assert roster.kind == "canvas" and len(roster.rows) == 1
    assert roster.find("canvas", "34567", "x")["SIS Login ID"] == "jmuller"
    assert roster.find("", "", "JMuller") is roster.rows[0]  # plain names match the login
    moodle = tmp_path / "moodle.csv"
    moodle.write_bytes(
        "\ufeffIdentifier,Full name,Email address,Status,Grade,Maximum Grade,"
        "Last modified (submission)\n"
        "Participant 998877,Jane Roe,jroe@uni.example,Submitted,,55,"
        '"Tuesday, 1 October 2024, 11:59 PM"\n'.encode()
    )
    roster = read_roster(moodle)
    assert roster.kind == "moodle"
    assert roster.name(roster.find("moodle", "998877", "")) == "Jane Roe"
    assert roster.find("", "", "jroe") is roster.rows[0]
    blackboard = tmp_path / "bb.xls"
    blackboard.write_text(
        "Last Name\tFirst Name\tUsername\tStudent ID\tHW3 [Total Pts: 55 Score] |77\n"
        "Doe\tJohn\tjdoe\t123\t\n"
    )
    roster = read_roster(blackboard)
    assert roster.kind == "blackboard"
    assert roster.name(roster.find("blackboard", "jdoe", "")) == "John Doe"
    (tmp_path / "other.csv").write_text("name,score\nx,1\n")
    with pytest.raises(RosterError, match="neither a Canvas gradebook export"):
        read_roster(tmp_path / "other.csv")
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "missing.csv")


def test_times_and_the_late_penalty():
    assert parse_time("2024-10-01 23:59", "Europe/Zurich") == datetime(2024, 10, 1, 21, 59)
    assert parse_time("2024-10-01T23:59+00:00", "Europe/Zurich") == datetime(2024, 10, 1, 23, 59)
    assert parse_time("Tuesday, 1 October 2024, 11:59 PM", "UTC") == datetime(2024, 10, 1, 23, 59)
    assert to_utc(datetime(2024, 1, 1, 12), "America/New_York") == datetime(2024, 1, 1, 17)
    with pytest.raises(ValueError, match="cannot read the time 'next friday'"):
        parse_time("next friday", "UTC")
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_time("2024-10-01", "Mars/Olympus")
    plugin = LatePenalty(fraction_per_day=0.1)
    assert plugin.late_submission_penalty("s", 50.0, 3600) == pytest.approx(5.0)  # a started day
    assert plugin.late_submission_penalty("s", 50.0, 2 * 86400 + 1) == pytest.approx(15.0)
    assert plugin.late_submission_penalty("s", 50.0, 30 * 86400) == 50.0  # never more than all
    assert plugin.late_submission_penalty("s", 50.0, 0) is None
    assert LatePenalty().late_submission_penalty("s", 50.0, 86400) is None  # no penalty set


def release_notebook() -> nbformat.NotebookNode:
    return nbformat.reads(REFERENCE[RNN_NB].decode(), as_version=4)


def answer_index(nb) -> int:
    return next(
        i
        for i, cell in enumerate(nb.cells)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1_rnn"
    )


def test_repair_copied_retyped_and_renamed_cells():
    release = release_notebook()
    nb = release_notebook()
    index = answer_index(nb)
    copied = copy.deepcopy(nb.cells[index])
    copied.source = "My answer: the gradient vanishes."
    nb.cells.insert(index + 1, copied)  # same nbgrader id and same cell id, as a paste keeps
    repaired, notes = repair_notebook(nb, release)
    graded = [
        cell
        for cell in repaired.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1_rnn"
    ]
    assert [c.source for c in graded] == ["My answer: the gradient vanishes."]
    assert notes == [
        f"cell `inline_question_1_rnn` appears 2 times (a copied cell); cell {index + 2} is "
        "graded, the other copies are kept as ordinary cells"
    ]
    assert len({c.id for c in repaired.cells}) == len(repaired.cells)

    nb = release_notebook()
    answer = nb.cells[index]
    nb.cells[index] = nbformat.v4.new_code_cell(answer.source, metadata=answer.metadata)
    nb.cells[index].metadata["nbgrader"]["points"] = 100  # and the points edited
    repaired, notes = repair_notebook(nb, release)
    assert repaired.cells[index].cell_type == "markdown"
    assert repaired.cells[index].metadata["nbgrader"] == release.cells[index].metadata["nbgrader"]
    assert notes == [
        "cell `inline_question_1_rnn` had changed nbgrader metadata; it was restored",
        "cell `inline_question_1_rnn` was changed from markdown to code; it was changed back",
    ]

    nb = release_notebook()
    nb.cells[index].metadata["nbgrader"]["grade_id"] = "my_answer"
    nb.cells[0].metadata["nbgrader"] = {"grade": True}  # broken: no id at all
    repaired, notes = repair_notebook(nb, release)
    assert repaired.cells[index].metadata["nbgrader"]["grade_id"] == "inline_question_1_rnn"
    assert "nbgrader" not in repaired.cells[0].metadata
    assert notes == [
        "cell 1 carried nbgrader metadata that matches no cell of the assignment; it is kept "
        "as an ordinary cell",
        f"cell {index + 1} had its nbgrader id changed; it is graded as `inline_question_1_rnn`",
    ]
    assert repair_notebook(release_notebook(), release)[1] == []


def test_backticks_in_messages_become_code_and_html_is_escaped():
    assert rich_text("use `np.add.at` <now> & `x<y`") == (
        "use <code>np.add.at</code> &lt;now&gt; &amp; <code>x&lt;y</code>"
    )
    assert rich_text("a lone ` stays") == "a lone ` stays"


GRADE = ["grade", "{tmp}/subs", "--out", "{tmp}/out"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grade", "{tmp}/missing", "--out", "{tmp}/out"], "{tmp}/missing does not exist"),
        (["grade", "{tmp}/empty", "--out", "{tmp}/out"], "{tmp}/empty is empty"),
        (["grade", "{tmp}/file.zip", "--out", "{tmp}/out"], "{tmp}/file.zip is not a folder"),
        (["grade", "{tmp}/subs", "--out", "{tmp}/file.zip"], "--out {tmp}/file.zip is a file"),
        (
            ["grade", "{tmp}/subs", "--out", "{tmp}/subs/o"],
            "--out {tmp}/subs/o is inside {tmp}/subs",
        ),
        (["grade", "{tmp}/only_notes", "--out", "{tmp}/out"], "no submission found in"),
        ([*GRADE, "--student", "zed"], "no submission of zed in"),
        ([*GRADE, "--student", ".."], "--student '..' is not a student id (it starts with '.')"),
        ([*GRADE, "--jobs", "0"], "argument --jobs: must be at least 1"),
        ([*GRADE, "--late-penalty", "2"], "must be between 0 and 1"),
        ([*GRADE, "--due", "soon"], "cannot read the time 'soon'"),
        ([*GRADE, "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        ([*GRADE, "--roster", "{tmp}/notes.txt"], "neither a Canvas"),
        (["verify", "{tmp}/subs"], "holds no course"),
        (["report", "{tmp}/out"], "holds no course"),
    ],
)
def test_bad_input_is_one_line_before_any_work(argv, message, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "only_notes").mkdir()
    (tmp_path / "only_notes" / "notes.txt").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    write_zip(tmp_path / "file.zip", {"a": b"b"})
    (tmp_path / "subs").mkdir()
    write_zip(tmp_path / "subs" / "alice.zip", REFERENCE)
    try:
        code = main([arg.format(tmp=tmp_path) for arg in argv])
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert message.format(tmp=tmp_path) in err
    assert not (tmp_path / "out").exists()  # refused before any work


def test_the_command_line_lists_every_command_and_explains_every_option(capsys):
    from autograder.__main__ import parser

    top = parser()
    commands = top._subparsers._group_actions[0]
    listed = {action.dest for action in commands._choices_actions}
    assert listed == set(commands.choices)  # every command has its line of help
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)
        text = sub.format_help()
        assert "(default: None)" not in text
    assert "--out OUT   output folder (default: " in commands.choices["solution"].format_help()
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("captioning-kit 0.1.0 (nbgrader 0.9.6)")


def test_a_notebook_that_cannot_be_repaired_is_named(tmp_path):
    release = tmp_path / "RNN_Captioning.ipynb"
    release.write_bytes(REFERENCE[RNN_NB])
    copied = release_notebook()
    copied.cells.append(copy.deepcopy(copied.cells[answer_index(copied)]))
    notes, trouble = preview_sanitize(nbformat.writes(copied).encode(), release)
    assert trouble is None and len(notes) == 1
    broken = nbformat.writes(release_notebook()).replace('"metadata": {}', '"metadata": []', 1)
    notes, trouble = preview_sanitize(broken.encode(), release)
    assert notes == [] and trouble is not None
    assert preview_sanitize(REFERENCE[RNN_NB], release) == ([], None)


def record(student_id: str, total: float, lms: dict) -> dict:
    """The part of a course record the LMS exports read."""
    return {"student_id": student_id, "total": total, "result": {"lms": lms}}


def test_lms_import_files_take_their_ids_from_the_roster(tmp_path):
    from autograder.reports.export import canvas_csv, lms_grades_csv

    records = [
        record("mullerjurgen_34567", 52, {"kind": "canvas", "id": "34567", "name": "müllerjürgen"}),
        record("smithjohn_12345", 40, {"kind": "canvas", "id": "12345", "name": "smithjohn"}),
        record("alice", 36.5, {"kind": "", "id": ""}),
    ]
    canvas = tmp_path / "canvas.csv"
    canvas.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        '"Müller, Jürgen",34567,S3,jmuller,Lab B\n'
        '"Liddell, Alice",555,S9,alice,Lab A\n'
    )
    assert canvas_csv(records, 55, read_roster(canvas)).splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,Captioning",
        "Points Possible,,,,,55",
        '"Müller, Jürgen",34567,S3,jmuller,Lab B,52',
        "smithjohn,12345,,,,40",  # not in the roster: Canvas matches the user id
        '"Liddell, Alice",555,S9,alice,Lab A,36.5',  # a plain id found as SIS login
    ]
    assert canvas_csv(records[2:], 55).splitlines()[2] == "alice,,alice,alice,,36.5"
    moodle = tmp_path / "worksheet.csv"
    moodle.write_text(
        "Identifier,Full name,Email address,Grade,Maximum Grade\n"
        "Participant 998877,Jane Roe,jroe@uni.example,,55\n"
        "Participant 111111,Absent Student,absent@uni.example,,55\n"
    )
    jane = record("jane-roe_998877", 41.6, {"kind": "moodle", "id": "998877"})
    assert lms_grades_csv([jane], 55, read_roster(moodle)).splitlines() == [
        "Identifier,Full name,Email address,Grade,Maximum Grade",
        "Participant 998877,Jane Roe,jroe@uni.example,41.6,55",
        "Participant 111111,Absent Student,absent@uni.example,,55",  # untouched
    ]
    blackboard = tmp_path / "bb.csv"
    blackboard.write_text("Last Name,First Name,Username,Student ID\nDoe,John,jdoe,123\n")
    john = record("jdoe", 50, {"kind": "blackboard", "id": "jdoe"})
    assert lms_grades_csv([john], 55, read_roster(blackboard)).splitlines() == [
        "Last Name,First Name,Username,Student ID,Captioning [Total Pts: 55 Score]",
        "Doe,John,jdoe,123,50",
    ]
