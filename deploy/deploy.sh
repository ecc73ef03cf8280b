#!/usr/bin/env bash
# Deploy Scribe on the Pi: fetch a ref, install the locked dependencies, drain the worker, migrate
# once, refresh the systemd units, restart, and wait for /health. Safe to run again at any point.
#
#   sudo deploy/deploy.sh [--ref REF] [--dry-run]
#
# --dry-run (or DRY_RUN=1) prints every command it would run, prefixed with [dry-run], and runs
# none of them. Every command with a side effect goes through `run`, so that promise holds.
set -euo pipefail

SCRIBE_DIR="${SCRIBE_DIR:-/opt/scribe}"
SCRIBE_USER="${SCRIBE_USER:-scribe}"
ENV_FILE="${SCRIBE_ENV_FILE:-/etc/scribe/scribe.env}"
UNIT_DIR="${SCRIBE_UNIT_DIR:-/etc/systemd/system}"
HEALTH_URL="${SCRIBE_HEALTH_URL:-http://127.0.0.1:8000/health}"
HEALTH_TIMEOUT="${SCRIBE_HEALTH_TIMEOUT:-120}"
# On a worker-only Pi: SCRIBE_SERVICES="worker". Every worker runs the recovery sweeps itself
# (services/recovery.py), on any number of machines at once: there is no scheduler to place.
SCRIBE_SERVICES="${SCRIBE_SERVICES:-api worker flower}"
REF="${SCRIBE_REF:-origin/main}"
DRY_RUN="${DRY_RUN:-0}"

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

while (($#)); do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --ref)
      [[ $# -ge 2 ]] || { echo "deploy: --ref needs a value" >&2; exit 2; }
      REF="$2"
      shift
      ;;
    --ref=*) REF="${1#--ref=}" ;;
    -h | --help) usage; exit 0 ;;
    *) echo "deploy: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'deploy: ERROR: %s\n' "$*" >&2; exit 1; }
dry() { [[ "$DRY_RUN" == 1 ]]; }

# The only way this script changes anything.
run() {
  local quoted
  quoted="$(printf '%q ' "$@")"
  if dry; then
    printf '[dry-run] %s\n' "${quoted% }"
    return 0
  fi
  printf '+ %s\n' "${quoted% }"
  "$@"
}

# git and uv run as the service user so the checkout, .venv and uv cache stay owned by it.
as_scribe() { run runuser -u "$SCRIBE_USER" -- "$@"; }

wants() { [[ " $SCRIBE_SERVICES " == *" $1 "* ]]; }

# Read-only checks. A real deploy stops at the first problem; a dry run lists them all.
problems=0
check() {
  local message="$1"
  shift
  if ! "$@" >/dev/null 2>&1; then
    if dry; then
      printf '[dry-run] preflight would stop a real deploy: %s\n' "$message"
      problems=$((problems + 1))
    else
      die "$message"
    fi
  fi
}

env_value() {
  if [[ -r "$ENV_FILE" ]]; then sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1; fi
}

preflight() {
  step "preflight"
  check "run as root (sudo deploy/deploy.sh)" test "$(id -u)" -eq 0
  check "user '$SCRIBE_USER' is missing (deploy/README.md: create it)" id -u "$SCRIBE_USER"
  check "$SCRIBE_DIR is not a git checkout (clone the repository there first)" test -d "$SCRIBE_DIR/.git"
  check "$ENV_FILE is missing (copy deploy/scribe.env.example and fill it in)" test -r "$ENV_FILE"
  for tool in git systemctl systemd-run runuser curl redis-cli; do
    check "'$tool' is not installed" command -v "$tool"
  done
  if [[ -r "$ENV_FILE" ]] && [[ "$(stat -c %a "$ENV_FILE")" =~ [1-7]$ ]]; then
    note "warning: $ENV_FILE is readable by everyone; it holds secrets (chmod 640)"
  fi
  local redis_url
  redis_url="$(env_value REDIS_URL)"
  if [[ -z "$redis_url" ]]; then
    note "REDIS_URL is not set in $ENV_FILE: skipping the Redis check"
  elif dry; then
    printf '[dry-run] would check Redis: redis-cli -u <REDIS_URL> ping\n'
  else
    [[ "$(redis-cli --no-auth-warning -u "$redis_url" ping 2>/dev/null)" == PONG ]] \
      || die "Redis at REDIS_URL does not answer PING (systemctl status redis-server)"
  fi
}

previous_commit=""

fetch() {
  step "fetch $REF"
  if ! dry; then
    previous_commit="$(runuser -u "$SCRIBE_USER" -- git -C "$SCRIBE_DIR" rev-parse --short HEAD)"
    note "currently at $previous_commit"
  fi
  as_scribe git -C "$SCRIBE_DIR" fetch --prune --tags origin
  # Detached at the ref: a deploy is a commit, not a branch someone can commit on here.
  as_scribe git -C "$SCRIBE_DIR" checkout --detach "$REF"
}

find_uv() {
  local home
  home="$(getent passwd "$SCRIBE_USER" | cut -d: -f6 || true)"
  home="${home:-/var/lib/$SCRIBE_USER}"
  UV_VENV="$home/uv"
  # Only places the service user can execute: a uv on root's PATH may live in root's home.
  UV=""
  local candidate
  for candidate in "$UV_VENV/bin/uv" /usr/local/bin/uv /usr/bin/uv; do
    if [[ -x "$candidate" ]]; then
      UV="$candidate"
      return 0
    fi
  done
}

sync_dependencies() {
  step "install locked dependencies (uv sync)"
  find_uv
  if [[ -z "$UV" ]]; then
    note "uv not found: installing it into $UV_VENV"
    as_scribe python3 -m venv "$UV_VENV"
    as_scribe "$UV_VENV/bin/pip" install --quiet uv
    UV="$UV_VENV/bin/uv"
  fi
  # The project pins python-downloads=never for laptops and CI; on the Pi uv may fetch its own
  # CPython 3.13 (Debian 12 ships 3.11). Set UV_PYTHON_DOWNLOADS=never to insist on pyenv's.
  # Compiled bytecode: the units run under ProtectSystem=strict and cannot write .pyc files, so without
  # it every start compiles each module it imports again (measured by `make bench`: ~35 MiB more
  # resident per process and seconds of CPU per start). uv compiles the packages; compileall the app.
  as_scribe env UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-automatic}" \
    "$UV" sync --frozen --no-dev --compile-bytecode --directory "$SCRIBE_DIR"
  as_scribe "$UV" run --frozen --no-sync --directory "$SCRIBE_DIR" \
    python -m compileall -q -x '/(\.venv|data|tests)/' "$SCRIBE_DIR"
}

