"""The vLLM engine: a vLLM OpenAI-compatible server process per base model, started and watched by the generation
worker, and a client that streams its tokens into the engine interface.

vLLM runs in its own virtualenv (`scripts/install_vllm.sh`, `.venv-vllm`) and process; why is in
docs/adr/001-vllm-engine-process.md. Nothing here imports vLLM or torch.
"""
