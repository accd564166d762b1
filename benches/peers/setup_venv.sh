#!/usr/bin/env bash
# Create (or reuse) the project-local Python virtualenv for the peer benchmarks.
#
# Usage:
#   benches/peers/setup_venv.sh            # Axelrod-Python (requirements.txt)
#   benches/peers/setup_venv.sh --mesa     # also Mesa (requirements-mesa.txt)
#
# The venv lives at target/peers-venv (override with PEERS_VENV=/some/dir; the
# interpreter used to create it is python3, override with PYTHON=...).
# It is idempotent: when the venv already holds exactly the pinned requirements
# (a stamp file records the hash of the requirement files that were installed)
# and axelrod is importable, nothing is downloaded again.
#
# On success the last line on stdout is
#   PEERS_PYTHON=/abs/path/to/target/peers-venv/bin/python
# (progress and diagnostics go to stderr). If python3, its venv module, pip or
# PyPI is unavailable it prints "setup_venv: ERROR: ..." and exits non-zero
# (exit 3), so callers such as tests/it/axelrod_crosscheck.rs can skip loudly.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${PEERS_VENV:-$root/target/peers-venv}"
python="${PYTHON:-python3}"
pip_timeout="${PEERS_PIP_TIMEOUT:-60}"

with_mesa=0
for arg in "$@"; do
    case "$arg" in
        --mesa) with_mesa=1 ;;
        -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "setup_venv: ERROR: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

log() { echo "setup_venv: $*" >&2; }
fail() { echo "setup_venv: ERROR: $*" >&2; exit 3; }

req_files=("$here/requirements.txt")
[[ $with_mesa -eq 1 ]] && req_files+=("$here/requirements-mesa.txt")
for f in "${req_files[@]}"; do
    [[ -f "$f" ]] || fail "missing requirement file $f"
done

# Serialise concurrent callers (parallel tests, a benchmark started meanwhile).
mkdir -p "$(dirname "$venv")"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$venv.lock"
    flock 9
fi

vpy="$venv/bin/python"
sha() { sha256sum "$1" | cut -d' ' -f1; }
stamp_of() { echo "$venv/.stamp-$(basename "$1")"; }
stamps_match() {
    local f
    for f in "${req_files[@]}"; do
        [[ -f "$(stamp_of "$f")" && "$(cat "$(stamp_of "$f")")" == "$(sha "$f")" ]] || return 1
    done
}

# Fast path: a stamp (hash of a requirement file) is written only after a
# complete install of that file whose imports succeeded, so matching stamps plus
# an importable module spec mean the venv is ready. (A full `import axelrod`
# takes ~15 s, which is why it is not repeated here; see README.md.)
if [[ -x "$vpy" ]] && stamps_match &&
   "$vpy" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("axelrod") is None)' 2>/dev/null; then
    log "reusing $venv"
    echo "PEERS_PYTHON=$vpy"
    exit 0
fi

command -v "$python" >/dev/null 2>&1 || fail "'$python' not found on PATH; install Python >= 3.11 (or set PYTHON=...)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    fail "$("$python" --version 2>&1) is too old: the pinned requirements need Python >= 3.11"

if [[ ! -x "$vpy" ]]; then
    log "creating $venv with $("$python" --version 2>&1)"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >&2; then
        rm -rf "$venv"
        fail "'$python -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
fi
"$vpy" -m pip --version >/dev/null 2>&1 || fail "pip is not available in $venv (python -m ensurepip failed?)"

log "installing ${req_files[*]##*/} from PyPI (wheels only) ..."
pip_args=(install --disable-pip-version-check --no-input --only-binary=:all:
          --timeout "$pip_timeout" --retries 2)
for f in "${req_files[@]}"; do pip_args+=(-r "$f"); done
if ! "$vpy" -m pip "${pip_args[@]}" >&2; then
    fail "pip could not install the requirements (is PyPI reachable? see pip's message above)"
fi

log "checking that axelrod imports (takes ~15 s: axelrod inspects every strategy's source at import) ..."
"$vpy" -c 'import axelrod, sys; print("axelrod", axelrod.__version__, file=sys.stderr)' >&2 ||
    fail "axelrod was installed but does not import"
if [[ $with_mesa -eq 1 ]]; then
    "$vpy" -c 'import mesa, sys; print("mesa", mesa.__version__, file=sys.stderr)' >&2 ||
        fail "mesa was installed but does not import"
fi

for f in "${req_files[@]}"; do sha "$f" > "$(stamp_of "$f")"; done
log "ready: $venv"
echo "PEERS_PYTHON=$vpy"
