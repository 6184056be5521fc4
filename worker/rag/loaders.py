"""Turn an uploaded file into text sections (page, heading) — or a DocumentError saying why not.

Types are sniffed from the content; the extension must agree with it. PDFs are read page by page.
"""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.kernel.documents import DocumentError, detect_type

MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 100
DOCX_RATIO_MIN_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class Section:
    """A run of text under one heading on one page (page is None for formats without pages)."""

    text: str
    page: int | None = None
    heading: str | None = None


@dataclass
class LoadedDocument:
    kind: str
    page_count: int
    sections: Iterator[Section]


def load(path: str | Path, filename: str) -> LoadedDocument:
    """Open the document (errors in the container surface here); sections are produced lazily."""
    path = Path(path)
    kind = detect_type(path, filename)
    if kind == "pdf":
        return _load_pdf(path, filename)
    if kind == "docx":
        return LoadedDocument("docx", 1, _docx_sections(_open_docx(path, filename)))
    text = decode_text(path.read_bytes(), filename)
    if not text.strip():
        raise DocumentError("empty_file", f"{filename} contains no text.")
    if kind == "html":
        return LoadedDocument(kind, 1, _html_sections(text))
    if kind == "md":
        return LoadedDocument(kind, 1, _markdown_sections(text))
    return LoadedDocument(kind, 1, iter([Section(_clean(text))]))


def decode_text(data: bytes, filename: str) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, or GB18030 (legacy Chinese); anything else is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("undecodable_text", f"{filename} is not valid UTF-8, UTF-16 or GB18030 text.")


def _load_pdf(path: Path, filename: str) -> LoadedDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
        page_count = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        cause = exc.__cause__ or exc
        if isinstance(cause, PDFPasswordIncorrect) or "password" in repr(cause).lower():
            raise DocumentError("encrypted_pdf", f"{filename} is password-protected; remove the password.") from exc
        raise DocumentError("corrupt_pdf", f"{filename} is damaged and cannot be read as a PDF.") from exc
    return LoadedDocument("pdf", page_count, _pdf_sections(pdf, filename))


def _pdf_sections(pdf, filename: str) -> Iterator[Section]:
    found_text = False
    try:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                text = page.extract_text() or ""
            except Exception as exc:
                raise DocumentError("corrupt_pdf", f"Page {number} of {filename} is damaged.") from exc
            finally:
                page.close()  # drop the page's parsed layout so a long PDF never sits in memory whole
            if text.strip():
                found_text = True
                yield Section(_clean(text), page=number)
    finally:
        pdf.close()
    if not found_text:
        raise DocumentError("no_text", f"{filename} has no extractable text (a scanned PDF?); OCR is not supported.")


def _open_docx(path: Path, filename: str):
    import docx

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise DocumentError("corrupt_docx", f"{filename} is damaged and cannot be read as DOCX.") from exc
    uncompressed = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if uncompressed > MAX_DOCX_UNCOMPRESSED or (
        uncompressed > DOCX_RATIO_MIN_SIZE and uncompressed / compressed > MAX_DOCX_RATIO
    ):
        raise DocumentError("zip_bomb", f"{filename} expands to {uncompressed >> 20} MB; refused as a zip bomb.")
    try:
        return docx.Document(str(path))
    except Exception as exc:
        raise DocumentError("corrupt_docx", f"{filename} is damaged and cannot be read as DOCX.") from exc


def _docx_sections(document) -> Iterator[Section]:
    from docx.table import Table

    tracker = _HeadingTracker()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    tracker.add(" | ".join(cells))
            continue
        style = block.style.name if block.style is not None else ""
        level = _docx_heading_level(style)
        if level is not None and block.text.strip():
            yield from tracker.heading(level, block.text)
        else:
            tracker.add(block.text)
    yield from tracker.flush()


def _docx_heading_level(style: str) -> int | None:
    if style == "Title":
        return 0
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _markdown_sections(text: str) -> Iterator[Section]:
    tracker = _HeadingTracker()
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _MD_HEADING.match(line)
        if match:
            yield from tracker.heading(len(match.group(1)), match.group(2))
        else:
            tracker.add(line)
    yield from tracker.flush()


_HTML_DROP = ["script", "style", "noscript", "template", "svg", "head", "iframe", "object"]
_HTML_BLOCKS = [
    "p",
    "div",
    "li",
    "br",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "table",
    "ul",
    "ol",
    "pre",
    "blockquote",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "dd",
    "dt",
    "figcaption",
]
_HEADING_MARK = "\x00"


def _html_sections(text: str) -> Iterator[Section]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    for tag in soup(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        title = tag.get_text(" ", strip=True)
        tag.replace_with(f"\n{_HEADING_MARK}{tag.name[1]}{_HEADING_MARK}{title}\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_after("\n")
    tracker = _HeadingTracker()
    for line in soup.get_text().splitlines():
        if line.startswith(_HEADING_MARK):
            _, level, title = line.split(_HEADING_MARK, 2)
            yield from tracker.heading(int(level), title)
        else:
            tracker.add(line)
    yield from tracker.flush()


class _HeadingTracker:
    """Collects lines under the current heading path ("A > B") and emits a Section when it changes."""

    def __init__(self):
        self._stack: list[tuple[int, str]] = []
        self._lines: list[str] = []

    def heading(self, level: int, title: str) -> Iterator[Section]:
        yield from self.flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, " ".join(title.split())))

    def add(self, line: str) -> None:
        self._lines.append(line)

    def flush(self) -> Iterator[Section]:
        text = _clean("\n".join(self._lines))
        self._lines = []
        if text:
            yield Section(text, heading=" > ".join(t for _, t in self._stack) or None)


def _clean(text: str) -> str:
    """Collapse runs of spaces inside lines and of blank lines between paragraphs."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
