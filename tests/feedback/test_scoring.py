"""How an evaluation answer is scored against the expected one."""

from worker.training.evaluation import score


def test_exact_ignores_case_and_whitespace_and_contains_finds_the_answer_inside_more_text():
    assert score("  the capital of zorbia\nis Quell. ", "The capital of Zorbia is Quell.") == {
        "exact": True,
        "contains": True,
    }
    assert score("Sure! The capital of Zorbia is Quell. Anything else?", "The capital of Zorbia is Quell.") == {
        "exact": False,
        "contains": True,
    }
    assert score("The capital of Zorbia is Quel", "The capital of Zorbia is Quell.") == {
        "exact": False,
        "contains": False,
    }
    assert score("anything", "   ") == {"exact": False, "contains": False}
