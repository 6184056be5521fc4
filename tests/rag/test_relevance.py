"""The relevance decision on a real index: terms absent from the knowledge base make a question unanswerable."""

from worker.rag.relevance import content_terms, coverage, judge, nothing_relevant_message


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
    assert judge(0.5, 0.4, 0.0, threshold=0.6).relevant
    assert judge(0.3, 0.1, 0.1, threshold=0.6).relevant, "a passage standing out counts 5x its margin"
    decision = judge(0.2, 0.1, 0.01, threshold=0.6)
    assert not decision.relevant and decision.as_dict()["score"] == 0.35
    assert "找到" in nothing_relevant_message("Harborlight 支持 Kubernetes 吗？")
    assert nothing_relevant_message("Does it support LDAP?").startswith("I could not find")


def test_margin_is_the_best_similarity_above_the_mean_of_the_five_best():
    from worker.rag.relevance import similarity_features

    assert similarity_features([0.3, 0.9, None, 0.5, 0.4, 0.4, 0.1]) == (0.9, 0.9 - (0.9 + 0.5 + 0.4 + 0.4 + 0.3) / 5)
    assert similarity_features([]) == (0.0, 0.0)
