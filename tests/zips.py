"""Zip files for the tests: write one from a map of names to bytes, read one back."""

import zipfile
from pathlib import Path


def write_zip(path: Path, files: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    """A zip at path holding files (name -> content), compressed with method; returns path."""
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def read_zip(path: Path) -> dict[str, bytes]:
    """Every member of a zip: name -> content."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
