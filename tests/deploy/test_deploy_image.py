"""Dockerfile, .dockerignore and the Grafana dashboard: static checks (no Docker engine needed)."""

import json
import re

import pytest

from tests.deploy.conftest import REPO

METRICS = (
    "localmind_http_request_duration_seconds",
    "localmind_active_streams",
    "localmind_time_to_first_token_seconds",
    "localmind_tokens_per_second",
    "localmind_queue_depth",
    "localmind_jobs",
    "localmind_worker_model_load_seconds",
    "localmind_gpu_memory_bytes",
    "localmind_generated_tokens_total",
    "localmind_model_requests_total",
    "localmind_answers_total",
    "localmind_api_process_resident_memory_bytes",
)


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_multi_stage_node_frontend_then_python_runtime(dockerfile):
    froms = [args for keyword, args in instructions(dockerfile) if keyword == "FROM"]
    assert len(froms) >= 2
    assert re.search(r"^ARG BASE=python:3\.11-slim$", dockerfile, flags=re.MULTILINE), "CPU base by default"
    assert re.search(r"^ARG NODE_IMAGE=node:20", dockerfile, flags=re.MULTILINE)
    assert any(f.startswith("${NODE_IMAGE} AS frontend") for f in froms)
    assert "npm --prefix frontend run build" in dockerfile
    assert "COPY --from=frontend" in dockerfile
    assert "TORCH_INDEX_URL" in dockerfile, "GPU builds pick the torch wheel index"


def test_runtime_runs_as_a_numeric_non_root_user_with_a_healthcheck(dockerfile):
    steps = final_stage(dockerfile)
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users, "the runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit() or user.startswith("${"), "numeric UID so runAsNonRoot can verify it"
    healthchecks = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert healthchecks and "/healthz" in healthchecks[-1]
    assert any(keyword == "CMD" and "uvicorn" in args for keyword, args in steps)


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".venv", ".env", "model_store", ".run", "frontend/node_modules", "app/static"):
        assert entry in ignored, f"{entry} is not in .dockerignore"


def test_grafana_dashboard_charts_every_metric():
    dashboard = json.loads((REPO / "deploy" / "grafana" / "localmind-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert dashboard["uid"] and dashboard["title"]
    for metric in METRICS:
        assert any(metric in expr for expr in exprs), f"no panel queries {metric}"
    labels = {
        "route": "localmind_http_request_duration_seconds",
        "queue": "localmind_queue_depth",
        "kind": "localmind_jobs",
        "model": "localmind_generated_tokens_total",
        "device": "localmind_gpu_memory_bytes",
    }
    for label, metric in labels.items():
        assert any(metric in expr and label in expr for expr in exprs), f"{metric} is not split by {label}"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
