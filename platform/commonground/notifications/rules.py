"""Pure rules of notifications: members' handles and the @mentions in a text.

A handle is the member's display name with every run of characters that are not letters,
digits or ``_`` turned into one ``_`` (``"Amina K. Diallo"`` → ``Amina_K_Diallo``; names in
any script keep their letters: ``@李明``, ``@فاطمة_الزهراء``). Handles compare without
regard to case. Two members of one deliberation whose names give the same handle are both
mentioned by it: a mention is a call for attention, never a grant of anything.
"""

import re
import unicodedata

#: ``@`` not preceded by a word character (so ``name@example.org`` mentions nobody).
MENTION = re.compile(r"(?<![\w@])@(\w+)")
_NOT_WORD = re.compile(r"[^\w]+")
MAX_MENTIONS = 20


def handle_of(name: str) -> str | None:
    """The handle of a member called ``name``; None when the name has no letters or digits."""
    handle = _NOT_WORD.sub("_", unicodedata.normalize("NFKC", name)).strip("_")
    return handle or None


def handle_key(handle: str) -> str:
    """The form in which handles are compared."""
    return unicodedata.normalize("NFKC", handle).casefold()


def mentioned_handles(text: str) -> set[str]:
    """The handles ``@mentioned`` in ``text`` (compared forms), at most ``MAX_MENTIONS``."""
    found: set[str] = set()
    for match in MENTION.finditer(unicodedata.normalize("NFKC", text)):
        found.add(handle_key(match.group(1)))
        if len(found) >= MAX_MENTIONS:
            break
    return found


def wanted(kind: str, muted_kinds) -> bool:
    """Whether a user who switched off ``muted_kinds`` wants a notification of ``kind``."""
    return kind not in (muted_kinds or ())
