"""Pick each row's next token with its own settings: greedy, temperature, top-k, top-p, repetition penalty."""

import torch

from worker.engine.generation import GenerationParams


def apply_repetition_penalty(logits: torch.Tensor, context_ids: list[int], penalty: float) -> torch.Tensor:
    """The CTRL/HF rule: shrink the scores of tokens already in the context."""
    ids = torch.tensor(context_ids, device=logits.device)
    scores = logits[ids]
    logits = logits.clone()
    logits[ids] = torch.where(scores < 0, scores * penalty, scores / penalty)
    return logits


def sample(logits: torch.Tensor, params: GenerationParams, generator: torch.Generator | None) -> int:
    """Sample one token id from a 1-D float32 logits row; temperature 0 means argmax."""
    if params.temperature == 0:
        return int(logits.argmax())
    logits = logits / params.temperature
    if params.top_k and params.top_k < logits.numel():
        kth = torch.topk(logits, params.top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if params.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        probs = sorted_logits.softmax(-1)
        remove = probs.cumsum(-1) - probs > params.top_p
        logits = logits.scatter(0, order[remove], float("-inf"))
    probs = logits.softmax(-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def next_tokens(
    logits: torch.Tensor,
    rows_params: list[GenerationParams],
    contexts: list[list[int]],
    generators: list[torch.Generator | None],
) -> list[int | Exception]:
    """One token per row of a [batch, vocab] logits tensor; a row whose sampling raises gets the exception
    instead, so one bad row never fails the others."""
    logits = logits.float()
    greedy = logits.argmax(-1).tolist()
    chosen: list[int | Exception] = []
    for i, params in enumerate(rows_params):
        if params.temperature == 0 and params.repetition_penalty == 1.0:
            chosen.append(greedy[i])
            continue
        try:
            row = logits[i]
            if params.repetition_penalty != 1.0:
                row = apply_repetition_penalty(row, contexts[i], params.repetition_penalty)
            chosen.append(sample(row, params, generators[i]))
        except Exception as exc:  # noqa: BLE001 - reported to that row's request
            chosen.append(exc)
    return chosen
