"""The Kustomize overlays render, validate against the Kubernetes schemas, and follow our rules."""

import shutil

import pytest

from app.kernel.contracts import QUEUES
from app.kernel.keys import namespace_for
from tests.deploy.conftest import K8S, OVERLAYS, by_kind, pod_specs, render

KUBERNETES_VERSION = "1.33.0"  # oldest version we support; the schemas ship with kubernetes-validate
CRD_GROUPS = ("keda.sh/", "monitoring.coreos.com/")  # custom resources: no published schema, checked by hand below
WORKERS = {f"localmind-worker-{queue}": queue for queue in QUEUES}
ALL_TARGETS = ("base", *OVERLAYS)


def mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def target_dir(name: str):
    return K8S / "base" if name == "base" else K8S / "overlays" / name


@pytest.fixture(params=ALL_TARGETS)
def objects(request) -> list[dict]:
    return render(target_dir(request.param))


@pytest.fixture(params=OVERLAYS)
def overlay_objects(request) -> list[dict]:
    return render(target_dir(request.param))


def test_builtin_kinds_match_the_kubernetes_schemas(objects):
    try:
        import kubernetes_validate
    except ImportError:
        pytest.fail("kubernetes-validate is not installed (pip install kubernetes-validate==1.37.0)", pytrace=False)
    checked = 0
    for obj in objects:
        if obj["apiVersion"].startswith(CRD_GROUPS):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
        checked += 1
    assert checked > 20


def test_every_container_has_probes_resources_and_runs_as_non_root(objects):
    problems = []
    for workload, spec in pod_specs(objects).items():
        pod_security = spec.get("securityContext", {})
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{workload} container {container['name']}"
            is_init = container in spec.get("initContainers", [])
            if not is_init and not workload.startswith("Job/"):  # a Job's pod runs to completion
                problems += [f"{where}: no {p}" for p in ("livenessProbe", "readinessProbe") if p not in container]
            resources = container.get("resources", {})
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(section, {}):
                        problems.append(f"{where}: no resources.{section}.{resource}")
            security = {**pod_security, **container.get("securityContext", {})}
            if security.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem is writable")
    assert not problems, "\n".join(problems)


def test_no_container_uses_a_mutable_or_missing_image_reference(objects):
    for workload, spec in pod_specs(objects).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert ":" in container["image"], f"{workload}/{container['name']} image has no tag"


def test_the_expected_objects_exist(objects):
    deployments = by_kind(objects, "Deployment")
    assert {"localmind-api", "localmind-flower", *WORKERS} <= set(deployments)
    assert {"localmind-redis", "localmind-postgres"} <= set(by_kind(objects, "StatefulSet"))
    assert {"localmind-api", "localmind-flower", "localmind-redis", "localmind-postgres"} <= set(
        by_kind(objects, "Service")
    )
    assert by_kind(objects, "NetworkPolicy"), "no NetworkPolicy"
    assert {"localmind-config"} <= set(by_kind(objects, "ConfigMap"))
    assert {"localmind-model-store"} <= set(by_kind(objects, "PersistentVolumeClaim"))
    budgets = by_kind(objects, "PodDisruptionBudget")
    assert {"localmind-api", "localmind-worker-generation"} <= set(budgets)


def test_api_autoscales_on_cpu_and_every_reference_resolves(objects):
    hpa = by_kind(objects, "HorizontalPodAutoscaler")["localmind-api"]
    assert hpa["spec"]["scaleTargetRef"]["name"] in by_kind(objects, "Deployment")
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert "replicas" not in by_kind(objects, "Deployment")["localmind-api"]["spec"], "the HPA owns replicas"

    services = by_kind(objects, "Service")
    for ingress in by_kind(objects, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] in services

    claims = set(by_kind(objects, "PersistentVolumeClaim"))
    config_maps, secrets = set(by_kind(objects, "ConfigMap")), set(by_kind(objects, "Secret"))
    for workload, spec in pod_specs(objects).items():
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, workload
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, workload
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets, workload


def test_ingress_keeps_server_sent_events_streaming():
    ingress = by_kind(render(K8S / "base"), "Ingress")["localmind"]
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "proxy-buffering"] == "off"
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 600
    assert int(annotations[prefix + "proxy-send-timeout"]) >= 600
    assert annotations[prefix + "proxy-body-size"].endswith("m")
    assert int(annotations[prefix + "proxy-body-size"][:-1]) > 50, "body limit must exceed MAX_UPLOAD_MB"


