"""The signing authority's key held in an HSM, through PKCS#11 (python-pkcs11).

The key never leaves the token: `token_key` returns an object that satisfies
`cryptography`'s private key interface (EC or RSA) whose `sign` asks the token, so the
certificate and CRL builders of `cryptography` sign through it unchanged. EC keys: the
data is hashed here and the token signs the digest (CKM_ECDSA, which every token has);
RSA keys: PKCS#1 v1.5 with the token's CKM_SHA*_RSA_PKCS.

Settings: ca_pkcs11_module (the vendor's .so), ca_pkcs11_token (the token's label),
ca_pkcs11_key (the key's label) and the user PIN (ca_pkcs11_pin_file, or asked at start).
python-pkcs11 is the optional extra `server-hsm`; without it, HSM settings are refused
with a message saying so.
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from .cakey import AuthorityLocked
from .settings import ServerSettings

_LIBRARIES: dict[str, Any] = {}  # one loaded PKCS#11 library per module path
# One signed-in session per token, shared (PKCS#11 signs in the whole application, so a
# second session's sign-in would fail); calls on it are taken one at a time.
_SESSIONS: dict[tuple[str, str], tuple[Any, str]] = {}
_LOCK = threading.RLock()
RSA_BITS = 3072


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise AuthorityLocked(
            "The settings put the signing authority's key in an HSM, but python-pkcs11 is "
            "not installed: install the server with its 'server-hsm' extra.",
            "ca_token_unavailable",
        ) from None
    return pkcs11


def open_session(settings: ServerSettings, pin: str | None) -> Any:
    """The signed-in session on the authority's token; AuthorityLocked saying why not."""
    pkcs11 = _pkcs11()
    from pkcs11 import exceptions as errors

    module, label = str(settings.ca_pkcs11_module), str(settings.ca_pkcs11_token)
    if pin is None:
        raise AuthorityLocked(
            f"The HSM token {label!r} needs its PIN: set ca_pkcs11_pin_file "
            "(LCC_APR_SERVER_CA_PKCS11_PIN_FILE) or start the server on a terminal.",
            "ca_pin_missing",
        )
    try:
        with _LOCK:
            found = _SESSIONS.pop((module, label), None)
            if found is not None and found[1] == pin:
                _SESSIONS[module, label] = found
                return found[0]
            if found is not None:  # another PIN: sign out, and in again with this one
                found[0].close()
            if module not in _LIBRARIES:
                _LIBRARIES[module] = pkcs11.lib(module)
            token = _LIBRARIES[module].get_token(token_label=label)
            session = token.open(user_pin=pin, rw=True)
            _SESSIONS[module, label] = (session, pin)
            return session
    except errors.NoSuchToken:
        raise AuthorityLocked(
            f"The HSM token {label!r} is not present: plug it in or correct ca_pkcs11_token.",
            "ca_token_unavailable",
        ) from None
    except (errors.PinIncorrect, errors.PinInvalid, errors.PinLenRange):
        raise AuthorityLocked(
            f"The PIN of the HSM token {label!r} is wrong.", "ca_pin_wrong"
        ) from None
    except errors.PinLocked:
        raise AuthorityLocked(
            f"The HSM token {label!r} is locked (too many wrong PINs): its security officer "
            "must unlock it.",
            "ca_pin_wrong",
        ) from None
    except (errors.PKCS11Error, RuntimeError, OSError) as err:
        raise AuthorityLocked(
            f"The HSM module {module} could not open token {label!r} ({type(err).__name__}).",
            "ca_token_unavailable",
        ) from None


def token_key(settings: ServerSettings, pin: str | None) -> ec.EllipticCurvePrivateKey | Any:
    """The authority's key in the token, as a `cryptography` private key object."""
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11 import exceptions as errors

    session = open_session(settings, pin)
    label = settings.ca_pkcs11_key
    try:
        with _LOCK:
            private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
            private_type = private.key_type
            if private_type == KeyType.RSA:
                exponent, modulus = public[Attribute.PUBLIC_EXPONENT], public[Attribute.MODULUS]
    except errors.NoSuchKey:
        raise AuthorityLocked(
            f"The HSM token {settings.ca_pkcs11_token!r} holds no key pair labelled "
            f"{label!r}: run init-ca --hsm, or correct ca_pkcs11_key.",
            "ca_token_unavailable",
        ) from None
    if private_type == KeyType.EC:
        from pkcs11.util.ec import encode_ec_public_key

        with _LOCK:
            encoded = encode_ec_public_key(public)
        loaded = serialization.load_der_public_key(encoded)
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        return TokenECKey(session, private, loaded)
    if private_type == KeyType.RSA:
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")
        )
        return TokenRSAKey(session, private, numbers.public_key())
    raise AuthorityLocked("The HSM key must be an EC or RSA key.", "ca_token_unavailable")


