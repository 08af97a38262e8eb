"""Threaded discussion of agenda items: posts, replies, edits, moderation, human
translations, and their live events (DESIGN §2, §5, §6)."""
