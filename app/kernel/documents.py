"""Uploaded documents before parsing: the type a file really is, a safe name for it, and the one error type for
documents we cannot take (`code` is stable, `message` is shown to the user). Standard library only: the API
checks uploads with it, the indexing worker parses them (worker/rag/loaders.py)."""

import os
import unicodedata
import zipfile
from pathlib import Path


class DocumentError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type["DocumentError"], tuple[str, str]]:
        return DocumentError, (self.code, self.message)  # crosses the parser sandbox's pipe intact

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


SUPPORTED = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
SUPPORTED_LIST = "PDF, DOCX, TXT, Markdown, HTML"
TEXT_KINDS = {"txt", "md", "html"}

# Magic numbers of common binary formats we refuse; named so the message can say what the file is.
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "a legacy Office file (.doc/.xls/.ppt)",
    b"\x7fELF": "an executable",
    b"MZ": "an executable",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
_FILENAME_BAD = set('<>:"|?*')


def safe_filename(name: str, max_length: int = 200) -> str:
    """Base name only (no directories, `..`, control or shell-hostile characters), length-limited."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _FILENAME_BAD)
    name = name.strip().lstrip(".").strip()
    if not name:
        raise DocumentError("invalid_filename", "The file name is empty or invalid.")
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:
        stem, ext = name, ""
    return stem[: max(1, max_length - len(ext))] + ext


def detect_type(path: str | Path, filename: str) -> str:
    """Return pdf|docx|txt|md|html from the content, checked against the extension of `filename`."""
    path = Path(path)
    ext = os.path.splitext(filename)[1].lower()
    if ext and ext not in SUPPORTED:
        raise DocumentError("unsupported_type", f"'{ext}' files are not supported (supported: {SUPPORTED_LIST}).")
    claimed = SUPPORTED.get(ext)
    if path.stat().st_size == 0:
        raise DocumentError("empty_file", f"{filename} is empty.")
    with path.open("rb") as fh:
        head = fh.read(8192)
    sniffed = _sniff_binary(path, head)
    if sniffed in ("pdf", "docx"):
        if claimed and claimed != sniffed:
            raise DocumentError("type_mismatch", f"{filename} is named {ext} but is actually a {sniffed.upper()} file.")
        return sniffed
    if sniffed:
        if claimed:
            raise DocumentError("type_mismatch", f"{filename} is named {ext} but is actually {sniffed}.")
        raise DocumentError("unsupported_type", f"{filename} is {sniffed}; supported: {SUPPORTED_LIST}.")
    if claimed in ("pdf", "docx"):
        raise DocumentError("type_mismatch", f"{filename} is named {ext} but is not a {claimed.upper()} file.")
    if claimed:
        return claimed
    lowered = head.lstrip()[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "md" if lowered.startswith(b"#") else "txt"


def _sniff_binary(path: Path, head: bytes) -> str | None:
    """'pdf', 'docx', a description of another binary format, or None for (probably) text."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return "a damaged ZIP archive"
        return "docx" if "word/document.xml" in names else "a ZIP archive"
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return what
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "a binary file"
    return None
