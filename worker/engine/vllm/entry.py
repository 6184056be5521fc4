"""Run vLLM's OpenAI-compatible server, and stop it when the worker that started it goes away.

This file runs under the vLLM virtualenv's interpreter (scripts/install_vllm.sh), so it imports only the
standard library and vLLM. A thread watches the parent: once the generation worker is gone (even after a
SIGKILL) this process is re-parented, sends itself SIGTERM (vLLM then shuts its engine processes down) and,
should that hang, kills its whole process group.
"""

import os
import runpy
import signal
import sys
import threading
import time

SERVER_MODULE = "vllm.entrypoints.openai.api_server"
PARENT_POLL_S = 1.0
SHUTDOWN_GRACE_S = 15.0


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(SHUTDOWN_GRACE_S)
    os.killpg(os.getpgid(0), signal.SIGKILL)


if __name__ == "__main__":
    threading.Thread(target=_watch_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    sys.argv = [SERVER_MODULE, *sys.argv[1:]]
    runpy.run_module(SERVER_MODULE, run_name="__main__", alter_sys=True)
