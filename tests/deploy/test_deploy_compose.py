"""docker-compose.yml parses and has the services, volumes, health checks and ordering we rely on;
.env.example documents every setting and every variable the compose file and scripts read."""

import re

import pytest
import yaml

from app.kernel.settings import Settings
from tests.deploy.conftest import REPO

APP_SERVICES = ("api", "worker-generation", "worker-indexing", "worker-retrieval", "worker-training", "flower")
LONG_RUNNING = ("redis", "postgres", *APP_SERVICES, "worker-generation-gpu")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def env_example_keys() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_services_and_named_volumes(compose):
    services = compose["services"]
    assert {"redis", "postgres", "migrate", *APP_SERVICES, "worker-generation-gpu"} <= set(services)
    assert {"model_store", "postgres_data"} <= set(compose["volumes"])
    for name in (*APP_SERVICES, "migrate"):
        assert "model_store:/data/model_store" in services[name]["volumes"], name
    assert any(v.startswith("postgres_data:") for v in services["postgres"]["volumes"])


def test_every_long_running_service_has_a_healthcheck(compose):
    for name in LONG_RUNNING:
        check = compose["services"][name].get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_api_waits_for_migrations_redis_and_postgres(compose):
    depends = compose["services"]["api"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert "alembic upgrade head" in " ".join(compose["services"]["migrate"]["command"])
    for worker in ("worker-generation", "worker-indexing", "worker-retrieval", "worker-training"):
        assert compose["services"][worker]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_settings_come_from_the_env_file(compose):
    for name in (*APP_SERVICES, "migrate"):
        env_file = compose["services"][name]["env_file"]
        assert any(entry == ".env" or entry.get("path") == ".env" for entry in env_file), name


def test_workers_consume_their_queues(compose):
    pools = {"generation": "threads", "indexing": "prefork", "retrieval": "threads", "training": "solo"}
    for queue, pool in pools.items():
        command = " ".join(compose["services"][f"worker-{queue}"]["command"])
        assert f"-Q {queue}" in command and f"--pool {pool}" in command, command


def test_gpu_profile_reserves_an_nvidia_gpu_for_generation(compose):
    gpu = compose["services"]["worker-generation-gpu"]
    assert gpu["profiles"] == ["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "-Q generation" in " ".join(gpu["command"])
    for name, service in compose["services"].items():
        if name != "worker-generation-gpu":
            assert "gpu" not in service.get("profiles", []) or name.endswith("-gpu"), name


def test_env_example_documents_every_setting(env_example_keys):
    missing = {name.upper() for name in Settings.model_fields} - env_example_keys
    assert not missing, f".env.example lacks settings from app/kernel/settings.py: {sorted(missing)}"


def test_env_example_is_a_valid_settings_file(tmp_path):
    """Copied to .env unchanged, it must load (e.g. no empty value for a numeric setting)."""
    settings = Settings(_env_file=REPO / ".env.example", secret_key="test", model_store_dir=tmp_path)
    assert settings.default_model


def test_env_example_documents_every_compose_and_script_variable(env_example_keys):
    texts = [(REPO / "docker-compose.yml").read_text()]
    texts += [(REPO / name).read_text() for name in ("start_all.sh", "stop_all.sh")]
    used = set()
    for text in texts:
        used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)[:}-]", text))
    # Set by the runtime or internal to the scripts, not configuration.
    used -= {"BASH_SOURCE", "HOSTNAME", "FLOWER_PASSWORD_SOURCE"}
    missing = used - env_example_keys
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_commits_no_secret(env_example_keys):
    text = (REPO / ".env.example").read_text()
    for key in ("SECRET_KEY", "POSTGRES_PASSWORD", "FLOWER_PASSWORD"):
        assert re.search(rf"^{key}=$", text, flags=re.MULTILINE), f"{key} must be empty in .env.example"
