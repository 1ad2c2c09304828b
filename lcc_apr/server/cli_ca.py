"""The signing authority's commands: init-ca, import-ca, protect-ca-key, and its unlocking
when the server starts (the passphrase or HSM PIN asked on a terminal, or read from its
file). See lcc_apr.server.cakey and lcc_apr.server.hsm."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from . import cakey
from .ca import (
    AuthorityError,
    AuthorityLocked,
    ensure_authority,
    import_authority,
    new_authority,
    read_authority,
    read_certificate,
    register,
    write_authority,
)
from .settings import ServerSettings

log = logging.getLogger("lcc_apr.server")
EXIT_OK = 0
TRIES = 3


def add_parsers(sub: argparse._SubParsersAction) -> None:
    init_ca = sub.add_parser("init-ca", help="make the organisation's signing authority")
    init_ca.add_argument("--replace", action="store_true", help="replace the existing one")
    import_ca = sub.add_parser("import-ca", help="use HR's own CA certificate and key")
    import_ca.add_argument("--cert", type=Path, required=True, help="CA certificate (PEM/DER)")
    import_ca.add_argument("--key", type=Path, help="its private key (PEM/DER; not with --hsm)")
    import_ca.add_argument("--key-password-stdin", action="store_true")
    import_ca.add_argument("--replace", action="store_true", help="replace the existing one")
    protect = sub.add_parser("protect-ca-key", help="encrypt the signing authority's key file")
    protect.add_argument(
        "--current-passphrase-file",
        type=Path,
        help="change the passphrase: the file holding the current one",
    )
    for command in (init_ca, import_ca, protect):
        command.add_argument(
            "--passphrase-file",
            type=Path,
            help="its first line is the passphrase the key is (to be) encrypted under",
        )
    for command in (init_ca, import_ca):
        command.add_argument(
            "--hsm",
            action="store_true",
            help="the key is (made) in the HSM named by the ca_pkcs11_* settings",
        )
    init_ca.add_argument(
        "--key-type", choices=["ec", "rsa"], default="ec", help="with --hsm: EC P-256 or RSA"
    )


def _secret(settings: ServerSettings, args: argparse.Namespace, *, new: bool) -> str:
    """The passphrase (or the HSM's PIN) for a command: --passphrase-file, the settings or
    LCC_APR_CA_PASSPHRASE_FILE, else asked on the terminal."""
    if settings.ca_in_hsm:
        if getattr(args, "passphrase_file", None) is not None:
            raise AuthorityError("With an HSM there is no passphrase: the token's PIN is used.")
        found = cakey.unlock_secret(settings)
        found = found or cakey.ask(f"PIN of the HSM token {settings.ca_pkcs11_token!r}: ")
        if found is None:
            raise AuthorityError("The HSM token's PIN is needed: set ca_pkcs11_pin_file.")
        return found
    if getattr(args, "passphrase_file", None) is not None:
        found = cakey.read_secret_file(args.passphrase_file)
    else:
        found = cakey.unlock_secret(settings)
        found = found or cakey.ask("Passphrase for the signing authority's key: ", new=new)
    if found is None:
        raise AuthorityError(
            "The signing authority's key is kept encrypted: give --passphrase-file, set "
            "ca_passphrase_file, or run this on a terminal to be asked."
        )
    if new:
        cakey.check_new(found)
    return found


def _check_hsm(settings: ServerSettings, args: argparse.Namespace) -> None:
    if args.hsm and not settings.ca_in_hsm:
        raise AuthorityError(
            "--hsm needs the settings ca_pkcs11_module and ca_pkcs11_token (and "
            "ca_pkcs11_pin_file, or a terminal to ask the PIN on)."
        )


def _where(settings: ServerSettings) -> str:
    cert, key = settings.ca_files()
    if settings.ca_in_hsm:
        return f"{cert} (key {settings.ca_pkcs11_key!r} in HSM token {settings.ca_pkcs11_token!r})"
    return f"{cert} (key {key}, encrypted, mode 0600)"


def cmd_init_ca(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    _check_hsm(settings, args)
    existing = read_certificate(settings)
    if existing is not None and not args.replace:
        from lcc_apr.signing.certs import fingerprint

        print(
            f"The signing authority already exists (fingerprint {fingerprint(existing)}); "
            "nothing was changed. Add --replace to make a new one."
        )
        return EXIT_OK
    secret = _secret(settings, args, new=not settings.ca_in_hsm)
    authority = new_authority(settings, secret, args.key_type)
    write_authority(settings, authority, secret)
    with Session(engine) as session, session.begin():
        register(session, authority)
    print(f"Made the signing authority: {_where(settings)}.")
    print(f"Fingerprint: {authority.fingerprint}")
    return EXIT_OK


def cmd_import_ca(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    _check_hsm(settings, args)
    password = None
    if args.key_password_stdin:
        password = sys.stdin.readline().rstrip("\r\n").encode()
    try:
        cert_data = args.cert.read_bytes()
        key_data = args.key.read_bytes() if args.key is not None else None
    except OSError as err:
        raise ValueError(f"Cannot read {err.filename}: {err.strerror}.") from None
    if key_data is None and not settings.ca_in_hsm:
        raise AuthorityError("Give the authority's private key (--key), or use --hsm.")
    secret = _secret(settings, args, new=not settings.ca_in_hsm)
    authority = import_authority(
        settings, cert_data, key_data, password=password, replace=args.replace, secret=secret
    )
    with Session(engine) as session, session.begin():
        register(session, authority)
    print(f"Imported the signing authority into {_where(settings)}.")
    print(f"Fingerprint: {authority.fingerprint}")
    return EXIT_OK


def cmd_protect_ca_key(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    if settings.ca_in_hsm:
        raise AuthorityError("The settings keep the key in an HSM: there is no key file.")
    key_path = settings.ca_files()[1]
    if not key_path.is_file():
        raise AuthorityError(f"There is no key file at {key_path}.")
    current = None
    if args.current_passphrase_file is not None:
        current = cakey.read_secret_file(args.current_passphrase_file).encode()
    elif not cakey.is_plain(key_path.read_bytes()):
        print(f"{key_path} is encrypted already; nothing was changed.")
        return EXIT_OK
    passphrase = _secret(settings, args, new=True)
    cakey.protect_key_file(key_path, passphrase, current)
    read_authority(settings, passphrase)  # it opens, and belongs to the certificate
    print(f"Encrypted {key_path} under the passphrase. Keep the passphrase apart from backups.")
    return EXIT_OK


def unlock_at_start(settings: ServerSettings) -> None:
    """At `serve`: with no passphrase/PIN configured and a terminal attached, ask for it
    (checked, up to 3 tries) and hand it to the workers in their environment only."""
    if cakey.unlock_secret(settings) is not None or not sys.stdin.isatty():
        return
    if read_certificate(settings) is None and not settings.ca_in_hsm:
        secret = cakey.ask("A new passphrase for the signing authority's key: ", new=True)
        if secret:
            os.environ[cakey.UNLOCK_ENV] = secret
        return
    what = "PIN of the HSM token" if settings.ca_in_hsm else "Passphrase of the signing key"
    for _ in range(TRIES):
        secret = cakey.ask(f"{what}: ")
        if not secret:
            return
        try:
            read_authority(settings, secret)
        except AuthorityLocked as locked:
            print(locked.reason, file=sys.stderr)
            if locked.code not in ("ca_passphrase_wrong", "ca_pin_wrong"):
                return
            continue
        os.environ[cakey.UNLOCK_ENV] = secret
        return


def authority_ready(settings: ServerSettings, engine: Engine) -> None:
    """The signing authority at start (serve, demo): made the first time, else read.
    When its key cannot be used, says why and goes on: only signing is refused."""
    try:
        authority, made = ensure_authority(settings, engine)
    except AuthorityLocked as locked:
        log.error("signing refused until this is put right: %s", locked.reason)
        print(
            f"lcc-apr-server: signing refused (sync is served): {locked.reason}",
            file=sys.stderr,
        )
        return
    if made:
        print(
            f"Made the signing authority: {_where(settings)}. Fingerprint {authority.fingerprint}."
        )
