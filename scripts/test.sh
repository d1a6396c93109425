#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run the whole suite.
#   bash scripts/test.sh [pytest args...]
#   bash scripts/test.sh --quick [pytest args...]
# Debian packages: chromium (real-browser tests), postgresql (database tests) and gdal-bin
# (ogr2ogr reads the API and the downloads), installed and
# started when missing (needs root or sudo). Python packages go into ./.venv.
# --quick: the loop while editing (docs/testing.md): no Debian packages, no PostgreSQL, the venv
# installed only when missing, ruff, then the tests that need no browser, database server or
# subprocess and are not marked slow, on two processes, with the derived-layer cache kept in
# .cache/geo_service between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python writes the byte code of what it imports (and pytest its rewritten test modules) into
# __pycache__, so the next run reads it instead of compiling again: about 6 CPU-s per test process.
unset PYTHONDONTWRITEBYTECODE

if [ "${1:-}" = "--quick" ]; then
  shift
  if [ ! -x .venv/bin/python ]; then python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'; fi
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  export GEO_SERVICE_DATA_DIR="${GEO_SERVICE_DATA_DIR:-../shared/data}"
  export GEO_SERVICE_CACHE_DIR="${GEO_SERVICE_CACHE_DIR:-.cache/geo_service}"
  exec .venv/bin/python -m pytest -n "${GEO_SERVICE_TEST_WORKERS:-2}" --dist loadfile \
    -m "not browser and not postgres and not subprocess and not slow" "$@"
fi

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: start the default cluster and make a throw-away test database, unless
# GEO_SERVICE_TEST_POSTGRES_URL already names one (a machine where another run uses geo_service_test).
if [ -z "${GEO_SERVICE_TEST_POSTGRES_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
  if [ -n "$cluster" ]; then
    # shellcheck disable=SC2086
    $SUDO pg_ctlcluster $cluster start 2>/dev/null || true
    if $SUDO -u postgres psql -qtAc "select 1" >/dev/null 2>&1 || su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1; then
      # SQL goes in on stdin so no shell re-parses it ("su -c" would expand $$).
      run_pg() { if [ "$(id -u)" = "0" ]; then su postgres -c "psql -qtA -v ON_ERROR_STOP=1" <<<"$1"; else sudo -u postgres psql -qtA -v ON_ERROR_STOP=1 <<<"$1"; fi; }
      run_pg "DROP DATABASE IF EXISTS geo_service_test" >/dev/null
      run_pg "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='geo_service') THEN CREATE ROLE geo_service LOGIN PASSWORD 'geo_service'; END IF; END\$\$" >/dev/null
      # CREATEDB: each pytest-xdist worker makes its own database (tests/nominations_support.py)
      run_pg "ALTER ROLE geo_service CREATEDB" >/dev/null
      run_pg "CREATE DATABASE geo_service_test OWNER geo_service" >/dev/null
      port=$(pg_lsclusters -h | awk 'NR==1 {print $3}')
      export GEO_SERVICE_TEST_POSTGRES_URL="postgresql+psycopg://geo_service:geo_service@127.0.0.1:${port}/geo_service_test"
      echo "PostgreSQL test database ready on port ${port}"
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'

# Lint and format first (pyproject.toml [tool.ruff]): a failure here stops the run.
.venv/bin/ruff check .
.venv/bin/ruff format --check .

export GEO_SERVICE_DATA_DIR="${GEO_SERVICE_DATA_DIR:-../shared/data}"
# Two workers (pytest-xdist), one test file per worker at a time so module fixtures are built
# once; the workers share one derived-layer cache (tests/conftest.py). GEO_SERVICE_TEST_WORKERS=0
# runs in one process.
workers="${GEO_SERVICE_TEST_WORKERS:-2}"
if [ "$workers" = "0" ]; then exec .venv/bin/python -m pytest "$@"; fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