def generate_key(settings: ServerSettings, pin: str | None, kind: str = "ec") -> Any:
    """Make the authority's key pair inside the token (never extractable); the key object."""
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    label = settings.ca_pkcs11_key
    session = open_session(settings, pin)
    with _LOCK:
        if list(
            session.get_objects({Attribute.LABEL: label, Attribute.CLASS: ObjectClass.PRIVATE_KEY})
        ):
            raise AuthorityLocked(
                f"The HSM token already holds a key labelled {label!r}: choose another "
                "ca_pkcs11_key, or remove that key with the token's own tools.",
                "ca_key_exists",
            )
        private = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
        if kind == "rsa":
            session.generate_keypair(
                KeyType.RSA, RSA_BITS, store=True, label=label, private_template=private
            )
        else:
            parameters = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            parameters.generate_keypair(store=True, label=label, private_template=private)
    return token_key(settings, pin)


class _TokenSigner:
    def __init__(self, session: Any, private: Any) -> None:
        self._session, self._private = session, private

    def _sign(self, data: bytes, mechanism: Any) -> bytes:
        from pkcs11 import exceptions as errors

        try:
            with _LOCK:
                return bytes(self._private.sign(data, mechanism=mechanism))
        except errors.PKCS11Error as err:
            raise AuthorityLocked(
                f"The HSM refused to sign ({type(err).__name__}).", "ca_token_unavailable"
            ) from None

    def _no(self, *args: Any) -> NoReturn:
        raise TypeError("The authority's key stays in the HSM.")

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self


class TokenECKey(_TokenSigner, ec.EllipticCurvePrivateKey):
    def __init__(self, session: Any, private: Any, public: ec.EllipticCurvePublicKey) -> None:
        super().__init__(session, private)
        self._public = public

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def sign(
        self,
        data: bytes | bytearray | memoryview,
        signature_algorithm: ec.EllipticCurveSignatureAlgorithm,
    ) -> bytes:
        from pkcs11 import Mechanism

        if not isinstance(signature_algorithm, ec.ECDSA):
            raise TypeError("Only ECDSA signatures.")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, utils.Prehashed):
            digest = bytes(data)
        else:
            hasher = hashes.Hash(algorithm)
            hasher.update(bytes(data))
            digest = hasher.finalize()
        raw = self._sign(digest, Mechanism.ECDSA)
        half = len(raw) // 2
        r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        return utils.encode_dss_signature(r, s)

    exchange = private_numbers = private_bytes = _TokenSigner._no  # type: ignore[assignment]


class TokenRSAKey(_TokenSigner, rsa.RSAPrivateKey):
    def __init__(self, session: Any, private: Any, public: rsa.RSAPublicKey) -> None:
        super().__init__(session, private)
        self._public = public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(
        self,
        data: bytes,
        padding_: padding.AsymmetricPadding,
        algorithm: utils.Prehashed | hashes.HashAlgorithm | utils.NoDigestInfo,
    ) -> bytes:
        from pkcs11 import Mechanism

        mechanisms = {
            "sha256": Mechanism.SHA256_RSA_PKCS,
            "sha384": Mechanism.SHA384_RSA_PKCS,
            "sha512": Mechanism.SHA512_RSA_PKCS,
        }
        if (
            not isinstance(padding_, padding.PKCS1v15)
            or not isinstance(algorithm, hashes.HashAlgorithm)
            or algorithm.name not in mechanisms
        ):
            raise TypeError("Only PKCS#1 v1.5 signatures with SHA-256, -384 or -512.")
        return self._sign(bytes(data), mechanisms[algorithm.name])

    decrypt = private_numbers = private_bytes = _TokenSigner._no  # type: ignore[assignment]
