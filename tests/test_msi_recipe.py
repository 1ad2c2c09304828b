"""The Windows MSI recipe (installer/windows), checked on Linux.

installer/windows/build-msi.sh builds lcc-apr.wxs with wixl around the frozen app (once per
module, about 10 s after the session's bundle) and signs it with a throwaway code-signing
certificate; msiinfo reads its tables, msiextract its cabinet, osslsigncode verifies it.
build.ps1, which only Windows runs, is checked by its text.
Tools: Debian's wixl, msitools and osslsigncode (installer/debian-packages.txt).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.pdf_tools import Identity, make_ca

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = ROOT / "installer" / "windows"
BUILD = WINDOWS / "build-msi.sh"
# Fixed forever (lcc-apr.wxs): a changed UpgradeCode would install beside the old version.
UPGRADE_CODE = "{658D2F14-2FD0-4EF2-9A46-E0472AB4F720}"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

# Component attribute bits (Windows Installer's Component table)
REGISTRY_KEY_PATH, PERMANENT, NEVER_OVERWRITE, WIN64 = 4, 16, 128, 256
# Registry root (Registry table): 2 is HKEY_LOCAL_MACHINE (1 would be HKEY_CURRENT_USER)
HKLM = 2
STANDARD_FOLDERS = {"ProgramFiles64Folder", "ProgramMenuFolder"}
# Upgrade attribute bits
MIGRATE_FEATURES, ONLY_DETECT = 1, 2


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, (
        f"{name} is not installed: apt-get install wixl msitools osslsigncode "
        "(installer/debian-packages.txt, installed by make)"
    )
    return path


def code_signer(ca: Identity) -> Identity:
    """A code-signing certificate from `ca` (RSA-2048, EKU codeSigning), like a vendor's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LCC APR test code signing")])
        )
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Identity(key, cert, [ca.certificate])


