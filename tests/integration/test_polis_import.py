"""The Pol.is importer (issue 5): ``flask polis import DIR --deliberation SLUG``.

Always run: small conversations written here — what becomes what, latest votes win,
idempotence (a second run changes no row), malformed files refused with the file and the
line, nothing imported. With the shared data (``../shared/data/polis``): both real
conversations, their per-group counts and group-informed consensus recomputed for every
visible statement straight from the raw CSVs by the simple code below, which shares nothing
with the importer or the metrics module.
"""

import csv
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import SHARED_DATA, make_deliberation

from commonground.accounts.models import User
from commonground.db import db
from commonground.deliberations.models import (
    AgendaItem,
    Deliberation,
    Membership,
    StakeholderGroup,
)
from commonground.discussion.models import Post, Reaction
from commonground.records.models import AuditEvent

POLIS = SHARED_DATA / "polis"
CONVERSATIONS = ["brexit-consensus", "15-per-hour-seattle"]
TABLES = (User, Deliberation, StakeholderGroup, Membership, AgendaItem, Post, Reaction, AuditEvent)

COMMENTS = [
    [
        "timestamp",
        "datetime",
        "comment-id",
        "author-id",
        "agrees",
        "disagrees",
        "moderated",
        "comment-body",
    ],
    ["1000", "x", "0", "0", "9", "9", "1", "Audits for every model."],
    ["2000", "x", "1", "1", "9", "9", "-1", "Buy my product!"],
    ["3000", "x", "2", "5", "9", "9", "0", 'A comment, with "quotes",\nover two lines.'],
]
PARTICIPANTS = [
    ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", "0", "1", "2"],
    ["0", "0", "1", "2", "1", "1", "1", "", "-1"],
    ["1", "1", "1", "1", "0", "1", "-1", "", ""],
    ["2", "", "0", "2", "1", "0", "1", "0", ""],
    ["3", "1", "0", "1", "1", "0", "", "", "1"],
]
VOTES = [
    ["timestamp", "datetime", "comment-id", "voter-id", "vote"],
    ["1500", "x", "0", "0", "-1"],  # superseded by the later vote below
    ["1100", "x", "0", "1", "-1"],
    ["1900", "x", "0", "0", "1"],
    ["1200", "x", "0", "2", "1"],
    ["2100", "x", "1", "2", "0"],
    ["3500", "x", "2", "0", "-1"],
    ["3600", "x", "2", "3", "1"],
    ["3550", "x", "2", "3", "-1"],  # older than the one above, though later in the file
]
SUMMARY = [
    ["topic", "Can we agree on AI audits?"],
    ["url", "https://pol.is/example"],
    ["voters", "4"],
    ["conversation-description", "A small test conversation, with a comma."],
]


def write_csv(path: Path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)


@pytest.fixture
def export(tmp_path) -> Path:
    """A small, valid export in a folder named like a conversation."""
    folder = tmp_path / "audit-talk"
    folder.mkdir()
    write_csv(folder / "comments.csv", COMMENTS)
    write_csv(folder / "participants-votes.csv", PARTICIPANTS)
    write_csv(folder / "votes.csv", VOTES)
    write_csv(folder / "summary.csv", SUMMARY)
    return folder


def run_import(app, folder: Path, slug: str = "audits", *extra: str):
    return app.test_cli_runner().invoke(
        args=["polis", "import", str(folder), "--deliberation", slug, *extra]
    )


def row_counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in TABLES
    }


def reaction_snapshot() -> list[tuple]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(
            Reaction.post_id, Reaction.membership_id, Reaction.stance, Reaction.updated_at
        ).order_by(Reaction.post_id, Reaction.membership_id)
    )
    return [tuple(row) for row in rows]


