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


def write_aliased_zip(path: Path, name: str, data: bytes, entries: int) -> Path:
    """A zip at path of `entries` directory entries named name that all point at one
    deflated copy of data (a zip bomb of copies: small, and data times entries unpacked)."""
    write_zip(path, {name: data}, zipfile.ZIP_DEFLATED)
    zipped = path.read_bytes()
    start, end = zipped.index(b"PK\x01\x02"), zipped.rindex(b"PK\x05\x06")
    directory = zipped[start:end] * entries
    count = entries.to_bytes(2, "little")
    record = zipped[end : end + 8] + count + count + len(directory).to_bytes(4, "little")
    path.write_bytes(zipped[:start] + directory + record + zipped[end + 16 :])
    return path
