from worker.rag import eval as rag_eval


def test_eval_on_sample_corpus_has_sensible_recall(capsys):
    assert rag_eval.main(["-k", "3"]) == 0
    out = capsys.readouterr().out
    print(out)
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"dense", "bm25", "hybrid"}
    for mode, row in rows.items():
        recall, mrr = float(row[1]), float(row[2])
        assert recall >= 0.8 and 0 < mrr <= recall, (mode, out)
