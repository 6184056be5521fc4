"""Per-GPU memory, utilization and temperature through NVML (nvidia-ml-py), else torch.cuda memory only."""

from typing import Any


def gpu_stats() -> list[dict[str, Any]]:
    """One dict per visible GPU; an empty list on a machine without one."""
    try:
        return _nvml_stats()
    except Exception:  # noqa: BLE001 - NVML missing or no driver: fall back to what torch knows
        return _torch_stats()


def _nvml_stats() -> list[dict[str, Any]]:
    import pynvml

    pynvml.nvmlInit()
    try:
        stats = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            stats.append(
                {
                    "device": f"cuda:{index}",
                    "name": name.decode() if isinstance(name, bytes) else name,
                    "memory_used_bytes": int(memory.used),
                    "memory_total_bytes": int(memory.total),
                    "utilization_percent": float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu),
                    "temperature_c": float(pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU)),
                }
            )
        return stats
    finally:
        pynvml.nvmlShutdown()


def _torch_stats() -> list[dict[str, Any]]:
    import torch

    if not torch.cuda.is_available():
        return []
    stats = []
    for index in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(index)
        stats.append(
            {
                "device": f"cuda:{index}",
                "name": torch.cuda.get_device_name(index),
                "memory_used_bytes": int(total - free),
                "memory_total_bytes": int(total),
                "utilization_percent": None,
                "temperature_c": None,
            }
        )
    return stats