migrate() {
  step "migrate (alembic upgrade head, once, with the worker drained and before any restart)"
  # A transient unit gives the migration exactly the services' user, directory and environment
  # file, parsed by systemd the same way; sourcing the file in bash would parse it differently.
  run systemd-run --quiet --wait --pipe --collect \
    --uid="$SCRIBE_USER" --gid="$SCRIBE_USER" --working-directory="$SCRIBE_DIR" \
    --property=EnvironmentFile="$ENV_FILE" --setenv=DATA_DIR="$SCRIBE_DIR/data" \
    "$SCRIBE_DIR/.venv/bin/alembic" upgrade head
}

UNITS=(scribe.target scribe-api.service scribe-worker.service scribe-flower.service)
# Units earlier releases installed: stopped, disabled and removed wherever they are still found.
# (scribe-beat.service scheduled the reaper; the workers sweep by themselves now.)
RETIRED_UNITS=(scribe-beat.service)

install_units() {
  step "install systemd units into $UNIT_DIR"
  # ReadWritePaths= fails the units if the data directory does not exist.
  run install -d -m 750 -o "$SCRIBE_USER" -g "$SCRIBE_USER" "$SCRIBE_DIR/data"
  local unit
  for unit in "${UNITS[@]}"; do
    run install -m 644 "$SCRIBE_DIR/deploy/$unit" "$UNIT_DIR/$unit"
  done
  run systemctl daemon-reload
  local enable=(scribe.target) service
  for service in api worker flower; do
    if wants "$service"; then enable+=("scribe-$service.service"); fi
  done
  run systemctl enable --quiet "${enable[@]}"
}

retire_units() {
  local unit
  for unit in "${RETIRED_UNITS[@]}"; do
    if [[ -e "$UNIT_DIR/$unit" ]]; then
      note "$unit is no longer part of Scribe: stopping and removing it"
      run systemctl disable --now --quiet "$unit"
      run rm -f "$UNIT_DIR/$unit"
    fi
  done
}

drain_worker() {
  step "drain the worker (before migrating)"
  # A migration that alters queue_items waits for every open transaction on it, and every status
  # read then queues behind the ALTER: nothing of the old code may be mid-email while it runs.
  retire_units
  if wants worker; then
    note "stopping the worker: waits for running emails (up to TimeoutStopSec=240 s)"
    run systemctl stop scribe-worker.service
  fi
}

restart_services() {
  step "restart"
  if wants api; then run systemctl restart scribe-api.service; fi
  if wants worker; then run systemctl start scribe-worker.service; fi
  if wants flower; then run systemctl restart scribe-flower.service; fi
}

health_check() {
  step "health check"
  if wants worker; then
    run systemctl is-active --quiet scribe-worker.service \
      || die "scribe-worker did not start: journalctl -u scribe-worker -n 100"
  fi
  if ! wants api; then
    note "no API on this machine: skipping $HEALTH_URL"
    return 0
  fi
  if dry; then
    run curl -fsS --max-time 5 "$HEALTH_URL"
    return 0
  fi
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) body=""
  while ((SECONDS < deadline)); do
    if body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)"; then
      note "healthy: $body"
      return 0
    fi
    sleep 2
  done
  body="$(curl -sS --max-time 5 "$HEALTH_URL" 2>&1 || true)"
  printf 'deploy: ERROR: %s not healthy after %ss. Last answer: %s\n' \
    "$HEALTH_URL" "$HEALTH_TIMEOUT" "${body:-none}" >&2
  printf '  logs:     journalctl -u scribe-api -u scribe-worker -n 100\n' >&2
  if [[ -n "$previous_commit" ]]; then
    printf '  rollback: sudo %s --ref %s  (migrations are not rolled back)\n' "$0" "$previous_commit" >&2
  fi
  exit 1
}

main() {
  if dry; then
    printf '[dry-run] nothing below is executed; ref=%s dir=%s services=%s\n' \
      "$REF" "$SCRIBE_DIR" "$SCRIBE_SERVICES"
  fi
  preflight
  fetch
  sync_dependencies
  drain_worker
  migrate
  install_units
  restart_services
  health_check
  if dry; then
    printf '\n[dry-run] done: %d preflight problem(s) would stop a real deploy\n' "$problems"
  else
    printf '\ndeployed %s\n' "$(runuser -u "$SCRIBE_USER" -- git -C "$SCRIBE_DIR" rev-parse --short HEAD)"
  fi
}

main
