"""The live session of a deliberation, run from the moderator's console (issue 7).

- ``models``: the session row, floor requests, announcements (in the database, so every
  server process and every restart sees the same state);
- ``rules``: pure rules — the speakers' queue in plain and balanced order, rounds, the
  participation imbalance indicator;
- ``state`` / ``schemas``: the ``session:state`` shape (DESIGN §5, extended) read from the
  database;
- ``services``: one function per console action (audited, emitted after commit);
- ``participation``: activity by stakeholder group, also used by the record export;
- ``api`` / ``sockets`` / ``views``: REST mirrors, Socket.IO events, the console and the
  participants' panel.
"""
