"""The semantic cache's near-miss guard: different numbers or names never count as the same question."""

import pytest

from worker.jobs.generation.cache_identifiers import identifiers

SAME = [
    ("What is the capital of France?", "Which city is France's capital?"),
    ("Paris: is it the capital?", "Is Paris the capital?"),
    ("How do I reset my password?", "How can I reset my password?"),
    ("What does error E42 mean?", "Explain the error E42."),
    ("３年後の休暇は？", "3年後の休暇日数は？"),
]
DIFFERENT = [
    ("What is the capital of France?", "What is the capital of Spain?"),
    ("Vacation days after 5 years?", "Vacation days after 10 years?"),
    ("What does error E42 mean?", "What does error E43 mean?"),
    ("Price of 1,000 units?", "Price of 1,500 units?"),
    ("三年後の休暇は？", "五年後の休暇は？"),
    ("ロンドンの天気は？", "パリの天気は？"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_names_and_numbers_match(a, b):
    assert identifiers(a).matches(identifiers(b))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_a_different_number_or_name_is_a_miss(a, b):
    assert not identifiers(a).matches(identifiers(b))
