"""Per-model batch scheduler: one thread runs a batched, KV-cached decode loop for all concurrent requests.

Requests wait in a queue; at every step boundary the scheduler prefills newcomers (left padded), merges
their KV cache into the running batch, decodes one token for every row, streams each row's text to its
own request, and drops rows that finished (EOS, stop string, max tokens, cancel). Each row's greedy output
is the same as generating it alone.

Why hand-written: on CPU a batch-8 decode step of SmolLM2 costs ~1.5x a batch-1 step, so 8 concurrent
streams approach 5x the aggregate tok/s of serving them in turn (`bench/batching.py`), while transformers'
built-in continuous batching reaches ~1.3x on this machine class (DESIGN.md figures).
"""

import atexit
import queue
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from worker.engine.constrained import JsonConstraint
from worker.engine.decoding import StreamDecoder
from worker.engine.generation import Completion, FinishReason, GenerationParams, TokenEvent
from worker.engine.loader import BASE_ADAPTER, LoadedModel
from worker.engine.sampling import next_tokens


@dataclass(eq=False)
class Request:
    """One generation request; events (TokenEvent, or an exception) arrive on `events`."""

    model_id: str
    prompt_ids: list[int]
    params: GenerationParams
    adapter: str | None = None
    truncated_history: bool = False
    constraint: JsonConstraint | None = None
    events: queue.Queue = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    submitted_at: float = field(default_factory=time.perf_counter)

    def cancel(self) -> None:
        self.cancelled.set()


class _Row:
    """A request being decoded: its generated ids, text decoder and timings."""

    def __init__(self, request: Request, tokenizer):
        self.request = request
        self.decoder = StreamDecoder(tokenizer, request.params.stop)
        self.generated: list[int] = []
        seed = request.params.seed
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None
        self.first_token_at: float | None = None
        self.finish_reason: FinishReason | None = None
        self.final: TokenEvent | Exception | None = None
        self.done = False

    @property
    def context(self) -> list[int]:
        return self.request.prompt_ids + self.generated

    def finish(self, reason: FinishReason) -> None:
        """Flush held-back text now; the final event waits until the row has left the batch."""
        self.finish_reason = reason
        self.done = True
        tail = self.decoder.flush()
        if tail:
            self.request.events.put(TokenEvent(tail))
        now = time.perf_counter()
        first = self.first_token_at or now
        n = len(self.generated)
        completion = Completion(
            model_id=self.request.model_id,
            text=self.decoder.text,
            finish_reason=reason,
            prompt_tokens=len(self.request.prompt_ids),
            completion_tokens=n,
            ttft_ms=(first - self.request.submitted_at) * 1000,
            tokens_per_s=(n - 1) / (now - first) if n > 1 and now > first else 0.0,
            truncated_history=self.request.truncated_history,
        )
        self.final = TokenEvent("", completion)

    def fail(self, exc: Exception) -> None:
        """This row alone failed (its sampling raised): it leaves the batch and its request gets `exc`."""
        self.done = True
        self.final = exc


