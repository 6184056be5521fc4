#!/usr/bin/env bash
# Build the React UI into app/static, but only when the bundle is missing or stale: older than
# any file in frontend/src, frontend/package.json or frontend/index.html.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'TXT'
Usage: scripts/build_frontend.sh [--help] [--force]

Runs `npm --prefix frontend ci && npm --prefix frontend run build` (output: app/static) when
app/static/index.html is missing or older than the frontend sources. Without frontend/ it warns
and does nothing, so the API still starts (it serves Swagger at /docs either way).
TXT
}

# True when the built bundle is missing or some source file is newer than it.
bundle_is_stale() {
  local bundle=$ROOT/app/static/index.html sources=()
  [[ -f $bundle ]] || return 0
  local path
  for path in frontend/src frontend/package.json frontend/index.html frontend/vite.config.ts; do
    [[ -e $ROOT/$path ]] && sources+=("$ROOT/$path")
  done
  ((${#sources[@]})) || return 1
  [[ -n $(find "${sources[@]}" -newer "$bundle" -print -quit) ]]
}

main() {
  parse_force_flag "$@"
  local force=$FORCE
  ROOT=$(lm_root)
  if [[ ! -f $ROOT/frontend/package.json ]]; then
    warn "frontend/ not found; skipping the UI build (the API and /docs still work)"
    return 0
  fi
  if ((force == 0)) && ! bundle_is_stale; then
    log "UI bundle app/static is up to date"
    return 0
  fi
  command -v npm >/dev/null || die "the UI bundle needs (re)building but npm is not installed (Node.js 20+)"
  log "building the UI (npm ci + vite build) into app/static"
  npm --prefix "$ROOT/frontend" ci --no-audit --no-fund
  npm --prefix "$ROOT/frontend" run build
}

main "$@"
