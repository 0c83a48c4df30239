"""Compare built datasets: the SHA-256 of every file of a folder."""

import hashlib
from pathlib import Path


def file_digests(folder: Path) -> dict[str, str]:
    """Map from file name to SHA-256 of every file of folder but hidden ones (stamps)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    }
