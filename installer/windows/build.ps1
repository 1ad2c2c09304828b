<#
.SYNOPSIS
  Builds the signed LCC APR MSI on a Windows build machine.

.DESCRIPTION
  1. PyInstaller freezes the app with installer\lcc-apr.spec into dist\lcc-apr.
  2. signtool signs every .exe and .dll of that folder (and .pyd, Python's DLLs), SHA-256
     with an RFC 3161 timestamp, and checks each signature.
  3. heat harvests the folder, candle and light build installer\windows\lcc-apr.wxs.
  4. signtool signs the MSI the same way and checks it.
  Any error stops the build. Needs Python 3.11 with the project's dev extra installed
  (pip install -e .[dev]), WiX Toolset v3 (heat, candle, light) and the Windows SDK's signtool.
  Not run by the tests (they run on Linux): the first build on Windows is an acceptance step
  in docs\admin-guide.md, section 8.

.EXAMPLE
  .\installer\windows\build.ps1 -CertificateThumbprint 0123...ABCD -TimestampUrl http://timestamp.example.net
.EXAMPLE
  .\installer\windows\build.ps1 -PfxPath C:\keys\council.pfx -TimestampUrl http://timestamp.example.net
  (the PFX password is read from the environment variable LCC_APR_PFX_PASSWORD)
#>
[CmdletBinding()]
param(
    # The code-signing certificate in the certificate store (also one on a token or HSM)...
    [string]$CertificateThumbprint,
    # ...or in a PFX file, its password in $env:LCC_APR_PFX_PASSWORD.
    [string]$PfxPath,
    # Look the certificate up in the machine's store instead of the user's.
    [switch]$MachineStore,
    # The RFC 3161 timestamp authority (your certificate vendor's): signatures stay valid
    # after the certificate expires.
    [Parameter(Mandatory = $true)]
    [string]$TimestampUrl,
    [string]$Python = "python",
    [string]$SignTool = "signtool.exe",
    # WiX v3's bin folder; its installer sets %WIX%.
    [string]$WixBin = $(if ($env:WIX) { Join-Path $env:WIX "bin" } else { "" })
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$Bundle = Join-Path $Root "dist\lcc-apr"
$Work = Join-Path $Root "build\msi"

# A native program's failure does not stop PowerShell by itself: check its exit code.
function Invoke-Native {
    param([string]$Program, [string[]]$Arguments)
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Program failed (exit code $LASTEXITCODE): $($Arguments -join ' ')"
    }
}

if ([string]::IsNullOrEmpty($CertificateThumbprint) -eq [string]::IsNullOrEmpty($PfxPath)) {
    throw "Give the code-signing certificate as -CertificateThumbprint or as -PfxPath (one of the two)."
}
$Certificate = @()
if ($CertificateThumbprint) {
    $Certificate = @("/sha1", $CertificateThumbprint)
    if ($MachineStore) { $Certificate += "/sm" }
} else {
    if (-not $env:LCC_APR_PFX_PASSWORD) {
        throw "Set the PFX file's password in the environment variable LCC_APR_PFX_PASSWORD."
    }
    $Certificate = @("/f", $PfxPath, "/p", $env:LCC_APR_PFX_PASSWORD)
}
if (-not $WixBin -or -not (Test-Path (Join-Path $WixBin "candle.exe"))) {
    throw "WiX Toolset v3 not found: install it (it sets %WIX%) or give -WixBin."
}

# Every signature: SHA-256 file digest, RFC 3161 timestamp with a SHA-256 digest; then
# signtool verify with the default Authenticode policy. In batches: one call per file is slow.
function Set-Signature {
    param([string[]]$Files)
    for ($i = 0; $i -lt $Files.Count; $i += 50) {
        $Batch = $Files[$i..([Math]::Min($i + 49, $Files.Count - 1))]
        Invoke-Native $SignTool (@("sign", "/fd", "SHA256", "/tr", $TimestampUrl, "/td", "SHA256", "/d", "LCC APR") + $Certificate + $Batch)
        Invoke-Native $SignTool (@("verify", "/pa", "/q") + $Batch)
    }
}

# The MSI's ProductVersion: the project version, numbers only.
$Output = & $Python -c "import sys, tomllib; print(tomllib.load(open(sys.argv[1], 'rb'))['project']['version'])" (Join-Path $Root "pyproject.toml")
if ($LASTEXITCODE -ne 0 -or -not $Output) { throw "Could not read the version from pyproject.toml with $Python." }
$Version = "$Output".Trim()
if ($Version -notmatch '^\d+\.\d+\.\d+$') {
    throw "pyproject.toml's version '$Version' is not major.minor.build in numbers, which an MSI needs."
}
$Msi = Join-Path $Root "dist\lcc-apr-$Version-x64.msi"

Push-Location $Root
try {
    # 1. The bundle.
    Invoke-Native $Python @("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", "dist", "--workpath", "build\pyinstaller", "installer\lcc-apr.spec")

    # 2. Every exe and dll of the bundle signed, before WiX packs them.
    $Binaries = @(Get-ChildItem -Path $Bundle -Recurse -File -Include "*.exe", "*.dll", "*.pyd" |
        ForEach-Object { $_.FullName })
    if ($Binaries.Count -eq 0) { throw "No .exe or .dll in $Bundle." }
    Set-Signature $Binaries

    # 3. heat (the bundle's files as the ComponentGroup BundleFiles), candle, light.
    #    -wx: a warning stops the build, as any wixl warning does on Linux. light's ICE38 and
    #    ICE43 are suppressed: they ask a Start-menu shortcut's component for an HKCU key
    #    path, right for a per-user package; this one is per-machine (ALLUSERS=1, the All
    #    Users Start menu) and writes nothing per user, so its key path is under HKLM.
    New-Item -ItemType Directory -Force -Path $Work | Out-Null
    $Fragment = Join-Path $Work "bundle-files.wxs"
    Invoke-Native (Join-Path $WixBin "heat.exe") @("dir", $Bundle, "-nologo", "-wx",
        "-cg", "BundleFiles", "-dr", "INSTALLFOLDER", "-var", "var.BundleDir",
        "-srd", "-sreg", "-scom", "-sfrag", "-ag", "-out", $Fragment)
    $Defines = @("-dVersion=$Version", "-dBundleDir=$Bundle",
        "-dInstallerDir=$(Join-Path $Root 'installer')", "-dWin64=yes")
    foreach ($Source in @((Join-Path $Root "installer\windows\lcc-apr.wxs"), $Fragment)) {
        $Object = Join-Path $Work ([IO.Path]::GetFileNameWithoutExtension($Source) + ".wixobj")
        Invoke-Native (Join-Path $WixBin "candle.exe") (@("-nologo", "-wx", "-arch", "x64", "-out", $Object) +
            $Defines + @($Source))
    }
    Invoke-Native (Join-Path $WixBin "light.exe") @("-nologo", "-wx", "-sice:ICE38", "-sice:ICE43",
        "-out", $Msi, (Join-Path $Work "lcc-apr.wixobj"), (Join-Path $Work "bundle-files.wixobj"))

    # 4. The MSI signed last (signing changes the file).
    Set-Signature @($Msi)
    Write-Host "Built and signed $Msi"
} finally {
    Pop-Location
}
