"""Small documents of each supported format, generated in memory."""

import io


def pdf_bytes(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def docx_bytes(heading: str, paragraph: str, table: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(heading, 1)
    document.add_paragraph(paragraph)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HTML = b"""<!doctype html><html><head><title>Kites</title>
<script>var tracker = "xyzzyplugh";</script></head>
<body><h1>Kite flying</h1><p>Box kites fly best in a steady wind of fifteen kilometres per hour.</p>
<script>console.log("xyzzyplugh")</script><p>Delta kites need less wind.</p></body></html>"""
