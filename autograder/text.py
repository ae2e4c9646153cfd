"""Text that came from a submission, made safe to show and to write anywhere.

Folder names, notebook names and every message that quotes a child may hold non-UTF-8 bytes (as
lone surrogates), terminal control sequences, bidirectional overrides or megabytes. Everything the
kit writes or prints goes through clean_text first; grades.csv cells also through csv_cell.
"""
from __future__ import annotations

import unicodedata

MESSAGE_LIMIT = 500
"""Characters of one message in feedback, grades.json, report.html and `check`."""
NAME_LIMIT = 120
"""Characters of one student id or file name."""
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def _printable(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cs":  # a lone surrogate: an undecodable byte of a file name, or junk
        return "\ufffd"
    return " " if category in ("Cc", "Cf", "Zl", "Zp") else ch


def clean_text(value: object, limit: int = MESSAGE_LIMIT) -> str:
    """Printable UTF-8 text of at most limit characters, on one line.

    Undecodable bytes (lone surrogates) become U+FFFD; control and format characters (escape
    sequences, bidi overrides, NUL, ...) become spaces; runs of whitespace become one space.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > 4 * limit:  # never scan megabytes for a few hundred characters
        text = text[: 4 * limit]
    text = "".join(_printable(ch) for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def csv_cell(value: object) -> str:
    """A grades.csv cell that Excel, LibreOffice and Google Sheets show as text, never as a formula.

    OWASP's advice on CSV injection: a cell that starts with = + - @ tab or CR gets a leading
    apostrophe. Numbers are written by the caller and never come here.
    """
    text = clean_text(value, NAME_LIMIT)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def exception_line(exc: BaseException, limit: int = 300) -> str:
    """'TypeName: message' on one line, cleaned and capped."""
    return clean_text(f"{type(exc).__name__}: {exc}", limit)
