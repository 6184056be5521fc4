import zipfile

import pytest
from fpdf import FPDF

from app.kernel.documents import DocumentError, detect_type, safe_filename
from worker.rag.loaders import decode_text, load


def make_pdf(path, pages, password=None):
    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.set_font("helvetica", size=12)
            pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def make_docx(path):
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Revenue grew in every region.")
    document.add_heading("Figures", level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Revenue"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "42 million"
    document.save(str(path))
    return path


def sections(path, name):
    return list(load(path, name).sections)


def test_pdf_keeps_page_numbers(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", ["Alpha page text.", "Beta page text."])
    document = load(path, "a.pdf")
    assert (document.kind, document.page_count) == ("pdf", 2)
    assert [(s.page, s.text) for s in document.sections] == [(1, "Alpha page text."), (2, "Beta page text.")]


def test_docx_paragraphs_tables_and_headings(tmp_path):
    found = sections(make_docx(tmp_path / "r.docx"), "r.docx")
    assert found[0].heading == "Quarterly report" and "Revenue grew" in found[0].text
    assert found[1].heading == "Quarterly report > Figures"
    assert "Region | Revenue" in found[1].text and "North | 42 million" in found[1].text


def test_html_strips_scripts_and_styles(tmp_path):
    path = tmp_path / "p.html"
    path.write_text(
        "<html><head><style>p{color:red}</style></head><body><script>var secret = 1;</script>"
        "<h1>Title</h1><p>Hello <b>bold</b> world.</p><h2>Sub</h2><p>More text.</p></body></html>"
    )
    found = sections(path, "p.html")
    text = " ".join(s.text for s in found)
    assert "secret" not in text and "color" not in text
    assert [(s.heading, s.text) for s in found] == [
        ("Title", "Hello bold world."),
        ("Title > Sub", "More text."),
    ]


def test_markdown_headings_ignore_code_fences(tmp_path):
    path = tmp_path / "n.md"
    path.write_text("# Top\nintro\n## Child\n```\n# not a heading\n```\n# Other\nlast\n")
    found = sections(path, "n.md")
    assert [s.heading for s in found] == ["Top", "Top > Child", "Other"]
    assert "# not a heading" in found[1].text


def test_text_in_utf8_and_gb18030(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_bytes("长城很长。".encode("gb18030"))
    assert sections(path, "zh.txt")[0].text == "长城很长。"
    assert decode_text("café".encode(), "x.txt") == "café"


def test_type_is_sniffed_without_extension(tmp_path):
    pdf = make_pdf(tmp_path / "noext", ["Hi there."])
    html = tmp_path / "page"
    html.write_text("<!DOCTYPE html><html><body>x</body></html>")
    assert detect_type(pdf, "upload") == "pdf"
    assert detect_type(html, "upload") == "html"


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        zf.writestr("word/padding.bin", b"\0" * (24 * 1024 * 1024))


def _corrupt_docx(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "not xml at all")


BAD_INPUTS = {
    "unsupported_type": ("tool.exe", lambda p: p.write_bytes(b"MZ\x90\x00binary")),
    "unsupported_type_sniffed": ("blob", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n....")),
    "type_mismatch": ("report.pdf", lambda p: p.write_text("just some text")),
    "type_mismatch_binary": ("notes.txt", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n....")),
    "type_mismatch_pdf_as_docx": ("x.docx", lambda p: make_pdf(p, ["Hello."])),
    "empty_file": ("empty.txt", lambda p: p.write_bytes(b"")),
    "empty_file_blank": ("blank.md", lambda p: p.write_text("  \n\n ")),
    "encrypted_pdf": ("locked.pdf", lambda p: make_pdf(p, ["Secret."], password="pw")),
    "corrupt_pdf": ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj garbage\n%%EOF")),
    "no_text": ("scan.pdf", lambda p: make_pdf(p, [None, None])),
    "zip_bomb": ("bomb.docx", _zip_bomb),
    "corrupt_docx": ("bad.docx", _corrupt_docx),
    "undecodable_text": ("odd.txt", lambda p: p.write_bytes(b"hello \x80\x80 world")),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_raise_document_error(tmp_path, case):
    filename, make = BAD_INPUTS[case]
    path = tmp_path / "upload.bin"
    make(path)
    with pytest.raises(DocumentError) as info:
        list(load(path, filename).sections)
    expected = case.split("_sniffed")[0].split("_blank")[0]
    expected = "type_mismatch" if expected.startswith("type_mismatch") else expected
    assert info.value.code == expected
    assert filename in info.value.message or "'.exe'" in info.value.message


def test_scanned_pdf_message_mentions_ocr(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [None])
    with pytest.raises(DocumentError, match="OCR is not supported"):
        list(load(path, "scan.pdf").sections)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("..hidden.txt", "hidden.txt"),
        ("a<b>|c.md", "abc.md"),
        ("报告.docx", "报告.docx"),
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_safe_filename_rejects_empty_and_limits_length():
    with pytest.raises(DocumentError):
        safe_filename("../..")
    long = safe_filename("x" * 500 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_zip_bomb_is_refused_before_opening(tmp_path, monkeypatch):
    import docx

    path = tmp_path / "bomb.docx"
    _zip_bomb(path)
    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("opened a zip bomb"))
    with pytest.raises(DocumentError):
        load(path, "bomb.docx")