def stances(slug: str) -> dict[tuple[str, str], str]:
    """(comment id, participant id) → stance, read back through the external ids."""
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Post.external_id, Membership.external_id, Reaction.stance)
        .join(Post, Post.id == Reaction.post_id)
        .join(Membership, Membership.id == Reaction.membership_id)
        .join(Deliberation, Deliberation.id == Membership.deliberation_id)
        .where(Deliberation.slug == slug)
    )
    return {
        (post.rsplit(":", 1)[1], member.rsplit(":", 1)[1]): stance for post, member, stance in rows
    }


# --- a small conversation --------------------------------------------------------------------


def test_an_export_becomes_a_deliberation_an_item_posts_delegates_and_reactions(app, export):
    result = run_import(app, export)
    assert result.exit_code == 0, result.output
    assert "3 new posts" in result.stdout and "5 new members" in result.stdout

    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "audits"))
    assert deliberation.title == "Can we agree on AI audits?"
    assert [(g.key, g.name) for g in deliberation.groups] == [
        ("group-0", "Pol.is opinion group A"),
        ("group-1", "Pol.is opinion group B"),
        ("ungrouped", "Not in an opinion group"),
    ]
    (item,) = deliberation.items
    assert item.title == "Can we agree on AI audits?"
    assert item.status == "closed"
    assert item.body == "A small test conversation, with a comma."
    assert "CC BY 4.0" in item.attribution
    assert "The Computational Democracy Project" in item.attribution
    assert "https://pol.is/example" in item.attribution

    members = {m.external_id: m for m in deliberation.memberships}
    assert set(members) == {f"polis:audit-talk:{p}" for p in ("0", "1", "2", "3", "5")}
    assert {m.role for m in members.values()} == {"delegate"}
    group_of = {key.rsplit(":", 1)[1]: m.group.key for key, m in members.items()}
    # Participant 5 wrote a comment but is not in participants-votes.csv: ungrouped.
    assert group_of == {
        "0": "group-0",
        "1": "group-1",
        "2": "ungrouped",
        "3": "group-1",
        "5": "ungrouped",
    }
    user = db.session.get(User, members["polis:audit-talk:0"].user_id)
    assert user.email == "polis-audit-talk-0@import.invalid"
    assert user.password_hash is None and user.session_nonce

    posts = {
        p.external_id: p for p in db.session.scalars(sa.select(Post).where(Post.item_id == item.id))
    }
    assert posts["polis:audit-talk:1"].hidden  # moderated out
    assert posts["polis:audit-talk:1"].hidden_reason == "Moderated out in Pol.is"
    assert not posts["polis:audit-talk:0"].hidden and not posts["polis:audit-talk:2"].hidden
    assert posts["polis:audit-talk:2"].body == 'A comment, with "quotes",\nover two lines.'
    assert posts["polis:audit-talk:0"].author_id == members["polis:audit-talk:0"].id

    # The latest vote by timestamp, not by position in the file.
    assert stances("audits") == {
        ("0", "0"): "agree",
        ("0", "1"): "disagree",
        ("0", "2"): "agree",
        ("1", "2"): "pass",
        ("2", "0"): "disagree",
        ("2", "3"): "agree",
    }
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent))]
    assert actions == ["polis.import"]


def test_a_second_run_changes_nothing(app, export):
    assert run_import(app, export).exit_code == 0
    before, reactions = row_counts(), reaction_snapshot()
    again = run_import(app, export)
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.stdout
    assert row_counts() == before
    assert reaction_snapshot() == reactions


def test_imported_posts_and_reactions_are_leaves_and_the_record_verifies(app, export, tmp_path):
    from commonground.records.log import tree_head
    from commonground.records.models import LogLeaf

    assert run_import(app, export).exit_code == 0
    events = list(db.session.scalars(sa.select(LogLeaf.event).order_by(LogLeaf.leaf_index)))
    counts = row_counts()
    assert events.count("post.create") == counts["posts"]
    assert events.count("reaction.change") == counts["reactions"]
    size = tree_head(db.session.scalar(sa.select(Deliberation))).size
    assert run_import(app, export).exit_code == 0  # a second run appends nothing
    assert tree_head(db.session.scalar(sa.select(Deliberation))).size == size
    runner = app.test_cli_runner()
    record = tmp_path / "record.json"
    assert runner.invoke(args=["records", "export", "audits", "-o", str(record)]).exit_code == 0
    verified = runner.invoke(args=["records", "verify", str(record)])
    assert verified.exit_code == 0, verified.output


