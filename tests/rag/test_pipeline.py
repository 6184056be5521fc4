import pytest
from fpdf import FPDF

from app.kernel.documents import DocumentError
from worker.rag.index import Hit, KnowledgeIndex
from worker.rag.pipeline import build_context, estimate_tokens, index_document


@pytest.fixture
def index(tmp_path, embedder):
    index = KnowledgeIndex(tmp_path / "kb", embedder)
    yield index
    index.close()


def test_index_pdf_reports_progress_and_counts(tmp_path, index):
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in [
        "Tomatoes need six hours of sun a day.",
        "Basil grows well next to tomatoes.",
        "Water the garden early in the morning.",
    ]:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(tmp_path / "garden.pdf"))
    events = []
    result = index_document(index, 7, tmp_path / "garden.pdf", "garden.pdf", progress=lambda *e: events.append(e))
    assert (result.kind, result.pages, result.chunks) == ("pdf", 3, 3)
    assert [e for e in events if e[0] == "parsing"] == [("parsing", n, 3) for n in range(4)]
    assert [e for e in events if e[0] == "embedding"][-1] == ("embedding", 3, 3)
    hit = index.search("when should I water plants", mode="hybrid", k=1)[0]
    assert (hit.document_id, hit.page) == (7, 3)


def test_bad_document_stores_nothing(tmp_path, index):
    path = tmp_path / "x.pdf"
    path.write_text("not a pdf")
    with pytest.raises(DocumentError) as info:
        index_document(index, 1, path, "x.pdf")
    assert info.value.code == "type_mismatch" and index.count() == 0


def test_cancel_from_progress_aborts_before_storing(tmp_path, index):
    path = tmp_path / "a.txt"
    path.write_text("Some text worth indexing.")

    def cancel(stage, done, total):
        if stage == "embedding":
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        index_document(index, 1, path, "a.txt", progress=cancel)
    assert index.count() == 0


def _hit(n, text, similarity, page=None):
    return Hit(
        chunk_id=n,
        document_id=10 + n,
        text=text,
        page=page,
        heading=None,
        score=1.0 / n,
        similarity=similarity,
    )


def test_build_context_numbers_hits_within_budget():
    hits = [_hit(1, "alpha " * 10, 0.8, page=2), _hit(2, "beta " * 400, 0.7), _hit(3, "gamma", 0.6)]
    context, citations = build_context(hits, budget_tokens=60)
    assert context.startswith("[1] (page 2) alpha") and "[2] gamma" in context and "beta" not in context
    assert [(c["n"], c["document_id"], c["page"]) for c in citations] == [(1, 11, 2), (2, 13, None)]
    assert set(citations[0]) >= {"n", "document_id", "page", "snippet", "score"}
    assert estimate_tokens(context) <= 60


def test_unrelated_question_finds_nothing_relevant(tmp_path, index):
    path = tmp_path / "coffee.txt"
    path.write_text("Espresso is brewed by forcing hot water through finely ground coffee.")
    index_document(index, 1, path, "coffee.txt")
    for question, relevant in (("espresso coffee brewing", True), ("quantum chromodynamics of gluons", False)):
        assert index.assess(question, index.search(question, k=3)).relevant is relevant
