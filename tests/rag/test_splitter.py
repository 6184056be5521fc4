import pytest

from worker.rag.loaders import Section
from worker.rag.splitter import split_sections

ZH = (
    "长城是中国古代的军事防御工程，绵延上万公里。它始建于春秋战国时期！秦始皇统一六国后将各国城墙连接起来？"
    "明朝时期进行了大规模的修缮；现存的长城大多是明代所建…"
)


def test_chinese_splits_on_sentence_ends_within_limit(embedder):
    chunks = list(split_sections([Section(ZH * 8, heading="长城")], embedder.count_tokens, chunk_size=60, overlap=0))
    assert len(chunks) > 3
    for chunk in chunks:
        assert embedder.count_tokens(chunk.text) <= 60
        assert chunk.text[-1] in "。！？；…", chunk.text
        assert chunk.heading == "长城"
    assert "".join(c.text for c in chunks) == ZH * 8


def test_overlap_repeats_trailing_sentences(embedder):
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(40))
    chunks = list(split_sections([Section(text)], embedder.count_tokens, chunk_size=50, overlap=15))
    for previous, current in zip(chunks, chunks[1:], strict=False):
        last_sentence = previous.text.rsplit(". ", 1)[-1]
        assert last_sentence in current.text
        assert embedder.count_tokens(current.text) <= 50


def test_pages_headings_and_positions_carried(embedder):
    sections = [Section("First page. " * 30, page=1, heading="Intro"), Section("Second page.", page=2)]
    chunks = list(split_sections(sections, embedder.count_tokens, chunk_size=40, overlap=5))
    assert {c.page for c in chunks} == {1, 2}
    assert all(c.heading == "Intro" for c in chunks if c.page == 1)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_unbroken_text_never_exceeds_model_max(embedder):
    text = "长" * 3000 + " " + "-".join(["segment"] * 400)
    chunks = list(
        split_sections(
            [Section(text)],
            embedder.count_tokens,
            chunk_size=10_000,
            overlap=0,
            max_tokens=embedder.max_tokens,
        )
    )
    assert len(chunks) > 1
    assert max(embedder.count_tokens(c.text) for c in chunks) <= embedder.max_tokens


def test_overlap_must_be_smaller_than_chunk():
    with pytest.raises(ValueError):
        list(split_sections([Section("x")], len, chunk_size=10, overlap=10))