_live_schedulers: "weakref.WeakSet[BatchScheduler]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    """Stop decode threads before the interpreter tears torch down under them (which aborts the process)."""
    for scheduler in list(_live_schedulers):
        scheduler.close(RuntimeError("worker process is exiting"))


class BatchScheduler:
    """Owns the decode loop of one loaded base model; `submit` from any thread."""

    def __init__(self, loaded: LoadedModel, max_batch: int):
        self._loaded = loaded
        self._max_batch = max_batch
        self._cond = threading.Condition()
        self._waiting: deque[Request] = deque()
        self._rows: list[_Row] = []
        self._running = 0
        self._closed: Exception | None = None
        self._cache: DynamicCache | None = None
        self._mask: torch.Tensor | None = None
        self._thread = threading.Thread(target=self._loop, name=f"batcher-{loaded.spec.id}", daemon=True)
        self._thread.start()
        _live_schedulers.add(self)

    def submit(self, request: Request) -> None:
        with self._cond:
            if self._closed is not None:
                raise self._closed
            self._waiting.append(request)
            self._cond.notify()

    def depth(self) -> tuple[int, int]:
        """(running rows, waiting requests)."""
        with self._cond:
            return self._running, len(self._waiting)

    def close(self, reason: Exception) -> None:
        """Stop the loop; every waiting or running request receives `reason`."""
        with self._cond:
            self._closed = reason
            self._cond.notify()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        with torch.inference_mode():
            while True:
                with self._cond:
                    while not self._rows and not self._waiting and self._closed is None:
                        self._cond.wait()
                    if self._closed is not None:
                        self._fail_all(self._closed)
                        return
                    joining = self._take_joining()
                try:
                    if joining:
                        self._admit(joining)
                    if self._rows:
                        self._decode_step()
                except Exception as exc:  # a failed step fails the rows in it, not the worker
                    failed = [r.request for r in self._rows]
                    for request in failed + [r for r in joining if r not in failed]:
                        request.events.put(exc)
                    self._reset_batch()
                with self._cond:
                    self._running = len(self._rows)

    def _take_joining(self) -> list[Request]:
        if self._rows and not self._can_merge():
            return []
        joining = []
        while self._waiting and len(self._rows) + len(joining) < self._max_batch:
            joining.append(self._waiting.popleft())
        self._running = len(self._rows) + len(joining)
        return joining

    def _can_merge(self) -> bool:
        """Mid-flight joining edits the KV cache directly; only plain dynamic layers are safe to edit."""
        return self._cache is not None and all(type(layer) is DynamicLayer for layer in self._cache.layers)

    def _fail_all(self, exc: Exception) -> None:
        for request in [r.request for r in self._rows] + list(self._waiting):
            request.events.put(exc)
        self._waiting.clear()
        self._reset_batch()

    def _reset_batch(self) -> None:
        self._rows, self._cache, self._mask = [], None, None

    def _forward(self, input_ids, mask, cache, rows: list[_Row]) -> torch.Tensor:
        loaded = self._loaded
        position_ids = (mask.cumsum(-1) - 1).clamp(min=0)[:, -input_ids.shape[1] :]
        adapters = [r.request.adapter or BASE_ADAPTER for r in rows]
        kwargs = {}
        with loaded.lock:
            # A batch of base rows runs with the LoRA layers switched off: base requests never pay for adapters.
            if loaded.use_adapters(any(name != BASE_ADAPTER for name in adapters)):
                kwargs["adapter_names"] = adapters
            out = loaded.model(
                input_ids=input_ids.to(loaded.device),
                attention_mask=mask.to(loaded.device),
                position_ids=position_ids.to(loaded.device),
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,
                **kwargs,
            )
        return out.logits[:, -1, :]

    def _admit(self, requests: list[Request]) -> None:
        """Prefill newcomers together, pick their first token, and merge them into the running batch."""
        live = []
        for request in requests:
            try:
                row = _Row(request, self._loaded.tokenizer)
            except Exception as exc:  # noqa: BLE001 - one bad request (a seed torch refuses) fails alone
                request.events.put(exc)
                continue
            if request.cancelled.is_set():
                row.finish("cancelled")
                request.events.put(row.final)
            else:
                live.append(row)
        if not live:
            return
        width = max(len(r.request.prompt_ids) for r in live)
        ids = torch.full((len(live), width), self._loaded.pad_id, dtype=torch.long)
        mask = torch.zeros((len(live), width), dtype=torch.long)
        for i, row in enumerate(live):
            prompt = row.request.prompt_ids
            ids[i, width - len(prompt) :] = torch.tensor(prompt)
            mask[i, width - len(prompt) :] = 1
        cache = DynamicCache(config=self._loaded.model.config)
        logits = self._forward(ids, mask, cache, live)
        self._merge(live, cache, mask)
        self._advance(logits, first=len(self._rows) - len(live))

    def _merge(self, rows: list[_Row], cache: DynamicCache, mask: torch.Tensor) -> None:
        if not self._rows:
            self._rows, self._cache, self._mask = rows, cache, mask
            return
        old_len, new_len = self._mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)
        for old_layer, new_layer in zip(self._cache.layers, cache.layers, strict=True):
            old_layer.keys = torch.cat([_left_pad(old_layer.keys, width), _left_pad(new_layer.keys, width)])
            old_layer.values = torch.cat([_left_pad(old_layer.values, width), _left_pad(new_layer.values, width)])
        self._mask = torch.cat([_left_pad(self._mask, width, dim=1), _left_pad(mask, width, dim=1)])
        self._rows = self._rows + rows

    def _decode_step(self) -> None:
        for row in self._rows:
            if row.request.cancelled.is_set():
                row.finish("cancelled")
        self._drop_finished()
        if not self._rows:
            return
        ids = torch.tensor([[r.generated[-1]] for r in self._rows])
        self._mask = torch.cat([self._mask, torch.ones((len(self._rows), 1), dtype=torch.long)], dim=1)
        logits = self._forward(ids, self._mask, self._cache, self._rows)
        self._advance(logits, first=0)

    def _advance(self, logits: torch.Tensor, first: int) -> None:
        """Append one sampled token to rows[first:], stream their text and finish the rows that are done."""
        rows = self._rows[first:]
        if any(row.request.constraint is not None for row in rows):
            logits = torch.stack([_constrained(row, row_logits) for row, row_logits in zip(rows, logits, strict=True)])
        tokens = next_tokens(
            logits, [r.request.params for r in rows], [r.context for r in rows], [r.generator for r in rows]
        )
        now = time.perf_counter()
        limit = self._loaded.context_length
        for row, token in zip(rows, tokens, strict=True):
            if isinstance(token, Exception):
                row.fail(token)
                continue
            row.generated.append(token)
            row.first_token_at = row.first_token_at or now
            if token in self._loaded.eos_ids:
                row.finish("stop")
                continue
            try:
                if row.request.constraint is not None:
                    row.request.constraint.advance(token)
            except RuntimeError as exc:
                row.fail(exc)
                continue
            delta = row.decoder.add(token)
            if delta:
                row.request.events.put(TokenEvent(delta))
            if row.decoder.stopped or (row.request.constraint is not None and row.request.constraint.finished):
                row.finish("stop")
            elif len(row.generated) >= row.request.params.max_new_tokens or len(row.context) >= limit:
                row.finish("length")
        self._drop_finished()

    def _drop_finished(self) -> None:
        """Remove finished rows (and their KV cache), then send their final events."""
        keep = [i for i, r in enumerate(self._rows) if not r.done]
        if len(keep) == len(self._rows):
            return
        finished = [r for r in self._rows if r.done]
        if keep:
            self._keep_rows(keep)
        else:
            self._reset_batch()
        with self._cond:
            self._running = len(self._rows)
        for row in finished:
            row.request.events.put(row.final)

    def _keep_rows(self, keep: list[int]) -> None:
        index = torch.tensor(keep)
        self._rows = [self._rows[i] for i in keep]
        self._mask = self._mask[index]
        # Columns that are padding for every remaining row carry no information: trim them.
        start = int((self._mask.sum(0) > 0).nonzero()[0])
        self._mask = self._mask[:, start:]
        for layer in self._cache.layers:
            layer.keys = layer.keys[index.to(layer.keys.device), :, start:]
            layer.values = layer.values[index.to(layer.values.device), :, start:]


def _constrained(row: _Row, logits: torch.Tensor) -> torch.Tensor:
    constraint = row.request.constraint
    return logits if constraint is None else constraint.mask(logits)


def _left_pad(tensor: torch.Tensor, width: int, dim: int = 2) -> torch.Tensor:
    missing = width - tensor.shape[dim]
    if missing == 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = missing
    return torch.cat([tensor.new_zeros(shape), tensor], dim=dim)