@dataclass
class Signing:
    cert: Path
    key: Path
    ca: Path


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> Signing:
    folder = tmp_path_factory.mktemp("codesign")
    ca = make_ca("LCC APR test code-signing CA")
    signer = code_signer(ca)
    paths = Signing(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")
    paths.cert.write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths.ca.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    return paths


@dataclass
class Built:
    msi: Path
    work: Path
    seconds: float
    output: str


@pytest.fixture(scope="module")
def built(frozen_bundle: Path, signing: Signing, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The signed MSI of the frozen app, built once for this module."""
    for name in ("wixl", "wixl-heat", "msiinfo", "msibuild", "osslsigncode"):
        tool(name)
    folder = tmp_path_factory.mktemp("msi")
    msi = folder / "lcc-apr.msi"
    started = time.perf_counter()
    done = subprocess.run(
        ["bash", str(BUILD), "--bundle", str(frozen_bundle), "--out", str(msi)]
        + ["--work", str(folder / "work"), "--cert", str(signing.cert)]
        + ["--key", str(signing.key), "--ca", str(signing.ca)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return Built(msi, folder / "work", seconds, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def extracted(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MSI's cabinet unpacked (msiextract): the install folder as Windows would lay it."""
    folder = tmp_path_factory.mktemp("extracted")
    subprocess.run(
        [tool("msiextract"), "-C", str(folder), str(built.msi)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / "LCC APR"


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """A table's rows as dicts (msiinfo export: names, types, keys, then the rows).
    Run beside the MSI: msiinfo writes a table's binary cells (Icon) into its working folder."""
    text = subprocess.run(
        [tool("msiinfo"), "export", str(msi), name],
        check=True,
        capture_output=True,
        text=True,
        cwd=msi.parent,
    ).stdout
    lines = text.split("\r\n") if "\r\n" in text else text.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines[3:] if line]


def install_path(directories: dict[str, dict[str, str]], directory: str) -> str:
    """Where a Directory row lands, from the standard folder down ("." is its parent)."""
    parts = []
    while directory != "TARGETDIR":
        row = directories[directory]
        name = row["DefaultDir"].split(":")[0].split("|")[-1]
        if directory in STANDARD_FOLDERS:
            name = directory
        if name != ".":
            parts.append(name)
        directory = row["Directory_Parent"]
    return "/".join(reversed(parts))


def properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in table(msi, "Property")}


def verify(msi: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("osslsigncode"), "verify", "-in", str(msi), "-CAfile", str(ca)],
        capture_output=True,
        text=True,
    )


# ---------------------------------------------------------------- the build


def test_the_build_shows_no_wixl_warning(built: Built) -> None:
    assert (built.work / "wixl.log").read_text() == ""
    assert (built.work / "heat.log").read_text() == ""
    assert "Built and signed" in built.output


def test_a_wixl_warning_fails_the_build(tmp_path: Path) -> None:
    """wixl drops attributes it does not know and exits 0: the script fails on its warning.
    Here the Windows branch (NeverOverwrite, Permanent) is given to wixl."""
    wxs = (WINDOWS / "lcc-apr.wxs").read_text()
    windows_only = re.sub(
        r"<\?ifdef var\.Wixl\?>.*?<\?else\?>(.*?)<\?endif\?>", r"\1", wxs, flags=re.S
    )
    assert "NeverOverwrite" in windows_only and "ifdef" not in windows_only
    (tmp_path / "windows").mkdir()
    (tmp_path / "windows" / "lcc-apr.wxs").write_text(windows_only)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "lcc-apr").write_text("not a program")
    done = subprocess.run(
        ["bash", str(BUILD), "--bundle", str(bundle), "--out", str(tmp_path / "x.msi")]
        + ["--work", str(tmp_path / "work"), "--wxs", str(tmp_path / "windows" / "lcc-apr.wxs")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "NeverOverwrite" in done.stderr and "wixl warned" in done.stderr
    assert not (tmp_path / "x.msi").exists()


def test_size_and_build_time(built: Built, frozen_bundle: Path) -> None:
    """The figures for the guide: the cabinet compresses the bundle; the build is quick."""
    size = built.msi.stat().st_size
    files = [p for p in frozen_bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    bundle_size = sum(p.stat().st_size for p in files)
    figures = (
        f"MSI {size / 1e6:.0f} MB from {bundle_size / 1e6:.0f} MB, built in {built.seconds:.1f} s"
    )
    print(figures)
    assert size < bundle_size, figures
    assert built.seconds < 120, figures


# ---------------------------------------------------------------- per machine


def test_per_machine_into_program_files(built: Built) -> None:
    props = properties(built.msi)
    assert props["ALLUSERS"] == "1"
    assert "MSIINSTALLPERUSER" not in props
    assert props["ProductVersion"] == VERSION
    assert props["UpgradeCode"] == UPGRADE_CODE
    directories = {row["Directory"]: row for row in table(built.msi, "Directory")}
    assert directories["INSTALLFOLDER"]["Directory_Parent"] == "ProgramFiles64Folder"
    assert directories["INSTALLFOLDER"]["DefaultDir"] == "LCC APR"
    assert directories["ProgramFiles64Folder"]["Directory_Parent"] == "TARGETDIR"

    components = table(built.msi, "Component")
    places = [install_path(directories, row["Directory_"]) for row in components]
    assert places.count("ProgramMenuFolder") == 1  # the shortcut
    places.remove("ProgramMenuFolder")
    assert all(place.startswith("ProgramFiles64Folder/LCC APR") for place in places)
    assert all(int(row["Attributes"]) & WIN64 for row in components)
    summary = subprocess.run(
        [tool("msiinfo"), "suminfo", str(built.msi)], check=True, capture_output=True, text=True
    ).stdout
    assert "Template: x64;1033" in summary


def test_nothing_per_user_and_no_custom_actions(built: Built) -> None:
    registry = table(built.msi, "Registry")
    assert registry and all(int(row["Root"]) == HKLM for row in registry)
    assert table(built.msi, "CustomAction") == []
    assert table(built.msi, "Binary") == []
    sequence = {row["Action"] for row in table(built.msi, "InstallExecuteSequence")}
    assert not any(action.startswith("CA_") or action.startswith("Wix") for action in sequence)


def test_major_upgrade_with_downgrades_blocked(built: Built) -> None:
    rows = {row["ActionProperty"]: row for row in table(built.msi, "Upgrade")}
    assert set(rows) == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    assert all(row["UpgradeCode"] == UPGRADE_CODE for row in rows.values())
    older = rows["WIX_UPGRADE_DETECTED"]  # every older version: found and removed
    assert (older["VersionMin"], older["VersionMax"]) == ("", VERSION)
    assert int(older["Attributes"]) & MIGRATE_FEATURES
    assert not int(older["Attributes"]) & ONLY_DETECT
    newer = rows["WIX_DOWNGRADE_DETECTED"]  # a newer version: only detected...
    assert (newer["VersionMin"], newer["VersionMax"]) == (VERSION, "")
    assert int(newer["Attributes"]) & ONLY_DETECT
    conditions = {
        row["Condition"]: row["Description"] for row in table(built.msi, "LaunchCondition")
    }
    assert (
        "A newer version of LCC APR" in conditions["NOT WIX_DOWNGRADE_DETECTED"]
    )  # ...and refused
    assert "WIX_DOWNGRADE_DETECTED" in properties(built.msi)["SecureCustomProperties"]
    order = {
        row["Action"]: int(row["Sequence"]) for row in table(built.msi, "InstallExecuteSequence")
    }
    assert order["FindRelatedProducts"] < order["LaunchConditions"]
    assert order["InstallValidate"] < order["RemoveExistingProducts"] < order["InstallInitialize"]


def test_start_menu_shortcut_keyed_in_hklm(built: Built) -> None:
    (shortcut,) = table(built.msi, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Name"] == "LCC APR"
    assert shortcut["Target"] == "[INSTALLFOLDER]lcc-apr.exe"
    assert shortcut["WkDir"] == "INSTALLFOLDER"
    components = {row["Component"]: row for row in table(built.msi, "Component")}
    component = components[shortcut["Component_"]]
    assert int(component["Attributes"]) & REGISTRY_KEY_PATH
    registry = {row["Registry"]: row for row in table(built.msi, "Registry")}
    assert int(registry[component["KeyPath"]]["Root"]) == HKLM
    icons = {row["Name"] for row in table(built.msi, "Icon")}
    assert shortcut["Icon_"] in icons
    assert properties(built.msi)["ARPPRODUCTICON"] in icons


# ---------------------------------------------------------------- the files


def test_organisation_file_beside_the_exe_kept_on_upgrade(built: Built, extracted: Path) -> None:
    files = {row["File"]: row for row in table(built.msi, "File")}
    components = {row["Component"]: row for row in table(built.msi, "Component")}
    toml = files["OrganisationToml"]
    assert toml["FileName"].split("|")[-1] == "organisation.toml"
    component = components[toml["Component_"]]
    assert component["KeyPath"] == "OrganisationToml"
    assert (
        int(component["Attributes"]) & (PERMANENT | NEVER_OVERWRITE) == PERMANENT | NEVER_OVERWRITE
    )
    exe = next(row for row in files.values() if row["FileName"].split("|")[-1] == "lcc-apr")
    directories = {row["Directory"]: row for row in table(built.msi, "Directory")}
    beside = {install_path(directories, components[exe["Component_"]]["Directory_"])}
    beside.add(install_path(directories, component["Directory_"]))
    assert beside == {"ProgramFiles64Folder/LCC APR"}
    example = (ROOT / "installer" / "organisation.toml.example").read_bytes()
    assert (extracted / "organisation.toml").read_bytes() == example
    # only the organisation file is kept by an uninstall
    kept = [name for name, row in components.items() if int(row["Attributes"]) & PERMANENT]
    assert kept == ["OrganisationFile"]


def test_every_file_of_the_bundle_in_the_cabinet(extracted: Path, frozen_bundle: Path) -> None:
    def files(folder: Path) -> set[str]:
        return {
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink()
        }

    assert files(extracted) == files(frozen_bundle) | {"organisation.toml"}
    assert (extracted / "lcc-apr").read_bytes() == (frozen_bundle / "lcc-apr").read_bytes()


# ---------------------------------------------------------------- the signature


def test_signed_msi_verifies(built: Built, signing: Signing) -> None:
    done = verify(built.msi, signing.ca)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Signature verification: ok" in done.stdout
    assert "SHA256" in done.stdout


def test_one_changed_byte_fails_verification(
    built: Built, signing: Signing, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.msi"
    data = bytearray(built.msi.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the cabinet, which holds nearly all the bytes
    changed.write_bytes(bytes(data))
    done = verify(changed, signing.ca)
    assert done.returncode != 0
    assert "MISMATCH" in done.stdout


def test_another_ca_does_not_verify(built: Built) -> None:
    other = make_ca("Someone else's CA")
    ca = built.work / "other-ca.pem"
    ca.write_bytes(other.certificate.public_bytes(serialization.Encoding.PEM))
    assert verify(built.msi, ca).returncode != 0


# ---------------------------------------------------------------- build.ps1 (Windows only)


def test_build_ps1_signs_every_exe_and_dll_then_the_msi() -> None:
    text = (WINDOWS / "build.ps1").read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert '$ErrorActionPreference = "Stop"' in code
    # every native call goes through Invoke-Native, which throws on a non-zero exit code
    assert re.search(r"if \(\$LASTEXITCODE -ne 0\) \{\s*throw", code)
    for param in ("$CertificateThumbprint", "$PfxPath", "$TimestampUrl"):
        assert f"[string]{param}" in code
    # one signing function: SHA-256 digest, RFC 3161 timestamp with SHA-256, then verify /pa
    (sign,) = re.findall(r"\$SignTool \(@\(\"sign\",[^)]*\)", code)
    assert '"/fd", "SHA256"' in sign
    assert '"/tr", $TimestampUrl' in sign
    assert '"/td", "SHA256"' in sign
    assert re.search(r'\$SignTool \(@\("verify", "/pa"', code)
    # every .exe and .dll of the bundle, then heat, candle, light, then the MSI
    harvest = re.search(r"Get-ChildItem -Path \$Bundle -Recurse -File -Include ([^|]*)\|", code)
    assert harvest and '"*.exe"' in harvest.group(1) and '"*.dll"' in harvest.group(1)
    steps = [
        '-m", "PyInstaller"',
        "Set-Signature $Binaries",
        '"heat.exe"',
        '"candle.exe") (@(',
        '"light.exe"',
        "Set-Signature @($Msi)",
    ]
    positions = [code.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)
    # signed twice: the bundle's binaries, then the MSI
    assert len(re.findall(r"^\s*Set-Signature ", code, flags=re.M)) == 2
    for wix in ("heat.exe", "candle.exe", "light.exe"):  # a warning stops the build
        (call,) = [
            line
            for line in code.splitlines()
            if f'Invoke-Native (Join-Path $WixBin "{wix}")' in line
        ]
        assert '"-nologo", "-wx"' in call, call