def test_a_later_export_adds_only_what_is_new(app, export):
    assert run_import(app, export).exit_code == 0
    write_csv(
        export / "votes.csv",
        [*VOTES, ["9000", "x", "2", "0", "0"], ["100", "x", "0", "1", "1"]],
    )
    result = run_import(app, export)
    assert result.exit_code == 0, result.output
    assert "0 new and 1 changed reactions" in result.stdout
    now = stances("audits")
    assert now[("2", "0")] == "pass"  # a later vote changes the reaction
    assert now[("0", "1")] == "disagree"  # an earlier one does not


def test_importing_into_an_existing_deliberation_adds_its_groups(app, export):
    existing = make_deliberation("audits", status="open")
    db.session.commit()
    result = run_import(app, export)
    assert result.exit_code == 0, result.output
    db.session.rollback()
    keys = db.session.scalars(
        sa.select(StakeholderGroup.key).where(StakeholderGroup.deliberation_id == existing.id)
    )
    assert sorted(keys) == ["group-0", "group-1", "ungrouped"]
    assert db.session.get(Deliberation, existing.id).title == "Deliberation audits"  # kept


def test_a_closed_deliberation_takes_no_import(app, export):
    make_deliberation("audits", status="closed")
    db.session.commit()
    before = row_counts()
    result = run_import(app, export)
    assert result.exit_code == 1
    assert "closed" in result.stderr
    assert row_counts() == before


def test_progress_goes_to_stderr_and_the_summary_to_stdout(app, export):
    result = run_import(app, export)
    assert "Checking" in result.stderr and "Importing votes" in result.stderr
    assert "Checking" not in result.stdout and "Imported" in result.stdout


@pytest.mark.parametrize("slug", ["Not A Slug", "-x", ""])
def test_the_deliberation_must_be_a_slug(app, export, slug):
    result = run_import(app, export, slug)
    assert result.exit_code != 0
    assert row_counts()["deliberations"] == 0


def malformed(export: Path, name: str, rows) -> None:
    write_csv(export / name, rows)


BROKEN = [
    (
        "votes.csv",
        lambda: [*VOTES[:3], ["1300", "x", "0", "2", "yes"], *VOTES[3:]],
        "votes.csv, line 4: “vote” must be 1, -1 or 0, not “yes”.",
    ),
    (
        "votes.csv",
        lambda: [*VOTES, ["1300", "x", "7", "2", "1"]],
        "votes.csv, line 10: comment 7 is not in comments.csv.",
    ),
    (
        "votes.csv",
        lambda: [*VOTES[:2], ["soon", "x", "0", "2", "1"]],
        "votes.csv, line 3: “timestamp” must be milliseconds since 1970, not “soon”.",
    ),
    (
        "votes.csv",
        lambda: [*VOTES[:5], ["1300", "x", "0", "2"]],
        "votes.csv, line 6: expected 5 fields, found 4.",
    ),
    (
        "comments.csv",
        lambda: [
            [c for c in COMMENTS[0] if c != "moderated"],
            *(r[:6] + r[7:] for r in COMMENTS[1:]),
        ],
        "comments.csv, line 1: the header lacks the column(s) moderated.",
    ),
    (
        "comments.csv",
        lambda: [*COMMENTS, ["4000", "x", "3", "0", "0", "0", "2", "Text"]],
        # Line 6: the quoted body of comment 2 spans lines 4 and 5.
        "comments.csv, line 6: “moderated” must be 1, 0 or -1, not “2”.",
    ),
    (
        "comments.csv",
        lambda: [*COMMENTS, ["4000", "x", "0", "0", "0", "0", "1", "Again"]],
        "comments.csv, line 6: comment 0 appears a second time.",
    ),
    (
        "participants-votes.csv",
        lambda: [*PARTICIPANTS[:2], ["1", "B", "0", "0", "0", "0", "", "", ""], *PARTICIPANTS[3:]],
        "participants-votes.csv, line 3: “group-id” must be a whole number or empty, not “B”.",
    ),
    (
        "summary.csv",
        lambda: [row for row in SUMMARY if row[0] != "topic"],
        "summary.csv: the conversation's “topic” is missing.",
    ),
]


