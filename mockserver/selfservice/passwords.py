"""Passwords: Kratos' policy (strategy/password/validator.go validate; hash/hasher_bcrypt.go) and
checking a password against a stored hash (hash/hash_comparator.go Compare).

The breached-password check: Kratos asks api.pwnedpasswords.com; the mock never does, which is
Kratos without network. With ``ignore_network_errors`` (the default) that accepts the password;
without it the check fails, and registration reports the policy violation as Kratos does."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import warnings

from ..kratos_config import PasswordPolicy
from . import texts

BCRYPT_MAX = 72
MIN_DISTANCE = 5  # minIdentifierPasswordDist
MAX_SUBSTRING = 0.5  # maxIdentifierPasswordSubstrThreshold
NETWORK_FAILURE = "Unable to check if password has been leaked because an unexpected network error occurred"


def policy_violation(identifier: str, password: str, policy: PasswordPolicy) -> texts.Message | None:
    """The message Kratos attaches to ``password``, or None when the password may be used."""
    size = len(password.encode("utf-8", "surrogatepass"))  # Go's len(): bytes
    if size < policy.min_password_length:
        return texts.password_min_length(policy.min_password_length, size)
    if policy.identifier_similarity_check_enabled and identifier:
        a, b = identifier.lower(), password.lower()
        distance = levenshtein(a, b)
        lcs = _lcs_bytes(a, b) / len(b.encode("utf-8", "surrogatepass"))
        if distance < MIN_DISTANCE or lcs > MAX_SUBSTRING:
            return texts.password_too_similar()
    if policy.haveibeenpwned_enabled and not policy.ignore_network_errors:
        # herodot.ErrUpstreamError, wrapped by validateCredentials into a generic policy violation
        return texts.password_policy(NETWORK_FAILURE)
    return None


def bcrypt_violation(password: str) -> texts.Message | None:
    """hash/hasher_bcrypt.go validateBcryptPasswordLength (bcrypt is the default hasher)."""
    size = len(password.encode("utf-8", "surrogatepass"))
    return texts.password_max_length(BCRYPT_MAX, size) if size > BCRYPT_MAX else None


def levenshtein(a: str, b: str) -> int:
    """agnivade/levenshtein: edit distance over runes."""
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _lcs_bytes(a: str, b: str) -> int:
    """validator.go lcsLength: longest common substring, iterating runes at their byte offsets."""
    ra = [(i, ch) for i, ch in _byte_offsets(a)]
    rb = [(j, ch) for j, ch in _byte_offsets(b)]
    width = len(b.encode("utf-8", "surrogatepass"))
    lengths: dict[int, int] = {}
    best = 0
    for i, x in ra:
        for j, y in rb:
            if x == y:
                current = 1
                if i != 0 and j != 0:
                    current = lengths.get((i - 1) * width + j - 1, 0) + 1
                best = max(best, current)
                lengths[i * width + j] = current
    return best


def _byte_offsets(value: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for ch in value:
        out.append((offset, ch))
        offset += len(ch.encode("utf-8", "surrogatepass"))
    return out


# --- comparing -------------------------------------------------------------------------------

_PBKDF2 = re.compile(r"^\$pbkdf2-(sha1|sha256|sha512)\$i=(\d+),l=(\d+)\$([^$]+)\$([^$]+)$")


def matches(password: str, hashed: str) -> bool:
    """hash/hash_comparator.go Compare for the formats the mock can check: its own PBKDF2 (what
    plaintext imports and registrations store), PBKDF2 imports and bcrypt (via the C library's
    crypt). Other imported formats (argon2, scrypt, ...) never match."""
    found = _PBKDF2.match(hashed)
    if found:
        algorithm, iterations, length, salt, digest = found.groups()
        try:
            expected = _b64(digest)
            computed = hashlib.pbkdf2_hmac(
                algorithm, password.encode("utf-8", "surrogatepass"), _b64(salt), int(iterations), int(length)
            )
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(computed, expected)
    if hashed.startswith(("$2a$", "$2b$", "$2y$")):
        return _bcrypt(password, hashed)
    return False


def _b64(value: str) -> bytes:
    return base64.b64decode(value + "=" * (-len(value) % 4))


def _bcrypt(password: str, hashed: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:  # pragma: no cover - Python 3.13 removed crypt
            return False
    try:
        computed = crypt.crypt(password, hashed)
    except (OSError, ValueError):
        return False
    return computed is not None and hmac.compare_digest(computed, hashed)
