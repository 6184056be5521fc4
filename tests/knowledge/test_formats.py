"""PDF (pages), DOCX with a table and HTML with scripts are indexed and searchable."""

from tests.knowledge.conftest import index_ok, search
from tests.knowledge.documents import HTML, docx_bytes, pdf_bytes


def test_pdf_docx_html_are_indexed(http, alice, kb):
    pdf = pdf_bytes(
        [
            "The harbour opens at dawn. Fishing boats return before noon with the morning catch.",
            "The lighthouse keeper records every fog horn signal in the logbook.",
        ]
    )
    table = [["Species", "Water temperature"], ["Zebrafish", "28 degrees Celsius"], ["Goldfish", "20 degrees"]]
    docx = docx_bytes("Aquarium care", "Keep the tank filter running at all times.", table)
    finals = index_ok(http, alice, kb["id"], ("harbour.pdf", pdf), ("aquarium.docx", docx), ("kites.html", HTML))
    assert [d["status"] for d in finals] == ["indexed"] * 3
    assert finals[0]["pages"] == 2

    lighthouse = search(http, alice, kb["id"], "lighthouse fog horn logbook", "bm25")[0]
    assert (lighthouse["filename"], lighthouse["page"]) == ("harbour.pdf", 2)
    zebrafish = search(http, alice, kb["id"], "zebrafish water temperature", "bm25")[0]
    assert zebrafish["filename"] == "aquarium.docx" and "28 degrees Celsius" in zebrafish["text"]
    kites = search(http, alice, kb["id"], "How much wind do box kites need?", "dense")[0]
    assert kites["filename"] == "kites.html" and "fifteen kilometres" in kites["text"]
    for mode in ("bm25", "hybrid"):
        assert all(
            "xyzzyplugh" not in h["text"] for h in search(http, alice, kb["id"], "xyzzyplugh tracker", mode, k=10)
        )