@pytest.mark.parametrize(("name", "rows", "message"), BROKEN, ids=[m for _, _, m in BROKEN])
def test_a_malformed_file_is_refused_naming_file_and_line_and_nothing_is_imported(
    app, export, name, rows, message
):
    malformed(export, name, rows())
    before = row_counts()
    result = run_import(app, export)
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert str(export / name) in result.stderr
    assert row_counts() == before


def test_unreadable_files_are_refused_too(app, export):
    (export / "votes.csv").write_bytes(
        b"timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,\xff\n"
    )
    result = run_import(app, export)
    assert result.exit_code == 1 and "votes.csv, line 2: not valid UTF-8 text." in result.stderr
    (export / "votes.csv").write_text('timestamp,datetime,comment-id,voter-id,vote\n1,"x,0,0,1\n')
    result = run_import(app, export)
    assert result.exit_code == 1 and "votes.csv, line 2: not valid CSV" in result.stderr
    (export / "votes.csv").unlink()
    result = run_import(app, export)
    assert result.exit_code == 1 and "votes.csv: the file is missing." in result.stderr
    assert row_counts()["posts"] == 0


def test_an_error_late_in_the_votes_leaves_nothing_behind(app, export):
    """Checking reads everything before writing: even the last line's error stops it all."""
    rows = [*VOTES] + [[str(5000 + n), "x", "0", "2", "1"] for n in range(3000)]
    rows.append(["9999", "x", "0", "2", "3"])
    malformed(export, "votes.csv", rows)
    result = run_import(app, export)
    assert result.exit_code == 1 and f"line {len(rows)}:" in result.stderr
    assert row_counts() == {name: 0 for name in row_counts()}


# --- the shared Pol.is conversations ---------------------------------------------------------

needs_shared_data = pytest.mark.skipif(
    not (POLIS / "brexit-consensus" / "votes.csv").is_file(),
    reason=f"the shared Pol.is data is not at {POLIS}",
)


