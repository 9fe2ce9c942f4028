#!/usr/bin/env bash
# Run the whole suite, or what the pytest arguments given select. PostgreSQL and Redis tests
# use the servers named by MPP_TEST_POSTGRES_URL and MPP_TEST_REDIS_URL; when unset, the local
# defaults are used if they answer, and otherwise those tests skip and say why.
#
# The tests run in parallel: MPP_TEST_WORKERS pytest-xdist workers (default 3; most tests
# wait on servers, browsers and PostgreSQL rather than on the CPU), `--dist loadgroup` so that
# the tests sharing a module's server, and those marked xdist_group, stay on one worker
# (tests/README.md). `-n 0` among the arguments (or MPP_TEST_WORKERS=0) runs them serially,
# in one process: for one file, or --pdb.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
if [ -z "${MPP_TEST_POSTGRES_URL+x}" ]; then
  if $BIN/python -c "import psycopg; psycopg.connect('host=127.0.0.1 user=postgres dbname=test', connect_timeout=2).close()" 2>/dev/null; then
    export MPP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"
  else
    echo "note: no PostgreSQL at 127.0.0.1:5432 (database test): PostgreSQL tests will skip"
  fi
fi
if [ -z "${MPP_TEST_REDIS_URL+x}" ]; then
  if $BIN/python -c "import redis; redis.Redis(host='127.0.0.1', socket_timeout=2).ping()" 2>/dev/null; then
    export MPP_TEST_REDIS_URL="redis://127.0.0.1:6379/0"
  else
    echo "note: no Redis at 127.0.0.1:6379: Redis tests will skip"
  fi
fi
exec $BIN/python -m pytest -n "${MPP_TEST_WORKERS:-3}" --dist loadgroup "$@"
