"""The words in a stored file, for the search.

- PDFs with a text layer (made by a word processor, or scanned with OCR already):
  ``pdftotext`` (poppler-utils), at upload, within seconds.
- Scans without text (image PDFs, JPG, PNG): OCR with Debian's ``tesseract`` and its
  Indonesian language pack, only when ``SEARCH_OCR`` is on (off by default: it is
  slow and needs ``tesseract-ocr tesseract-ocr-ind``). The upload only marks the file
  ``ocr``; ``flask eoffice search extract`` (a systemd timer in deploy/) reads them
  later, off the request path, and reindexes the letters that carry them.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - fixed programs, no shell
import tempfile
from pathlib import Path

from flask import current_app

MAX_TEXT = 2_000_000  # characters kept per file
TIMEOUT = 60  # seconds per program run


def tool(name: str) -> str | None:
    return shutil.which(name)


def pdf_text(path: Path) -> str | None:
    """The text layer of a PDF, or None when pdftotext is missing or fails."""
    program = tool("pdftotext")
    if program is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 - fixed program and arguments
            [program, "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True,
            timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    # NUL can come out of odd fonts; PostgreSQL cannot store it (eoffice/inputs.py).
    return result.stdout.decode("utf-8", "replace").replace("\x00", "")[:MAX_TEXT]


def ocr_text(path: Path, kind: str) -> str | None:
    """Text read by tesseract from an image or from each page of a PDF (pdftoppm)."""
    tesseract = tool("tesseract")
    if tesseract is None:
        return None
    languages = current_app.config["SEARCH_OCR_LANGUAGES"]
    with tempfile.TemporaryDirectory(prefix="eoffice-ocr-") as work:
        images = [path]
        if kind == "pdf":
            pdftoppm = tool("pdftoppm")
            if pdftoppm is None:
                return None
            try:
                subprocess.run(  # noqa: S603
                    [pdftoppm, "-r", "200", "-gray", "-png", "-l", "50", str(path),
                     str(Path(work) / "page")], capture_output=True, timeout=TIMEOUT * 5,
                    check=True)
            except (OSError, subprocess.SubprocessError):
                return None
            images = sorted(Path(work).glob("page*.png"))
        parts = []
        for image in images:
            try:
                result = subprocess.run(  # noqa: S603
                    [tesseract, str(image), "stdout", "-l", languages], capture_output=True,
                    timeout=TIMEOUT, check=False)
            except (OSError, subprocess.TimeoutExpired):
                return None
            if result.returncode != 0:
                return None
            parts.append(result.stdout.decode("utf-8", "replace").replace("\x00", ""))
    return "\n".join(parts)[:MAX_TEXT]


def extract(path: Path, kind: str) -> tuple[str | None, str]:
    """(text, status) of a file just stored; never runs OCR itself (see module)."""
    if kind == "pdf":
        content = pdf_text(path)
        if content is None:
            return None, "failed"
        if content.strip():
            return content, "done"
    return None, "ocr" if current_app.config["SEARCH_OCR"] else "none"
