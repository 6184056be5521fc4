"""Manual pages rendered as TXT, Markdown, HTML, DOCX or PDF documents, and the Debian notices of their sources.

Shared by the corpus scripts of bench/kbeval_unseen and bench/kbeval_dev: the words are the manual's own, only the
layout changes. Needs man-db, fonts-dejavu and the project's .venv (python-docx, fpdf2).
"""

import html
import os
import re
import subprocess
import textwrap
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # in PDF and DOCX metadata, so that reruns give the same files


@dataclass(frozen=True)
class Block:
    """One line of a rendered manual page: kind is title, heading, subheading, term or text; indent in columns.

    `gap`: a blank line came before it in the manual page.
    """

    kind: str
    text: str
    indent: int = 0
    gap: bool = False


def render_man(source: Path) -> list[str]:
    """The manual page as plain text, one paragraph per line (no hyphenation, no justification)."""
    env = {**os.environ, "MANWIDTH": "1000", "LC_ALL": "C.UTF-8"}
    rendered = subprocess.run(
        ["man", "--nh", "--nj", "-l", str(source)], env=env, capture_output=True, check=True
    ).stdout
    plain = subprocess.run(["col", "-bx"], input=rendered, env=env, capture_output=True, check=True).stdout
    return [line.rstrip() for line in plain.decode("utf-8").splitlines()]


def parse_man(lines: list[str]) -> list[Block]:
    """Blocks of a rendered page; the header and footer lines become the title and are otherwise dropped."""
    title = lines[0].split()[0] if lines and lines[0].strip() else "manual page"
    numbered = [(n, line) for n, line in enumerate(lines) if n > 0 and line.strip()]
    if numbered and re.match(r"^\S.*\s{10,}\S", numbered[-1][1]):
        numbered = numbered[:-1]
    blocks = [Block("title", title)]
    indents = [len(line) - len(line.lstrip()) for _, line in numbered]
    for m, (n, line) in enumerate(numbered):
        indent, text, gap = indents[m], re.sub(r"\s{2,}", "  ", line.strip()), not lines[n - 1].strip()
        deeper_next = m + 1 < len(numbered) and indents[m + 1] > indent
        tag, _, rest = text.partition("  ")
        if indent == 0:
            blocks.append(Block("heading", text, 0, gap))
        elif indent <= 4:
            blocks.append(Block("subheading", text, indent, gap))
        elif rest and _is_option(tag) and len(tag) < 30:
            blocks += [Block("term", tag, indent, gap), Block("text", rest, indent + 8)]
        elif (deeper_next and len(text) < 80) or (_is_option(text) and len(text) < 60):
            blocks.append(Block("term", text, indent, gap))
        else:
            blocks.append(Block("text", text, indent, gap))
    return blocks


def _is_option(text: str) -> bool:
    return bool(re.match(r"^-{1,2}\w", text))


def write_txt(blocks: list[Block], path: Path) -> None:
    out = []
    for block in blocks:
        if block.kind == "title":
            out += [block.text, ""]
        elif block.kind in ("heading", "subheading"):
            out += ["", block.text if block.kind == "heading" else "   " + block.text]
        else:
            pad = " " * block.indent
            out += [""] if block.gap else []
            out.append(
                textwrap.fill(
                    block.text,
                    79,
                    initial_indent=pad,
                    subsequent_indent=pad,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
    path.write_text("\n".join(out).strip() + "\n", encoding="utf-8")


MARKDOWN = {"title": "# {}", "subheading": "### {}", "term": "`{}`", "paragraph": "{}"}
HTML = {
    "title": "<h1>{}</h1>",
    "heading": "<h2>{}</h2>",
    "subheading": "<h3>{}</h3>",
    "term": "<p><code><b>{}</b></code></p>",
    "paragraph": "<p>{}</p>",
}


def render_blocks(blocks: list[Block], templates: dict[str, str], text=lambda block: block.text) -> list[str]:
    """Each block through the template of its kind (any other kind is a paragraph)."""
    return [templates.get(block.kind, templates["paragraph"]).format(text(block)) for block in blocks]


def write_md(blocks: list[Block], path: Path) -> None:
    templates = {**MARKDOWN, "heading": "## {}"}
    out = render_blocks(blocks, templates, lambda b: b.text.title() if b.kind == "heading" else b.text)
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")


def write_html(blocks: list[Block], path: Path) -> None:
    title = html.escape(blocks[0].text)
    out = ["<!DOCTYPE html>", '<html lang="en">', f'<head><meta charset="utf-8"><title>{title}</title></head>']
    out.append("<body>")
    out += render_blocks(blocks, HTML, lambda block: html.escape(block.text))
    out += ["</body>", "</html>"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_docx(blocks: list[Block], path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    for block in blocks:
        if block.kind == "title":
            document.add_heading(block.text, 0)
        elif block.kind == "heading":
            document.add_heading(block.text.title(), 1)
        elif block.kind == "subheading":
            document.add_heading(block.text, 2)
        else:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(3 * max(block.indent - 5, 0))
            paragraph.add_run(block.text).bold = block.kind == "term"
    document.core_properties.title = blocks[0].text
    document.core_properties.created = document.core_properties.modified = FIXED_DATE
    document.save(str(path))
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip container with FIXED_DATE on every entry, so that reruns give the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            target.writestr(zipfile.ZipInfo(name, FIXED_DATE.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


def write_pdf(blocks: list[Block], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(blocks[0].text)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    styles = {"title": ("B", 16, 4), "heading": ("B", 13, 3), "subheading": ("B", 11, 2), "term": ("B", 10, 0)}
    for block in blocks:
        style, size, space = styles.get(block.kind, ("", 10, 0))
        pdf.set_font("DejaVu", style, size)
        pdf.ln(space)
        indent = min(1.5 * max(block.indent - 5, 0), pdf.epw / 2)  # a few pages have lines indented by hundreds
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(pdf.epw - indent, size * 0.5, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.output(str(path))


WRITERS = {".txt": write_txt, ".md": write_md, ".html": write_html, ".docx": write_docx, ".pdf": write_pdf}


def write_man_page(source: Path, path: Path) -> None:
    """Render a manual page into `path`; its extension picks the format."""
    WRITERS[path.suffix](parse_man(render_man(source)), path)


def debian_copyrights(sources: Iterable[Path]) -> list[str]:
    """The Debian copyright file of each package owning one of `sources`, headed by the package and its version."""
    owners = subprocess.run(["dpkg", "-S", *map(str, sources)], capture_output=True, text=True, check=True).stdout
    packages = sorted({line.split(":")[0] for line in owners.splitlines()})
    parts = []
    for package in packages:
        version = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True
        ).stdout
        copyright_text = Path(f"/usr/share/doc/{package}/copyright").read_text(encoding="utf-8")
        parts.append(
            f"===== Debian package {package} {version}: /usr/share/doc/{package}/copyright =====\n\n{copyright_text}"
        )
    return parts
