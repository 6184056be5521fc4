"""The kernel both processes share: settings, ORM models, schemas, contracts (queues, task names, events, Redis
names), the torch-free model registry, training-data validation and document type checks.

The dependency rule (enforced by import-linter, see pyproject.toml): `app.kernel` imports nothing from the rest
of `app` and nothing from `worker`; the rest of `app` (the HTTP API) never imports `worker`; `worker` imports
`app.kernel` only. The API process therefore never loads torch.
"""
