#!/usr/bin/env bash
# The MSI of installer/windows/lcc-apr.wxs built on Linux around the PyInstaller folder, to
# check the recipe (tables, signing) without Windows. `make msi`; the tests run it too.
#
#   build-msi.sh [--bundle DIR] [--out FILE] [--work DIR] [--wxs FILE]
#                [--cert PEM --key PEM [--ca PEM] [--timestamp URL]]
#
# wixl-heat (msitools) harvests the folder into the ComponentGroup BundleFiles, as heat.exe
# does on Windows; wixl builds the same .wxs as candle + light. wixl drops attributes it does
# not know with a warning and still exits 0, so any word from wixl-heat or wixl fails here.
# With --cert and --key the MSI is signed with osslsigncode (SHA-256, Authenticode) and
# verified against --ca (default: the certificate itself, for a self-signed test one).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bundle="$root/dist/lcc-apr"
out=""
work="$root/build/msi"
wxs="$root/installer/windows/lcc-apr.wxs"
cert="" key="" ca="" timestamp=""

fail() { echo "build-msi.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ -d "$2" ] || fail "no folder $2: give the bundle's folder (make bundle: dist/lcc-apr)."
              bundle=$(cd "$2" && pwd); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work=$(realpath -m "$2"); shift 2 ;;
    --wxs) wxs=$(realpath -m "$2"); shift 2 ;;
    --cert) cert="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    --ca) ca="$2"; shift 2 ;;
    --timestamp) timestamp="$2"; shift 2 ;;
    *) fail "unknown option '$1': use --bundle, --out, --work, --wxs, --cert, --key, --ca or --timestamp." ;;
  esac
done

for tool in wixl wixl-heat msibuild msiinfo osslsigncode; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing: install the Debian packages wixl, msitools and osslsigncode (installer/debian-packages.txt, run by make)."
done
[ -f "$bundle/lcc-apr" ] || [ -f "$bundle/lcc-apr.exe" ] || fail "no bundle in $bundle: run 'make bundle' first."
if [ -n "$cert$key" ] && { [ -z "$cert" ] || [ -z "$key" ]; }; then
  fail "signing needs both --cert and --key (PEM files)."
fi

# The MSI's ProductVersion: the project version, numbers only (major.minor.build).
version=$(python3 -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$root/pyproject.toml")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "pyproject.toml's version '$version' is not major.minor.build in numbers, which an MSI needs: release with such a version."

mkdir -p "$work"
[ -n "$out" ] || out="$root/dist/lcc-apr-$version-x64.msi"
mkdir -p "$(dirname "$out")"

# The bundle's files. A symbolic link (PyInstaller's Linux bundle has some, to a library
# elsewhere in the folder; a Windows bundle has none) is left out: an MSI installs files.
(cd "$bundle" && find . -type f | LC_ALL=C sort | sed "s|^\./|$bundle/|") >"$work/files.txt"
wixl-heat --prefix "$bundle/" --component-group BundleFiles --directory-ref INSTALLFOLDER \
  --var var.BundleDir --win64 <"$work/files.txt" >"$work/bundle-files.wxs" 2>"$work/heat.log"
[ ! -s "$work/heat.log" ] || { cat "$work/heat.log" >&2; fail "wixl-heat warned (above)."; }

# wixl 0.101 finds files relative to the folder of the first .wxs and trips on absolute
# paths (a GLib assertion), so the folders are given relative to that folder.
here=$(dirname "$wxs")
wixl --arch x64 --output "$work/unsigned.msi" \
  -D "Version=$version" -D "BundleDir=$(realpath --relative-to="$here" "$bundle")" \
  -D "InstallerDir=$(realpath --relative-to="$here" "$root/installer")" \
  -D Win64=yes -D Wixl=yes \
  "$wxs" "$work/bundle-files.wxs" >"$work/wixl.log" 2>&1 \
  || { cat "$work/wixl.log" >&2; fail "wixl failed (above)."; }
[ ! -s "$work/wixl.log" ] || { cat "$work/wixl.log" >&2; fail "wixl warned (above): it drops what it does not know; change the .wxs until it says nothing."; }

# organisation.toml's component: the two bits light sets from NeverOverwrite="yes" and
# Permanent="yes", which wixl 0.101 does not know (see lcc-apr.wxs).
attrs=$(msiinfo export "$work/unsigned.msi" Component | awk -F'\t' '$1 == "OrganisationFile" { print $4 }')
[ -n "$attrs" ] || fail "no OrganisationFile component in the MSI."
msibuild "$work/unsigned.msi" -q "UPDATE \`Component\` SET \`Attributes\` = $((attrs | 16 | 128)) WHERE \`Component\` = 'OrganisationFile'"

if [ -z "$cert" ]; then
  mv "$work/unsigned.msi" "$out"
  echo "Built $out (unsigned: give --cert and --key to sign)."
  exit 0
fi

sign=(osslsigncode sign -certs "$cert" -key "$key" -h sha256 -n "LCC APR" -add-msi-dse)
[ -z "$timestamp" ] || sign+=(-ts "$timestamp")
rm -f "$out"
"${sign[@]}" -in "$work/unsigned.msi" -out "$out" >"$work/sign.log" 2>&1 \
  || { cat "$work/sign.log" >&2; fail "osslsigncode could not sign the MSI (above)."; }
osslsigncode verify -in "$out" -CAfile "${ca:-$cert}" >"$work/verify.log" 2>&1 \
  || { cat "$work/verify.log" >&2; rm -f "$out"; fail "the signed MSI does not verify (above)."; }
echo "Built and signed $out."
