"""Signed tree heads: the instance's Ed25519 key signs each log's size and root, so a head
someone saved or published earlier binds the platform to that history.

A signed head is::

    {"deliberation": slug, "size": n, "root": hex, "timestamp": ISO time of the last leaf,
     "key_id": hex, "signature": base64}

``signature`` is Ed25519 over the canonical JSON (:func:`~.chain.canonical_json`) of the
head without its ``signature``; ``key_id`` is the SHA-256 (hex) of the raw 32-byte public
key. Ed25519 signatures are deterministic and the timestamp is the last leaf's, so the head
of an unchanged log is the same byte for byte every time it is asked for.

The private key comes from ``LOG_SIGNING_KEY`` (the 32-byte seed as hex, or a PEM
private key), generated once into the instance folder otherwise (``config.py``).
:func:`verify_head` needs only the head and the public key: it is what ``records verify``
runs offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from .chain import canonical_json

ALGORITHM = "Ed25519"
HEAD_FIELDS = ("deliberation", "size", "root", "timestamp", "key_id")


def private_key_from_setting(setting: str) -> Ed25519PrivateKey:
    """The key a ``LOG_SIGNING_KEY`` setting names: a PEM private key or a hex seed."""
    setting = setting.strip()
    if setting.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(setting.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("LOG_SIGNING_KEY is not an Ed25519 private key")
        return key
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(setting))


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """SHA-256 (hex) of the raw public key."""
    return hashlib.sha256(public).hexdigest()


def public_key_json(key: Ed25519PublicKey) -> dict:
    """``{key_id, algorithm, public_key}`` (the key as base64 of its 32 raw bytes)."""
    public = raw_public_key(key)
    return {
        "key_id": key_id(public),
        "algorithm": ALGORITHM,
        "public_key": base64.b64encode(public).decode("ascii"),
    }


def sign_head(key: Ed25519PrivateKey, head: dict) -> dict:
    """``head`` (deliberation, size, root, timestamp) with the key id and its signature."""
    signed = {name: head[name] for name in HEAD_FIELDS if name != "key_id"}
    signed["key_id"] = key_id(raw_public_key(key.public_key()))
    signature = key.sign(canonical_json(signed))
    return {**signed, "signature": base64.b64encode(signature).decode("ascii")}


def verify_head(head: Any, key: Any) -> str | None:
    """Why ``head`` is not a head signed by ``key`` (a ``public_key_json`` mapping), or
    None when the signature holds."""
    if not isinstance(head, dict) or not isinstance(key, dict):
        return "the head or the key is not a JSON object"
    if key.get("algorithm") != ALGORITHM:
        return f"the key's algorithm is {key.get('algorithm')!r}, not {ALGORITHM}"
    try:
        public = base64.b64decode(str(key.get("public_key")), validate=True)
        public_key = Ed25519PublicKey.from_public_bytes(public)
        signature = base64.b64decode(str(head.get("signature")), validate=True)
    except (ValueError, binascii.Error):
        return "the key or the signature is not valid base64 of the right length"
    if key.get("key_id") != key_id(public):
        return "the key's key_id is not the SHA-256 of its public key"
    if head.get("key_id") != key_id(public):
        return f"the head is signed with key {head.get('key_id')}, not {key_id(public)}"
    try:
        public_key.verify(signature, canonical_json({name: head.get(name) for name in HEAD_FIELDS}))
    except InvalidSignature:
        return "the head's signature does not verify: its size, root or time was changed"
    return None


# --- the instance's key ---------------------------------------------------------------------


def instance_key() -> Ed25519PrivateKey:
    """This instance's signing key (from the ``LOG_SIGNING_KEY`` setting), read once."""
    cache = current_app.extensions.setdefault("commonground.log_signing_key", {})
    setting = current_app.config["LOG_SIGNING_KEY"]
    if setting not in cache:
        cache.clear()
        cache[setting] = private_key_from_setting(setting)
    return cache[setting]


def instance_public_key() -> dict:
    """``GET /api/v1/log/key``: the instance's public key."""
    return public_key_json(instance_key().public_key())


def signed(head: dict) -> dict:
    """``head`` signed with the instance's key."""
    return sign_head(instance_key(), head)
