"""The evaluation's judge model (EVAL_JUDGE_MODEL): a registry model asked, for each (question, reference, answer),
a yes/no verdict that constrained decoding holds to exactly `"yes"` or `"no"` (worker/engine/constrained.py on
the transformers engine; vLLM and OpenAI-compatible servers constrain it server-side)."""

import json
from types import TracebackType

from app.kernel.registry.errors import EngineError
from worker.engine.engine import Engine
from worker.engine.generation import GenerationParams

VERDICT_SCHEMA = json.dumps({"type": "string", "enum": ["yes", "no"]})
GRADING = GenerationParams(max_new_tokens=16, temperature=0, json_schema=VERDICT_SCHEMA)
INSTRUCTIONS = "Reply yes if the answer says what the reference answer says, else no."


class JudgeUnavailable(Exception):
    """EVAL_JUDGE_MODEL names a model this worker cannot use; the message says what to change."""


class ModelJudge:
    """A `worker.training.evaluation.Judge` backed by a registry model, as a context manager: a judge model this
    evaluation loaded is unloaded after it, so the next training job has the memory back."""

    def __init__(self, engine: Engine, model_id: str):
        """Raises JudgeUnavailable at once when `model_id` is not in the registry, before any answer is generated."""
        try:
            engine.registry.resolve(model_id)
        except EngineError as exc:
            raise JudgeUnavailable(
                f"judge model {model_id!r} (EVAL_JUDGE_MODEL) is not usable: {exc}. Set EVAL_JUDGE_MODEL to a "
                "model id from the registry (GET /v1/models lists them), or leave it empty to evaluate without a judge"
            ) from exc
        self.model = model_id
        self._engine = engine
        self._was_loaded = engine.is_loaded(model_id)

    def grade(self, question: str, reference: str, answer: str) -> bool:
        prompt = f"Question: {question}\nReference answer: {reference}\nAnswer: {answer}"
        messages = [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": prompt}]
        return bool(json.loads(self._engine.complete(self.model, messages, GRADING).text) == "yes")

    def __enter__(self) -> "ModelJudge":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if not self._was_loaded:
            self._engine.unload(self.model)
