"""How long the exact tally of a motion with many ballots takes (issues 4 and 15).

The live tally (issue 15) reads the running sums every cast keeps per (group, choice) and
the snapshot's groups with their stored eligible weights: two queries over groups × choices
rows, then the pure :func:`commonground.voting.rules.tally_from_sums`. Closing recounts:
one ``GROUP BY group, choice`` over the ballots joined to the electorate snapshot, checked
against the sums. This script builds a deliberation with six stakeholder groups and N
delegates of weights 1..5, opens a motion through the service (so the snapshot is the real
one), casts N ballots in bulk and sets the running sums from a recount (as the migration
backfills them), then times:

* ``live tally``: ``queries.compute_tally`` from the running sums, as every
  ``GET /api/v1/motions/<id>/tally`` and every live ``tally`` event runs it;
* ``recount``: ``queries.compute_tally(recount=True)``, the full count (what every live
  tally cost before the running sums: the baseline, side by side);
* ``close``: ``services.close_motion`` (recount + the receipts digest + the audit event),
  rolled back after each run so it can be repeated.

Usage (from the repository root)::

    python -m benchmarks.tally_100k                        # SQLite in a temporary file
    python -m benchmarks.tally_100k --database postgresql+psycopg://postgres@127.0.0.1/bench \
        --database sqlite                                 # both, one after the other
    python -m benchmarks.tally_100k --ballots 1000000 --record # also write BENCHMARKS.md

``--database`` must name an empty database (``sqlite`` = a temporary SQLite file); its
schema is migrated first.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

import sqlalchemy as sa  # noqa: E402

from benchmarks.report import database_label, write_section  # noqa: E402
from commonground import create_app  # noqa: E402
from commonground.db import db  # noqa: E402

GROUPS = [
    ("governments", 2),
    ("international_organizations", 1),
    ("enterprises", 1),
    ("research_institutions", 1),
    ("civil_society", 1),
    ("individual_citizens", 1),
]
HEADING = "## Voting: exact tally of many ballots (benchmarks/tally_100k.py)"


def build(ballots: int, seed: int = 2026) -> int:
    """Create the electorate, open a motion through the service, cast ``ballots`` ballots.

    Returns the motion id.
    """
    from commonground.accounts.models import User
    from commonground.deliberations.models import (
        AgendaItem,
        Deliberation,
        Membership,
        StakeholderGroup,
    )
    from commonground.voting import services
    from commonground.voting.models import Ballot, Motion

    rng = random.Random(seed)
    deliberation = Deliberation(
        slug="bench", title="Benchmark", status="open", scheme="groups", languages=["en"]
    )
    db.session.add(deliberation)
    db.session.flush()
    groups = []
    for position, (key, share) in enumerate(GROUPS):
        group = StakeholderGroup(
            deliberation_id=deliberation.id, key=key, name=key, share=share, position=position
        )
        db.session.add(group)
        groups.append(group)
    item = AgendaItem(deliberation_id=deliberation.id, position=1, title="Item", status="open")
    admin = User(email="admin@bench.example", name="Admin", is_admin=True, session_nonce="x")
    db.session.add_all([item, admin])
    db.session.flush()

    batch = 10_000
    for start in range(0, ballots, batch):
        count = min(batch, ballots - start)
        db.session.execute(
            sa.insert(User),
            [
                {"email": f"d{n}@bench.example", "name": f"Delegate {n}", "session_nonce": "x"}
                for n in range(start, start + count)
            ],
        )
    user_ids = db.session.scalars(
        sa.select(User.id).where(User.is_admin.is_(False)).order_by(User.id)
    ).all()
    for start in range(0, ballots, batch):
        db.session.execute(
            sa.insert(Membership),
            [
                {
                    "deliberation_id": deliberation.id,
                    "user_id": user_id,
                    "role": "delegate",
                    "group_id": groups[rng.randrange(len(groups))].id,
                    "weight": rng.randint(1, 5),
                }
                for user_id in user_ids[start : start + batch]
            ],
        )
    db.session.commit()

    motion = services.create_motion(
        admin, item, text="Adopt the plan.", rule={"kind": "majority", "quorum": "1/2"}
    )
    services.open_motion(admin, motion)
    db.session.commit()
    motion_id = motion.id
    memberships = db.session.scalars(
        sa.select(Membership.id).where(Membership.deliberation_id == deliberation.id)
    ).all()
    choices = ("yes", "yes", "no", "abstain")
    now = datetime.now(UTC)
    for start in range(0, len(memberships), batch):
        db.session.execute(
            sa.insert(Ballot),
            [
                {
                    "motion_id": motion_id,
                    "membership_id": membership_id,
                    "choice": rng.choice(choices),
                    "sequence": 1,
                    "receipt": f"{rng.getrandbits(256):064x}",
                    "cast_at": now,
                    "updated_at": now,
                }
                for membership_id in memberships[start : start + batch]
            ],
        )
    db.session.commit()
    motion = db.session.get(Motion, motion_id)
    assert motion.status == "open"
    set_running_sums(motion)
    return motion_id


def set_running_sums(motion) -> None:
    """Set the motion's running sums from a full recount (the ballots were bulk-inserted,
    not cast through the service), as the migration that introduced them backfills them."""
    from commonground.voting import queries
    from commonground.voting.models import BallotSum

    sums, _ = queries.recounted_sums(motion)
    for row in sums:
        db.session.execute(
            sa.update(BallotSum)
            .where(
                BallotSum.motion_id == motion.id,
                BallotSum.group_key == row.group_key,
                BallotSum.choice == row.choice,
            )
            .values(ballots=row.ballots, weight=row.weight, casts=row.ballots)
        )
    db.session.commit()


def timed(function, repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of ``function``."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return runs


def run(database_url: str | None, ballots: int, repeat: int) -> dict:
    """Build, then time the tally and the close; returns the measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        if database_url in (None, "", "sqlite"):
            database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        url = database_url
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "benchmark",
                "SQLALCHEMY_DATABASE_URI": url,
                "AUTO_MIGRATE": True,
                "DEMO": False,
            }
        )
        with app.app_context():
            from commonground.accounts.models import User
            from commonground.voting import services
            from commonground.voting.models import Motion

            started = time.perf_counter()
            motion_id = build(ballots)
            build_seconds = time.perf_counter() - started
            motion = db.session.get(Motion, motion_id)
            admin = db.session.scalar(sa.select(User).where(User.is_admin.is_(True)))

            def tally():
                services.compute_tally(motion)
                db.session.rollback()

            def recount():
                services.compute_tally(motion, recount=True)
                db.session.rollback()

            def close():
                services.close_motion(admin, motion)
                db.session.rollback()

            tally()  # warm the caches once, as a running server would be
            tally_runs = timed(tally, repeat)
            recount()
            recount_runs = timed(recount, max(3, repeat // 2))
            close_runs = timed(close, max(3, repeat // 2))
            result, casts = services.compute_tally(motion)
            recounted, _ = services.compute_tally(motion, recount=True)
            assert recounted == result, "the running sums differ from the recount"
            db.session.rollback()
            database = database_label(db)
            db.session.remove()
            db.engine.dispose()
    return {
        "database": database,
        "ballots": result.ballots,
        "casts": casts,
        "build": build_seconds,
        "tally": tally_runs,
        "recount": recount_runs,
        "close": close_runs,
        "outcome": result.outcome,
        "support": f"{float(result.support):.4f}",
    }


def report(results: list[dict]) -> str:
    """The measurements as a Markdown section."""
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'}"
        f" ({os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}).",
        "Six groups, delegates of weight 1–5, one ballot each; times are wall-clock, after one "
        "warm-up run.",
        "",
        "| database | ballots | live tally median | live tally max | recount median "
        "| close median | recount ÷ live | support | outcome |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        live = statistics.median(r["tally"])
        full = statistics.median(r["recount"])
        lines.append(
            f"| {r['database']} | {r['ballots']:,} | {live * 1000:.1f} ms"
            f" | {max(r['tally']) * 1000:.1f} ms | {full * 1000:.0f} ms"
            f" | {statistics.median(r['close']) * 1000:.0f} ms | {full / live:.0f}×"
            f" | {r['support']} | {r['outcome']} |"
        )
    lines += [
        "",
        "`support` is shown rounded; the tally itself is an exact fraction. "
        "`live tally` = `queries.compute_tally`: the snapshot's groups with their stored "
        "eligible weights and the running sums (groups × choices rows), then the exact rules "
        "(`tally_from_sums`) — O(groups × choices), whatever the number of ballots. It runs for "
        "every `GET /api/v1/motions/<id>/tally` and for the live `tally` event (coalesced after "
        "casts). `recount` is the full `GROUP BY group_key, choice` over `ballots ⨝ "
        "motion_voters` that every live tally ran before the running sums (the baseline); "
        "`close` runs it, checks it equals the running sums, adds the receipts digest (reads "
        "every receipt) and the audit event.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--database",
        action="append",
        help="an empty database URL, or 'sqlite' (repeatable); SQLite if none",
    )
    parser.add_argument("--record", action="store_true", help="write the result to BENCHMARKS.md")
    args = parser.parse_args(argv)
    results = [run(url, args.ballots, args.repeat) for url in (args.database or [None])]
    section = report(results)
    print(section)
    if args.record:
        write_section(section)


if __name__ == "__main__":
    main()
