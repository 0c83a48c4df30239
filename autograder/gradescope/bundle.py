"""The Gradescope autograder bundle, written by `python -m autograder gradescope`.

`python -m autograder gradescope --out ZIP [--visibility WHEN]` writes a bundle holding
setup.sh, run_autograder (both from files/) and the kit itself (the student package, the
instructor side with its hidden checks, the pinned requirements), and the settings chosen
at build time, which bundle_visibility reads back on Gradescope.
"""

import json
import zipfile
from pathlib import Path

from autograder.paths import REPO, kit_files

BUNDLE_FILES = ["Makefile", "requirements.txt", "constraints.txt", "pyproject.toml"]
BUNDLE_FOLDERS = ["cs231n", "autograder", "notebooks"]
SCRIPTS = REPO / "autograder" / "gradescope" / "files"
# Written into the bundle by build_bundle; read by run on Gradescope.
SETTINGS = "autograder/gradescope/settings.json"
# Gradescope's visibility values, and when students see a test with each.
VISIBILITIES = {
    "visible": "at once",
    "after_due_date": "after the due date (the late due date, if late submissions are allowed)",
    "after_published": "once the instructor publishes the grades",
    "hidden": "never (only the instructor sees them)",
}
# Students see their scores and the checks' messages at once, and can fix their work
# before the deadline (the same messages reach them in the batch grader's feedback).
DEFAULT_VISIBILITY = "visible"


def build_bundle(out: Path, visibility: str = DEFAULT_VISIBILITY) -> Path:
    """Write the autograder zip Gradescope expects (setup.sh and run_autograder at its root).

    Inputs:
    - out: Path of the zip to write
    - visibility: When students see the autograded tests, a key of VISIBILITIES

    Returns:
    - out
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility}")
    settings = {
        "generated_by": "python -m autograder gradescope (do not edit; rebuild the bundle)",
        "visibility": visibility,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            bundle.writestr(info, (SCRIPTS / name).read_bytes())
        for name in BUNDLE_FILES:
            bundle.write(REPO / name, name)
        for folder in BUNDLE_FOLDERS:
            for path in kit_files(REPO / folder):
                bundle.write(path, path.relative_to(REPO).as_posix())
        bundle.writestr(SETTINGS, json.dumps(settings, indent=1) + "\n")
    return out


def bundle_visibility(kit: Path = REPO) -> str:
    """The visibility the bundle at kit was built with (the default outside a bundle)."""
    path = kit / SETTINGS
    if not path.is_file():
        return DEFAULT_VISIBILITY
    return json.loads(path.read_text())["visibility"]
