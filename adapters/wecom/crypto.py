"""WeCom callback crypto (the "加解密库" scheme), on ``cryptography``.

``msg_signature = sha1(sorted([token, timestamp, nonce, encrypt]) joined)``; the AES key is
``base64decode(EncodingAESKey + "=")`` (AES-256-CBC, IV = key[:16]); PKCS#7 padding to 32-byte
blocks; plaintext = 16 random bytes + 4-byte big-endian length + message + receiveid (the corp id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from adapters.base import InvalidSignature

BLOCK = 32


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """The msg_signature WeCom computes over a callback."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def check_signature(token: str, timestamp: str, nonce: str, encrypt: str, msg_signature: str) -> None:
    """Raise InvalidSignature unless ``msg_signature`` matches."""
    expected = signature(token, timestamp, nonce, encrypt)
    if not hmac.compare_digest(expected.encode(), msg_signature.strip().lower().encode()):
        raise InvalidSignature("wecom: msg_signature mismatch")


def aes_key(aes_key_b64: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    try:
        key = base64.b64decode(aes_key_b64 + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("wecom: EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ValueError("wecom: EncodingAESKey must decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    n = data[-1] if data else 0
    if not 1 <= n <= BLOCK or data[-n:] != bytes([n]) * n:
        raise InvalidSignature("wecom: bad padding")
    return data[:-n]


def encrypt(
    aes_key_b64: str, message: str, receive_id: str, *, random_prefix: Callable[[int], bytes] = os.urandom
) -> str:
    """Encrypt ``message`` for ``receive_id`` (base64 text, as in the callback's Encrypt field)."""
    key = aes_key(aes_key_b64)
    body = message.encode()
    prefix = random_prefix(16)
    if len(prefix) != 16:
        raise ValueError("wecom: the random prefix must be 16 bytes")
    plain = _pad(prefix + struct.pack(">I", len(body)) + body + receive_id.encode())
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(aes_key_b64: str, encrypted: str, receive_id: str) -> str:
    """Decrypt a callback's Encrypt field; raise InvalidSignature if it is malformed or not for ``receive_id``."""
    key = aes_key(aes_key_b64)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except binascii.Error as exc:
        raise InvalidSignature("wecom: Encrypt is not base64") from exc
    if not data or len(data) % 16:
        raise InvalidSignature("wecom: Encrypt has a bad length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = _unpad(decryptor.update(data) + decryptor.finalize())
    if len(plain) < 20:
        raise InvalidSignature("wecom: plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    body, rest = plain[20 : 20 + length], plain[20 + length :]
    if len(body) != length:
        raise InvalidSignature("wecom: plaintext length mismatch")
    if not hmac.compare_digest(rest, receive_id.encode()):
        raise InvalidSignature("wecom: receiveid mismatch")
    try:
        return body.decode()
    except UnicodeDecodeError as exc:
        raise InvalidSignature("wecom: plaintext is not UTF-8") from exc


def verify_url(
    token: str, aes_key_b64: str, receive_id: str, msg_signature: str, timestamp: str, nonce: str, echostr: str
) -> str:
    """The GET URL check: verify the signature over ``echostr`` and return it decrypted (the reply body)."""
    check_signature(token, timestamp, nonce, echostr, msg_signature)
    return decrypt(aes_key_b64, echostr, receive_id)
