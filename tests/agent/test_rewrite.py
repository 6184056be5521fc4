from worker.agent import AgentContext, run_agent
from worker.agent.rewrite import deterministic_rewrite, rewrite_query, topic_of

HISTORY = [
    {"role": "user", "content": "What is the Eiffel Tower?"},
    {"role": "assistant", "content": "A wrought-iron lattice tower in Paris."},
]


def test_follow_up_is_rewritten_before_retrieval(fake_search):
    messages = [*HISTORY, {"role": "user", "content": "How big is it?"}]
    result = run_agent(messages, AgentContext(knowledge_search=fake_search))
    assert result.standalone_question == "How big is the Eiffel Tower?"
    assert fake_search.calls == [("How big is the Eiffel Tower?", 4)]
    assert "(Standalone form: How big is the Eiffel Tower?)" in result.messages[-1]["content"]
    assert result.messages[:2] == HISTORY


def test_deterministic_rewrite_rules():
    assert topic_of("Tell me about Marie Curie.") == "Marie Curie"
    assert topic_of("How tall is Mount Everest?") == "Mount Everest"
    assert deterministic_rewrite(
        "When was its first ascent?", [{"role": "user", "content": "How tall is Mount Everest?"}]
    ) == ("When was Mount Everest's first ascent?")
    assert deterministic_rewrite("What is the capital of Peru?", HISTORY) == "What is the capital of Peru?"
    assert deterministic_rewrite("How big is it?", []) == "How big is it?"


def test_model_rewrite_and_its_fallback():
    messages = [*HISTORY, {"role": "user", "content": "How big is it?"}]
    assert rewrite_query(messages, lambda m: "Standalone question: How tall is the Eiffel Tower?") == (
        "How tall is the Eiffel Tower?"
    )
    assert rewrite_query(messages, lambda m: "") == "How big is the Eiffel Tower?"

    def broken(m):
        raise TimeoutError

    assert rewrite_query(messages, broken) == "How big is the Eiffel Tower?"


def test_first_message_is_not_rewritten():
    assert rewrite_query([{"role": "user", "content": "How big is it?"}], lambda m: "nonsense") == "How big is it?"