def test_model_store_is_shared_read_write_many_in_base():
    claim = by_kind(render(K8S / "base"), "PersistentVolumeClaim")["localmind-model-store"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_keda_scaled_objects_scale_each_worker_on_its_redis_queue(objects):
    """KEDA's CRD has no schema here, so check the fields KEDA requires and our intent."""
    scaled = by_kind(objects, "ScaledObject")
    deployments = by_kind(objects, "Deployment")
    redis_url = by_kind(objects, "ConfigMap")["localmind-config"]["data"]["REDIS_URL"]
    assert {obj["spec"]["scaleTargetRef"]["name"] for obj in scaled.values()} == set(WORKERS)
    for name, obj in scaled.items():
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        spec = obj["spec"]
        target = spec["scaleTargetRef"]["name"]
        assert target in deployments, f"{name} targets a missing Deployment"
        assert spec.get("kind", "Deployment") == "Deployment"
        assert 0 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        assert spec["triggers"], name
        for trigger in spec["triggers"]:
            assert trigger["type"] == "redis"
            metadata = trigger["metadata"]
            queue_list = namespace_for("", redis_url) + ":celery:" + WORKERS[target]
            assert metadata["listName"] == queue_list, "listName must be the Redis list of the worker's queue"
            assert "address" not in metadata, "the namespace would be hard-coded"
            container = deployments[target]["spec"]["template"]["spec"]["containers"][0]
            env = {item["name"]: item.get("value", "") for item in container["env"]}
            assert env[metadata["addressFromEnv"]].endswith(".$(POD_NAMESPACE).svc.cluster.local:6379")
            assert int(metadata["listLength"]) >= 1
            assert all(isinstance(value, str) for value in metadata.values()), "KEDA metadata values are strings"
    assert scaled["localmind-worker-training"]["spec"]["minReplicaCount"] == 0


def test_workers_consume_their_queue_with_the_documented_pool():
    deployments = by_kind(render(K8S / "base"), "Deployment")
    pools = {"generation": "threads", "indexing": "prefork", "retrieval": "threads", "training": "solo"}
    for name, queue in WORKERS.items():
        command = " ".join(deployments[name]["spec"]["template"]["spec"]["containers"][0]["command"])
        assert f"-Q {queue} " in command and f"--pool {pools[queue]}" in command, command


def test_secrets_hold_only_marked_placeholders():
    for secret in by_kind(render(K8S / "base"), "Secret").values():
        for key, value in secret.get("stringData", {}).items():
            if "PASSWORD" in key or "SECRET" in key:
                assert value == "CHANGE_ME", f"{key} must be the CHANGE_ME placeholder, never a real value"
        assert not secret.get("data"), "no base64 data: it hides what is committed"


def test_gpu_overlay_puts_generation_and_training_on_gpus():
    objects = render(K8S / "overlays" / "gpu")
    specs = pod_specs(objects)
    for worker in ("localmind-worker-generation", "localmind-worker-training"):
        spec = specs[f"Deployment/{worker}"]
        container = spec["containers"][0]
        assert str(container["resources"]["limits"]["nvidia.com/gpu"]) == "1", worker
        assert any(t["key"] == "nvidia.com/gpu" for t in spec["tolerations"]), worker
        assert spec["nodeSelector"], worker
        assert container["image"] == "localmind/localmind-cuda:0.1.0", worker
    for name in ("localmind-api", "localmind-worker-indexing", "localmind-flower"):
        limits = specs[f"Deployment/{name}"]["containers"][0]["resources"]["limits"]
        assert "nvidia.com/gpu" not in limits, name


def test_dev_overlay_is_small_and_cpu_only():
    objects = render(K8S / "overlays" / "dev")
    for workload, spec in pod_specs(objects).items():
        for container in spec["containers"]:
            limits = container["resources"]["limits"]
            assert "nvidia.com/gpu" not in limits, workload
            assert mebibytes(limits["memory"]) <= 4096, f"{workload}: {limits['memory']} is not small"
    assert by_kind(objects, "HorizontalPodAutoscaler")["localmind-api"]["spec"]["minReplicas"] == 1
    assert by_kind(objects, "PersistentVolumeClaim")["localmind-model-store"]["spec"]["accessModes"] == [
        "ReadWriteOnce"
    ]


def test_external_datastores_component_removes_in_cluster_redis_and_postgres(tmp_path):
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    overlay = copy / "overlays" / "external"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources: [../../base]\ncomponents: [../../components/external-datastores]\n"
    )
    objects = render(overlay)
    assert not by_kind(objects, "StatefulSet")
    assert "localmind-redis" not in by_kind(objects, "Service")
    assert "localmind-api" in by_kind(objects, "Deployment")


