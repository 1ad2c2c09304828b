#!/usr/bin/env bash
# The server's wheels for a machine without internet access:
#   build-wheelhouse.sh wheel DIR       the project's wheel, into DIR
#   build-wheelhouse.sh wheelhouse DIR  DIR/lcc-apr-server-wheelhouse-<version>.tar.gz: that wheel
#                                       and a wheel of every server dependency (no Qt)
# Install from it with `pip install --no-index --find-links WHEELHOUSE lcc-apr`
# (docs/admin-guide.md, section 6). The wheels suit the Python and platform that built them
# (here CPython 3.11 on Linux x86_64, as on Debian 12 and in python:3.11-slim-bookworm).
set -euo pipefail
what=${1:?wheel or wheelhouse}
out=$(mkdir -p "${2:?output folder}" && cd "$2" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
version=$("$python" -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$root/pyproject.toml")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a copy of the tracked files only: no venv, caches or build leftovers in the wheel
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | xargs -0 cp --parents -t "$work")
# resources/ (forms, policy, fonts, demo) goes inside the package: lcc_apr.paths.resources_dir
mv "$work/resources" "$work/lcc_apr/resources"
mkdir -p "$work/wheels"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/wheels" "$work"
wheel="$work/wheels/lcc_apr-$version-py3-none-any.whl"
if [ "$what" = wheel ]; then
  cp "$wheel" "$out/"
  echo "$out/$(basename "$wheel")"
  exit 0
fi
"$python" -m pip wheel --quiet --wheel-dir "$work/wheels" "$wheel"
if ls "$work/wheels" | grep -qi '^pyside6'; then
  echo "Qt (PySide6) got into the server's wheelhouse: it must stay in the desktop extra." >&2
  exit 1
fi
tarball="$out/lcc-apr-server-wheelhouse-$version.tar.gz"
tar -czf "$tarball.part" -C "$work/wheels" .
mv "$tarball.part" "$tarball"
echo "$tarball"
