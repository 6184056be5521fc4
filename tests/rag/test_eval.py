from worker.rag import eval as rag_eval

DATA = rag_eval.Path(__file__).resolve().parents[1] / "data" / "rag"


def test_eval_on_sample_corpus_has_sensible_recall(capsys):
    assert rag_eval.main(["-k", "3", "--corpus", str(DATA / "corpus"), "--golden", str(DATA / "golden.jsonl")]) == 0
    out = capsys.readouterr().out
    print(out)
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("mode"))) + 1 :]
    rows = {line.split()[0]: line.split() for line in table[:3]}
    assert set(rows) == {"dense", "bm25", "hybrid"}
    for mode, row in rows.items():
        recall, mrr, false_abstention = float(row[1]), float(row[2]), float(row[4])
        assert recall >= 0.8 and 0 < mrr <= recall, (mode, out)
        assert false_abstention <= 0.2, (mode, out)


def test_calibrate_abstains_on_low_scores_within_the_false_abstention_cap():
    answerable = [rag_eval.Outcome({"documents": ["a"]}, 1, True, s) for s in (0.9, 1.0, 1.1, 1.2, 1.3)]
    unanswerable = [rag_eval.Outcome({"documents": []}, None, False, s) for s in (0.3, 0.5, 0.95)]
    threshold = rag_eval.calibrate(answerable + unanswerable, max_false_abstention=0.0)
    assert 0.5 < threshold < 0.9
    row = rag_eval.metrics(answerable + unanswerable, 1, threshold)
    assert row["abstention"] == 2 / 3 and row["false_abstention"] == 0.0


def test_app_cli_kb_eval_runs_the_worker_module_in_a_child_process():
    import subprocess
    import sys

    args = ["kb", "eval", "--corpus", str(DATA / "corpus"), "--golden", str(DATA / "golden.jsonl"), "-k", "3"]
    done = subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "5 documents" in done.stdout and "hybrid" in done.stdout and "false-abst" in done.stdout


def test_kb_eval_without_a_knowledge_base_judges_with_the_models_own_threshold(capsys):
    from worker.jobs.knowledge import eval_cli

    args = ["--corpus", str(DATA / "corpus"), "--golden", str(DATA / "golden.jsonl"), "-k", "3"]
    assert eval_cli.main([*args, "--model", "multilingual-e5-small"]) == 0
    out = capsys.readouterr().out
    assert "questions, threshold 1.5\n" in out, out