def memory_bytes(quantity: str) -> float:
    return mebibytes(quantity) * 1024 * 1024


def test_gpu_overlay_runs_release_tags_never_latest():
    for workload, spec in pod_specs(render(K8S / "overlays" / "gpu")).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            image = container["image"]
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "latest"
            assert tag != "latest", f"{workload}: {image}"


def test_api_pdb_allows_a_drain_at_the_hpa_minimum(objects):
    """A PDB that keeps as many pods as the HPA's minimum blocks every node drain."""
    hpa = by_kind(objects, "HorizontalPodAutoscaler")["localmind-api"]["spec"]
    pdb = by_kind(objects, "PodDisruptionBudget")["localmind-api"]["spec"]
    if "minAvailable" in pdb:
        assert pdb["minAvailable"] < hpa["minReplicas"], (pdb, hpa)
    else:
        assert pdb["maxUnavailable"] >= 1


def test_api_leaves_the_endpoints_before_it_stops(objects):
    spec = pod_specs(objects)["Deployment/localmind-api"]
    api = spec["containers"][0]
    pause = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < pause < spec["terminationGracePeriodSeconds"]
    assert "--timeout-graceful-shutdown" in api["command"]


def test_redis_maxmemory_is_below_its_limit(objects):
    redis = pod_specs(objects)["StatefulSet/localmind-redis"]["containers"][0]
    args = redis["args"]
    maxmemory = args[args.index("--maxmemory") + 1]
    assert maxmemory.endswith("mb")
    limit = memory_bytes(redis["resources"]["limits"]["memory"])
    assert int(maxmemory[:-2]) * 1024 * 1024 <= 0.8 * limit, (maxmemory, limit)
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction", "queued tasks must never be evicted"


def test_a_job_pulls_the_models_list_with_the_hub_token_from_a_secret(objects):
    config = by_kind(objects, "ConfigMap")["localmind-models"]["data"]["models.txt"]
    assert "smollm2-135m-instruct" in config.split()
    job = pod_specs(objects)["Job/localmind-pull-models"]
    container = job["containers"][0]
    volumes = {v["name"]: v for v in job["volumes"]}
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert volumes["models"]["configMap"]["name"] == "localmind-models"
    assert f"{mounted['models']}/models.txt" in " ".join(container["command"])
    assert mounted["model-store"] == "/data/model_store"
    assert {"secretRef": {"name": "localmind-secrets"}} in container["envFrom"]
    assert "HF_TOKEN" in by_kind(objects, "Secret")["localmind-secrets"]["stringData"]


def test_metrics_are_protected_and_scraped_by_the_monitors():
    objects = render(K8S / "overlays" / "gpu")
    secret = by_kind(objects, "Secret")["localmind-secrets"]["stringData"]
    assert secret["METRICS_TOKEN"] == "CHANGE_ME"
    specs = pod_specs(objects)
    monitor = by_kind(objects, "ServiceMonitor")["localmind-api"]["spec"]
    endpoint = monitor["endpoints"][0]
    assert endpoint["authorization"]["credentials"] == {"name": "localmind-secrets", "key": "METRICS_TOKEN"}
    service_ports = {p["name"] for p in by_kind(objects, "Service")["localmind-api"]["spec"]["ports"]}
    assert endpoint["port"] in service_ports and endpoint["path"] == "/metrics"
    pod_monitor = by_kind(objects, "PodMonitor")["localmind-worker-generation"]["spec"]
    worker = specs["Deployment/localmind-worker-generation"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    env = {e["name"]: e.get("value") for e in worker["env"]}
    assert str(ports[pod_monitor["podMetricsEndpoints"][0]["port"]]) == env["WORKER_METRICS_PORT"]
    assert pod_monitor["selector"]["matchLabels"].items() <= (
        by_kind(objects, "Deployment")["localmind-worker-generation"]["spec"]["template"]["metadata"]["labels"].items()
    )


def test_flower_loads_the_app_without_task_modules(objects):
    flower = pod_specs(objects)["Deployment/localmind-flower"]["containers"][0]
    assert "-A worker.flower_app flower" in " ".join(flower["command"]), "worker.celery_app imports torch"
