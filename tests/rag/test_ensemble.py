"""multilingual-e5-small + all-MiniLM-L6-v2 as one embedder, through get_embedder and a real index."""

import numpy as np
import pytest

from app.kernel.registry.embeddings import ENSEMBLE_MODEL, recommended_mode
from worker.rag.cjk_gloss import english_reading
from worker.rag.dense_fusion import z_score_fusion
from worker.rag.embedder import get_embedder
from worker.rag.index import KnowledgeIndex
from worker.rag.splitter import Chunk

PAGES = {
    1: "Slow uploads: raise upload_threads and check the bandwidth limit of the backup client.",
    2: "Espresso is brewed by forcing hot water through finely ground coffee at nine bars.",
    3: "The museum is closed on public holidays and opens at ten on weekdays.",
}


@pytest.fixture(scope="module")
def ensemble():
    return get_embedder(ENSEMBLE_MODEL)


def test_a_passage_vector_is_both_models_side_by_side_with_the_mean_cosine(ensemble):
    e5, minilm = get_embedder("multilingual-e5-small"), get_embedder("all-MiniLM-L6-v2")
    texts = ["uploads are slow", "increase the number of upload threads"]
    vectors = ensemble.encode(texts)
    assert ensemble.dim == e5.dim + minilm.dim == vectors.shape[1] == 768
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    mean_cosine = (e5.encode(texts)[0] @ e5.encode(texts)[1] + minilm.encode(texts)[0] @ minilm.encode(texts)[1]) / 2
    assert vectors[0] @ vectors[1] == pytest.approx(mean_cosine, abs=1e-3)
    text = "hello world"
    assert ensemble.count_tokens(text) == max(e5.count_tokens(text), minilm.count_tokens(text))


def test_the_english_only_model_votes_on_a_chinese_question_only_through_its_english_reading(ensemble):
    question = "为什么上传很慢？"
    english, chinese = ensemble.encode_query("why are uploads slow?"), ensemble.encode_query(question)
    e5_part, minilm_part = ensemble.segments
    assert np.linalg.norm(english) == pytest.approx(1.0, abs=1e-3) and english[minilm_part].any()
    assert np.linalg.norm(chinese) == pytest.approx(1.0, abs=1e-3)
    assert not chinese[minilm_part].any() and chinese[e5_part].any()
    read = ensemble.encode_query(question, english=english_reading(question))
    assert np.linalg.norm(read) == pytest.approx(1.0, abs=1e-3)
    gloss = get_embedder("all-MiniLM-L6-v2").encode_query(english_reading(question))
    assert read[minilm_part] * np.sqrt(2) == pytest.approx(gloss, abs=1e-4)
    assert read[e5_part] == pytest.approx(chinese[e5_part] / np.sqrt(2), abs=1e-4)


def test_z_score_fusion_adds_standardized_scores_and_floors_a_missing_chunk():
    narrow = [(1, 0.94), (2, 0.90), (3, 0.86)]  # e5-like: everything similar, small spread
    wide = [(2, 0.70), (4, 0.40), (1, 0.10)]  # MiniLM-like
    fused = dict(z_score_fusion([narrow, wide]))
    assert set(fused) == {1, 2, 3, 4}
    assert max(fused, key=fused.__getitem__) == 2  # second and first beats first and last
    assert fused[3] < fused[1] and fused[4] < fused[2]  # chunks missing from a ranking get its lowest z-score


def test_search_fuses_both_rankings_in_every_language(tmp_path, ensemble):
    index = KnowledgeIndex(tmp_path / "kb", ensemble)
    for document_id, text in PAGES.items():
        index.add_document(document_id, [Chunk(text=text, page=1, heading=None, index=0)])
    assert index.search("Sending files to the server is really sluggish", mode="dense", k=1)[0].document_id == 1
    assert index.search("为什么上传文件很慢？", mode="dense", k=1)[0].document_id == 1
    assert index.search("意式浓缩咖啡需要多大的压力？", mode="dense", k=1)[0].document_id == 2
    hit = index.search("When does the museum open?", mode="hybrid", k=1)[0]
    assert hit.document_id == 3 and 0 < hit.similarity <= 1
    index.close()


def test_multilingual_models_recommend_dense_search():
    assert recommended_mode(ENSEMBLE_MODEL) == recommended_mode("multilingual-e5-small") == "dense"
    assert recommended_mode("all-MiniLM-L6-v2") == "hybrid"
