"""The keys sync uses (PyNaCl).

A laptop signs its file bundles with an Ed25519 key made at pairing; the hub keeps
only the public half, so nothing the hub holds can forge a laptop's bundle. Tokens
for HTTP sync and pairing codes are random; the hub keeps only their SHA-256.
"""

import hashlib
import secrets

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token():
    return secrets.token_urlsafe(32)


def new_pairing_secret():
    """Sixteen characters from an alphabet easy to read and type: 80 random bits."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_secret(text):
    cleaned = text.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 16 or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return "-".join(cleaned[i:i + 4] for i in range(0, 16, 4))


def new_signing_key():
    """(private seed, public key), both hex."""
    key = SigningKey.generate()
    return key.encode().hex(), key.verify_key.encode().hex()


def sign(seed_hex, data):
    return SigningKey(bytes.fromhex(seed_hex)).sign(data).signature.hex()


def verify(verify_key_hex, data, signature_hex):
    """True only if signature_hex is the holder's signature on exactly these bytes."""
    try:
        VerifyKey(bytes.fromhex(verify_key_hex)).verify(data, bytes.fromhex(signature_hex))
        return True
    except (BadSignatureError, ValueError, TypeError):
        return False
