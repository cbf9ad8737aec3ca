# Shared by scripts/start and scripts/test: a virtual environment with PlanFlow installed in it.
# Reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.planflow-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)-${1:-run}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "${1:-run}" = "test" ]; then
    .venv/bin/python -m pip install --quiet -e ".[test]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  echo "$want" > "$stamp"
fi

# The case page's diagram viewer (bpmn-js) is served from node_modules: install it when missing or
# when package-lock.json changed since the last install.
if [ -f package-lock.json ]; then
  npm_stamp="node_modules/.planflow-lock"
  npm_want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_want" ]; then
    if ! command -v npm >/dev/null; then
      echo "npm is not installed: the case page will show no diagram" >&2
    elif npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; then
      echo "$npm_want" > "$npm_stamp"
    else
      echo "npm could not install bpmn-js: the case page will show no diagram" >&2
    fi
  fi
fi
