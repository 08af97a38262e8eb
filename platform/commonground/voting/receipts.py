"""Ballot receipts: what a voter keeps to check their ballot against the record later.

Pure: no Flask, no database.

A receipt is ``HMAC-SHA256(key, "cg-ballot/1|<motion>|<membership>|<sequence>|<choice>")`` as
64 lower-case hex characters, where ``sequence`` counts the voter's casts on the motion (1 for
the first, 2 after the first change, …). It names the motion, the voter and where this choice
stands in the voter's sequence of choices, so a voter can tell their current ballot from an
earlier one; and it is keyed, for two reasons:

* a plain hash of those values could be recomputed by anyone for every voter and every choice
  (there are only four choices and a handful of sequence numbers), which would turn a
  published list of receipts, or a "check my receipt" service, into a list of who voted what
  in a secret ballot;
* the server, which holds the key, can recompute every stored receipt from the stored
  ballot: a ballot whose choice or sequence was altered in the database no longer matches
  its receipt, and a forged receipt cannot be made without the key.

The key is derived from the application's SECRET_KEY (see :func:`receipt_key`).
"""

import hashlib
import hmac
from collections.abc import Iterable

RECEIPT_VERSION = "cg-ballot/1"


def receipt_key(secret_key: str | bytes) -> bytes:
    """The receipt key: SECRET_KEY put through HMAC with a purpose label.

    Deriving it keeps receipts from sharing a key with session cookies and CSRF tokens.
    """
    if isinstance(secret_key, str):
        secret_key = secret_key.encode()
    return hmac.new(secret_key, b"commonground ballot receipts", hashlib.sha256).digest()


def ballot_receipt(key: bytes, motion_id: int, membership_id: int, sequence: int, choice: str):
    """The receipt of the ``sequence``-th cast of ``choice`` by a voter on a motion."""
    message = f"{RECEIPT_VERSION}|{motion_id}|{membership_id}|{sequence}|{choice}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def receipts_digest(receipts: Iterable[str]) -> str:
    """SHA-256 of the sorted receipts, one per line (``\\n``-terminated), as hex.

    Stored in a motion's frozen result at close, so the published list of receipts can be
    checked against the result and the audit chain that records it.
    """
    digest = hashlib.sha256()
    for receipt in sorted(receipts):
        digest.update(receipt.encode("ascii") + b"\n")
    return digest.hexdigest()
