"""The relevance decision on a real index: terms absent from the knowledge base make a question unanswerable."""

from worker.rag.relevance import POOL, content_terms, coverage, judge, nothing_relevant_message, standout


def test_coverage_weighs_terms_absent_from_the_knowledge_base_most():
    passages = ["Harborlight keeps 7 daily snapshots by default."]
    terms = content_terms("How many daily snapshots does Harborlight keep?")
    assert terms == ["many", "daily", "snapshots", "harborlight", "keep"]
    assert coverage(terms, [40, 3, 5, 10, 8], 100, passages) > 0.6
    ldap = content_terms("Does Harborlight support LDAP?")
    assert coverage(ldap, [10, 20, 0], 100, passages) < 0.4  # "ldap" is in no chunk at all


def test_chinese_terms_over_english_pages_are_left_to_the_embedder():
    terms = content_terms("HL-409 错误是什么意思？")
    frequencies = [2, 1, 0, 0]  # hl, 409 are in the pages; the Chinese words are in none
    assert coverage(terms, frequencies, 50, ["Error HL-409 means a lock is held."]) == 1.0
    assert coverage(["错误"], [0], 50, ["anything"]) == 1.0


def test_judge_and_message_language():
    assert judge(0.5, 0.4, 3.5, threshold=1.9).relevant, "a passage standing out counts half its z-score"
    decision = judge(0.9, 0.1, 1.0, threshold=1.9)
    assert not decision.relevant and decision.as_dict()["score"] == 0.6
    assert decision.as_dict()["similarity"] == 0.9, "reported, not scored"
    assert "找到" in nothing_relevant_message("Harborlight 支持 Kubernetes 吗？")
    assert nothing_relevant_message("Does it support LDAP?").startswith("I could not find")


def test_standout_is_the_z_score_of_the_best_similarity():
    best, z = standout([0.5, 0.9, 0.5, 0.5])
    assert best == 0.9 and abs(z - 3**0.5) < 1e-9  # mean 0.6, standard deviation 0.3 / sqrt(3)
    assert standout([0.4] * 5) == (0.4, 0.0), "a flat list stands out nowhere"
    assert standout([]) == (0.0, 0.0)


def test_a_small_knowledge_base_is_compared_with_the_background_too():
    alone = standout([0.8])
    topped_up = standout([0.8], background=[0.1, 0.2, 0.15] * 30)
    assert alone == (0.8, 0.0) and topped_up[1] > 5
    crowded = [0.8] + [0.78, 0.76, 0.74] * (POOL // 3)
    assert standout(crowded, background=[0.0] * POOL) == standout(crowded), "POOL chunks of its own: no background"
