"""Hostile file names in a submissions folder: attacks on intake, not on grading.

In an LMS download a student chooses the free part of each file name (the name they
gave the uploaded file), and on Blackboard or with plain names the id itself. Each
attack puts a victim's genuine files, the attacker's genuine files and the
attacker's forged files into one folder. test_adversarial_intake checks every attack
against the invariants rather than an expected verdict:

- every id intake makes is a student id (ids.id_problem), and ids.inside keeps it in
  its folder;
- the victim's entry is the same with the attacker's files in the folder as without;
- no forged file is graded as the victim's, or under the victim's id;
- every forged file is graded (as someone else's) or listed as not graded; with a
  hostile id (`refused`), listed.

The imitations are generated: an attacker of each LMS names a file like each of the
victim's names (a later upload, a Moodle marker, a Blackboard attempt or its
description, a time with no date, a newline, Unicode digits), in a download of one
LMS and in a folder holding all three LMS's downloads.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

T1, T2, T3 = "2024-10-01-10-00-00", "2024-10-02-10-00-00", "2024-10-03-10-00-00"
LMS = ("canvas", "moodle", "blackboard")
# Bob's genuine submission, as each LMS names it.
VICTIM = {
    "canvas": ("bob_222_700_captioning.zip",),
    "moodle": ("Bob Stone_222_assignsubmission_file_rnn.py",),
    "blackboard": (f"HW3_bob_attempt_{T2}.txt", f"HW3_bob_attempt_{T2}_captioning.zip"),
}
# Eve's genuine submission.
OWN = {
    "canvas": ("eve_666_900_captioning.zip",),
    "moodle": ("Eve Black_666_assignsubmission_file_captioning.zip",),
    "blackboard": (f"HW3_eve_attempt_{T1}.txt", f"HW3_eve_attempt_{T1}_captioning.zip"),
}
# What the LMS writes before the name eve gives a file.
EVE_PREFIX = {
    "canvas": "eve_666_950_",
    "moodle": "Eve Black_666_assignsubmission_file_",
    "blackboard": f"HW3_eve_attempt_{T1}_",
}
# Names eve gives a file, each imitating one of bob's.
TAILS = {
    "canvas-later-upload": "bob_222_701_captioning.zip",
    "canvas-late": "LATE_222_702_rnn.py",
    "moodle-upload": "Bob Stone_222_assignsubmission_file_rnn.py",
    "moodle-second-marker": "x_222_assignsubmission_file_rnn.py",
    "blackboard-later-attempt": f"HW3_bob_attempt_{T3}_captioning.zip",
    "blackboard-description": f"HW3_bob_attempt_{T3}.txt",
    "blackboard-in-attempt": f"x_bob_attempt_{T3}_captioning.zip",
    "blackboard-in-attempt-description": f"x_bob_attempt_{T3}.txt",
    "blackboard-no-date": "x_bob_attempt_2024-13-45-99-99-99_captioning.zip",
    "blackboard-dot-dot": f"HW3_.._attempt_{T3}_captioning.zip",
    "trailing-newline": f"HW3_bob_attempt_{T3}.txt\n",
    "newline": "x\nbob_222_703_captioning.zip",
    "unicode-digits": "Bob Stone_\u0662\u0662\u0662_assignsubmission_file_rnn.py",
}
# Blackboard usernames that must never name a folder.
HOSTILE_USERS = ("..", ".", "-rf", "con", "jürgen", "bob\u202e", "bob\n", "x" * 150)
# Blackboard usernames holding `_` that end in the victim's (`HW3_x_bob_attempt_...` was
# read as bob's later attempt).
UNDERSCORE_USERS = ("x_bob", "HW3_bob", "_bob", "bob_", "x__bob")


@dataclass(frozen=True)
class Attack:
    """One attack on intake: the names of three sets of files in one folder.

    - name: The attack's name (a pytest id)
    - victim: The victim's genuine files (graded the same with the attack or without)
    - own: The attacker's genuine files
    - forged: The attacker's files with a hostile free part (or id)
    - refused: Whether every forged file must be listed, none graded
    """

    name: str
    victim: tuple[str, ...]
    own: tuple[str, ...]
    forged: tuple[str, ...]
    refused: bool = False


def imitations() -> list[Attack]:
    """Eve, on each LMS, names a file like each of bob's names: in her LMS's download
    (bob's submission there too), and in a folder of all three LMS's downloads."""
    attacks = []
    everyone = [name for lms in LMS for name in VICTIM[lms]]
    everyone_own = [name for lms in LMS for name in OWN[lms]]
    for lms in LMS:
        for trick, tail in TAILS.items():
            forged = (EVE_PREFIX[lms] + tail,)
            attacks.append(Attack(f"{lms}-{trick}", VICTIM[lms], OWN[lms], forged))
            attacks.append(
                Attack(f"{lms}-{trick}-mixed", tuple(everyone), tuple(everyone_own), forged)
            )
    return attacks


def hostile_ids() -> list[Attack]:
    """A Blackboard attempt of each hostile username, and a later one of each username
    with `_` that ends in bob's, next to bob's; plain names that are no student id
    (refused) or become one (graded under it)."""
    attacks = [
        Attack(
            f"blackboard-user-{user!r}",
            VICTIM["blackboard"],
            (),
            (f"HW3_{user}_attempt_{T1}.txt", f"HW3_{user}_attempt_{T1}_captioning.zip"),
            refused=True,
        )
        for user in HOSTILE_USERS
    ]
    attacks += [
        Attack(
            f"blackboard-underscore-user-{user!r}",
            VICTIM["blackboard"],
            (),
            (f"HW3_{user}_attempt_{T3}.txt", f"HW3_{user}_attempt_{T3}_captioning.zip"),
        )
        for user in UNDERSCORE_USERS
    ]
    attacks += [
        Attack("plain-device-name", (), (), ("con.zip", "NUL.tar.gz"), refused=True),
        Attack("plain-nothing-ascii", (), (), ("日本.zip",), refused=True),
        Attack("plain-slugged", (), (), ("-rf.zip", "a\nb.zip", "é" * 30 + ".zip", "x" * 200)),
        Attack("canvas-long-name", VICTIM["canvas"], (), ("e" * 200 + "_666_950_x.zip",)),
    ]
    return attacks


def attacks() -> list[Attack]:
    """Every attack of the corpus."""
    return imitations() + hostile_ids()


def write_names(folder: Path, names: tuple[str, ...] | list[str]) -> None:
    """A file per name in folder: a small zip if the name ends in .zip, else the line
    of a Blackboard description naming as the username what the name holds between
    the assignment's title (up to the first `_`) and `_attempt_`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("note.txt", name)
        else:
            user = name.rpartition("_attempt_")[0].partition("_")[2]
            path.write_text(f"Name: Someone ({user})\n")
