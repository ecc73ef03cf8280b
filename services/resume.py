"""Resume PDFs to plain text with pypdf, under page and character caps."""

from __future__ import annotations

import io
import logging
import re

log = logging.getLogger(__name__)

MAX_PAGES = 10
MAX_CHARS = 20_000
# Fewer letters than this is no resume: a scan, or a page of images with a stray page number.
MIN_LETTERS = 20


class ResumeError(Exception):
    """The file is not a usable resume; `message` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def extract_text(data: bytes, *, max_pages: int = MAX_PAGES, max_chars: int = MAX_CHARS) -> str:
    """The text of the first `max_pages` pages, whitespace-tidied and cut at `max_chars`."""
    # The PDF header may follow a little junk, but it must come first in substance.
    if b"%PDF-" not in data[:1024]:
        raise ResumeError("The file is not a PDF")
    # Only the template route reads PDFs: the API loads pypdf when the first resume arrives.
    from pypdf import PdfReader

    parts: list[str] = []
    length = 0
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ResumeError("The PDF is password-protected")
        for page in reader.pages[:max_pages]:
            text = _tidy(page.extract_text() or "")
            parts.append(text)
            length += len(text)
            if length >= max_chars:
                break
    except ResumeError:
        raise
    except Exception as exc:
        # pypdf raises many exception types on malformed input; to the user they all mean one thing.
        log.info("resume PDF unreadable: %s", type(exc).__name__)
        raise ResumeError("The PDF could not be read") from None
    text = "\n\n".join(part for part in parts if part)[:max_chars]
    if sum(char.isalpha() for char in text) < MIN_LETTERS:
        raise ResumeError(
            "No text could be read from the PDF (is it a scanned image?); upload a PDF with selectable text"
        )
    return text


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