def expected_from_raw_csvs(folder: Path) -> dict[str, dict]:
    """For every visible comment: per-group agree/disagree/pass and group-informed
    consensus, from the raw files — latest vote per (comment, voter) by timestamp, groups
    from participants-votes.csv, Π (A+1)/(S+2) over every group."""
    with (folder / "participants-votes.csv").open(newline="") as f:
        group_of = {
            row["participant"]: ("group-" + row["group-id"]) if row["group-id"] else "ungrouped"
            for row in csv.DictReader(f)
        }
    with (folder / "comments.csv").open(newline="") as f:
        visible = {row["comment-id"] for row in csv.DictReader(f) if row["moderated"] != "-1"}
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    with (folder / "votes.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            key = (row["comment-id"], row["voter-id"])
            timestamp = int(row["timestamp"])
            if key not in latest or timestamp >= latest[key][0]:
                latest[key] = (timestamp, row["vote"])
    groups = sorted(set(group_of.values()), key=lambda g: (g == "ungrouped", g))
    counts = {c: {g: {"1": 0, "-1": 0, "0": 0} for g in groups} for c in visible}
    for (comment, voter), (_, vote) in latest.items():
        if comment in visible:
            counts[comment][group_of.get(voter, "ungrouped")][vote] += 1
    expected = {}
    for comment, by_group in counts.items():
        consensus = Fraction(1)
        for g in groups:
            seen = sum(by_group[g].values())
            consensus *= Fraction(by_group[g]["1"] + 1, seen + 2)
        expected[comment] = {
            "groups": [
                {
                    "key": g,
                    "agree": by_group[g]["1"],
                    "disagree": by_group[g]["-1"],
                    "pass": by_group[g]["0"],
                }
                for g in groups
            ],
            "group_informed_consensus": consensus,
        }
    return expected


@needs_shared_data
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_a_shared_conversation_reproduces_the_raw_votes(app, client, world, conversation):
    folder = POLIS / conversation
    result = run_import(app, folder, conversation)
    assert result.exit_code == 0, result.output
    item_id = db.session.scalar(
        sa.select(AgendaItem.id).join(Deliberation).where(Deliberation.slug == conversation)
    )
    response = client.get(f"/api/v1/items/{item_id}/common-ground", headers=world.headers("admin"))
    assert response.status_code == 200
    entries = response.get_json()["items"]
    expected = expected_from_raw_csvs(folder)
    got = {e["post"]["id"]: e for e in entries}
    rows = db.session.execute(sa.select(Post.id, Post.external_id).where(Post.item_id == item_id))
    external = {post_id: external_id for post_id, external_id in rows}
    by_comment = {external[post_id].rsplit(":", 1)[1]: entry for post_id, entry in got.items()}
    assert set(by_comment) == set(expected)  # every visible statement, and only those
    for comment, want in expected.items():
        entry = by_comment[comment]
        assert entry["groups"] == want["groups"], comment
        assert Fraction(entry["group_informed_consensus"]) == want["group_informed_consensus"], (
            comment
        )
        totals = {s: sum(g[s] for g in want["groups"]) for s in ("agree", "disagree", "pass")}
        assert (entry["agree"], entry["disagree"], entry["pass"]) == tuple(totals.values())
    # Ranked by group-informed consensus, highest first.
    values = [Fraction(e["group_informed_consensus"]) for e in entries]
    assert values == sorted(values, reverse=True)


@needs_shared_data
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_a_shared_conversation_imports_once(app, conversation):
    folder = POLIS / conversation
    assert run_import(app, folder, conversation).exit_code == 0
    before, reactions = row_counts(), reaction_snapshot()
    with (folder / "participants-votes.csv").open(newline="") as f:
        participants = sum(1 for _ in csv.DictReader(f))
    assert before["memberships"] == participants
    again = run_import(app, folder, conversation)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert row_counts() == before
    assert reaction_snapshot() == reactions


@needs_shared_data
def test_both_conversations_live_side_by_side_in_one_deliberation(app):
    for conversation in CONVERSATIONS:
        assert run_import(app, POLIS / conversation, "polis").exit_code == 0
    db.session.rollback()
    deliberation = db.session.scalar(sa.select(Deliberation).where(Deliberation.slug == "polis"))
    assert [i.title for i in deliberation.items] == [
        "Can there be consensus on Brexit?",
        "$15/hour",
    ]
    assert [g.key for g in deliberation.groups] == ["group-0", "group-1", "ungrouped"]
    per_conversation = defaultdict(int)
    for membership in deliberation.memberships:
        per_conversation[membership.external_id.split(":")[1]] += 1
    assert dict(per_conversation) == {"brexit-consensus": 204, "15-per-hour-seattle": 339}


@pytest.mark.postgres
def test_the_import_and_its_second_run_on_postgresql(pg_app, export):
    result = run_import(pg_app, export)
    assert result.exit_code == 0, result.output
    assert stances("audits")[("2", "3")] == "agree"
    before, reactions = row_counts(), reaction_snapshot()
    again = run_import(pg_app, export)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert row_counts() == before and reaction_snapshot() == reactions
    malformed(export, "votes.csv", [*VOTES, ["1", "x", "0", "0", "9"]])
    assert run_import(pg_app, export, "other").exit_code == 1
    assert row_counts() == before
