"""Job bodies: what a Celery task (worker/tasks) does with its rows, leases and events.

- generation: chat answers and /v1 completions (history, grounding, the agent, tokens → events)
- knowledge: document indexing, search, embeddings for the API, index clean-up, `kb eval`
- finetune: LoRA/DPO jobs and adapter merges

They use the libraries beside them: engine (serving), rag (parsing, chunking, indexes), training (PEFT/TRL
loops), agent (planners and tools), sandbox (limits for untrusted work), ops (metrics, pulls, control).
"""
