"""Turn an uploaded file into text sections (page, heading) — or a DocumentError saying why not.

Types are sniffed from the content; the extension must agree with it. PDFs are read page by page.
Parsing runs in a sandboxed child process (worker/sandbox) with CPU, memory and time limits, so a hostile
file ends as a failed document instead of a busy or dead worker; the checks below refuse the known bombs
before any parser sees them.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.kernel.documents import DocumentError, detect_type
from app.kernel.settings import get_settings
from worker.sandbox import ChildCrashed, LimitExceeded, Limits, stream

MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 100
DOCX_RATIO_MIN_SIZE = 4 * 1024 * 1024
MAX_PDF_INFLATED = 256 * 1024 * 1024
MAX_PDF_PAGES = 5000
_INFLATE_STEP = 1024 * 1024
INLINE_TEXT_BYTES = 1024 * 1024


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

    def close(self) -> None:
        """Stop producing sections (ends the sandboxed parser if it is still running)."""
        close = getattr(self.sections, "close", None)
        if close is not None:
            close()


def parser_limits() -> Limits:
    settings = get_settings()
    return Limits(wall_s=settings.parse_timeout_seconds, memory_mib=settings.parse_memory_mb, processes=None)


def load(path: str | Path, filename: str, limits: Limits | None = None) -> LoadedDocument:
    """Parse the document in a sandboxed child: errors in the container surface here, sections stream after.
    Plain text and Markdown up to INLINE_TEXT_BYTES are parsed here: their parsers are linear.

    A hit limit is a DocumentError (`parse_limit`) whose message says which limit. Close `sections` (or exhaust
    it) to end the child.
    """
    if Path(path).stat().st_size <= INLINE_TEXT_BYTES and detect_type(path, filename) in ("txt", "md"):
        return open_document(path, filename)  # linear by construction: a child would only add its ~6 ms
    items = stream(_parse, str(path), filename, limits=limits or parser_limits())
    kind, page_count = _next_or_refuse(items, filename)
    return LoadedDocument(kind, page_count, _rest(items, filename))


def _parse(path: str, filename: str) -> Iterator:
    """In the child: (kind, page_count) first, then every Section."""
    document = open_document(path, filename)
    yield document.kind, document.page_count
    yield from document.sections


def _next_or_refuse(items: Iterator, filename: str):
    try:
        return next(items)
    except LimitExceeded as exc:
        raise DocumentError("parse_limit", f"Parsing {filename} stopped: it {exc}.") from exc
    except ChildCrashed as exc:
        raise DocumentError("parse_crashed", f"Parsing {filename} failed: the parser {exc}.") from exc


def _rest(items: Iterator, filename: str) -> Iterator[Section]:
    try:
        while True:
            try:
                yield _next_or_refuse(items, filename)
            except StopIteration:
                return
    finally:
        items.close()  # type: ignore[attr-defined]  # a generator: kills the child if it is still running


def open_document(path: str | Path, filename: str) -> LoadedDocument:
    """Open the document in this process (the sandboxed child); sections are produced lazily."""
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

    _check_pdf_streams(path, filename)
    try:
        pdf = pdfplumber.open(path)
        page_count = len(pdf.pages)
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        cause = exc.__cause__ or exc
        if isinstance(cause, PDFPasswordIncorrect) or "password" in repr(cause).lower():
            raise DocumentError("encrypted_pdf", f"{filename} is password-protected; remove the password.") from exc
        raise DocumentError("corrupt_pdf", f"{filename} is damaged and cannot be read as a PDF.") from exc
    if page_count > MAX_PDF_PAGES:
        pdf.close()
        raise DocumentError("too_many_pages", f"{filename} has {page_count} pages; the limit is {MAX_PDF_PAGES}.")
    return LoadedDocument("pdf", page_count, _pdf_sections(pdf, filename))


_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")


def _check_pdf_streams(path: Path, filename: str) -> None:
    """Inflate every Flate stream in bounded steps, counting only: refuse before pdfminer inflates a bomb whole."""
    data = path.read_bytes()
    total = 0
    for match in _PDF_STREAM.finditer(data):
        end = data.find(b"endstream", match.end())
        pending = data[match.end() : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        while pending and total <= MAX_PDF_INFLATED:
            try:
                out = inflater.decompress(pending, _INFLATE_STEP)
            except zlib.error:
                break  # not Flate-encoded (or damaged): the parser decides
            if not out:
                break
            total += len(out)
            pending = inflater.unconsumed_tail
        if total > MAX_PDF_INFLATED:
            raise DocumentError(
                "pdf_bomb", f"{filename}'s content streams expand to more than {MAX_PDF_INFLATED >> 20} MB; refused."
            )


def _pdf_sections(pdf, filename: str) -> Iterator[Section]:
    found_text = False
    try:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                text = page.extract_text() or ""
            except MemoryError:
                raise
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
    _check_zip_bomb(infos, filename)
    try:
        return docx.Document(str(path))
    except Exception as exc:
        raise DocumentError("corrupt_docx", f"{filename} is damaged and cannot be read as DOCX.") from exc


def _check_zip_bomb(infos: list[zipfile.ZipInfo], filename: str) -> None:
    """Refuse a DOCX by its declared sizes: all members together, and the ratio of the compressed members alone,
    so stored (uncompressed) padding cannot dilute the ratio of a bomb (zipfile never reads past a declared size).
    """
    uncompressed = sum(info.file_size for info in infos)
    deflated = [info for info in infos if info.compress_type != zipfile.ZIP_STORED]
    inflated = sum(info.file_size for info in deflated)
    ratio = inflated / max(1, sum(info.compress_size for info in deflated))
    if uncompressed > MAX_DOCX_UNCOMPRESSED or (inflated > DOCX_RATIO_MIN_SIZE and ratio > MAX_DOCX_RATIO):
        raise DocumentError(
            "zip_bomb", f"{filename} expands to {uncompressed >> 20} MB ({ratio:.0f}x); refused as a zip bomb."
        )


def _docx_sections(document) -> Iterator[Section]:
    from docx.table import Table

    style_names = _paragraph_style_names(document)
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
        style_id = block._p.style
        level = _docx_heading_level(style_names.get(style_id) or style_names.get(None, ""))
        if level is not None and block.text.strip():
            yield from tracker.heading(level, block.text)
        else:
            tracker.add(block.text)
    yield from tracker.flush()


def _paragraph_style_names(document) -> dict[str | None, str]:
    """Style id -> UI name, built once: python-docx's `paragraph.style` searches every style per paragraph, so
    a file with thousands of styles and paragraphs parsed for minutes. None (no pStyle) is the default style."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.styles import BabelFish

    names: dict[str | None, str] = {}
    for style in document.styles.element.style_lst:
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.name_val is not None:
            name = names.setdefault(style.styleId, BabelFish.internal2ui(style.name_val))
            if style.default:
                names.setdefault(None, name)
    return names


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


_HTML_DROP = "script style noscript template svg head iframe object".split()
_HTML_BLOCKS = (
    "p div li br tr td th section article table ul ol pre blockquote header footer nav aside main dd dt figcaption"
).split()
_HEADING_MARK = "\x00"


def _html_sections(text: str) -> Iterator[Section]:
    from bs4 import BeautifulSoup

    # Only edits that cost O(1) per tag: decompose/replace_with/insert_after look the tag up among its
    # siblings, so a 64 KB page of 8,000 paragraphs took 9 s and a 1 MB one would take most of an hour.
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(_HTML_DROP):
        tag.clear()
    for tag in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        title = tag.get_text(" ", strip=True)
        tag.string = f"\n{_HEADING_MARK}{tag.name[1]}{_HEADING_MARK}{title}\n"
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.append("\n")
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
