# Shared by the bin/ scripts: find Python 3.11 and keep the project's virtualenv up to date.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PORTAL_VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  die "Python 3.11 is needed (set PYTHON=/path/to/python3.11)."
}

# ensure_venv [extras]: create .venv and install the project (with extras, e.g. "dev") when
# pyproject.toml changed since the last install.
ensure_venv() {
  local extras="${1:-}" spec="." stamp want
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv in $VENV"
    "$(find_python)" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  stamp="$VENV/.portal-installed"
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) $extras"
  # An install with extras also serves a plain run.
  if [ ! -f "$stamp" ] || { ! grep -qxF "$want" "$stamp" && { [ -n "$extras" ] || ! grep -q "^${want% }" "$stamp"; }; }; then
    say "installing the portal's dependencies ($spec)"
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec")
    echo "$want" >> "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}
