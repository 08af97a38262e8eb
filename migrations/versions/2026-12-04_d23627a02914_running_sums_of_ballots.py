"""running sums of ballots per motion, group and choice

The live tally reads these groups × choices rows instead of every ballot; each snapshot
group also keeps its number of voters and eligible weight. Both are backfilled from the
ballots and the electorate snapshots already in the database.

Revision ID: d23627a02914
Revises: 819ceaf6d836
Create Date: 2026-12-04 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d23627a02914"
down_revision = "819ceaf6d836"
branch_labels = None
depends_on = None

CHOICES = " UNION ALL ".join(
    f"SELECT '{choice}' AS choice" for choice in ("yes", "no", "abstain", "block")
)


def upgrade():
    with op.batch_alter_table("motion_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voters", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("eligible_weight", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "ballot_sums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("weight", sa.BigInteger(), nullable=False),
        sa.Column("casts", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "ballots >= 0 AND weight >= 0 AND casts >= 0",
            name=op.f("ck_ballot_sums_not_negative"),
        ),
        sa.CheckConstraint(
            "choice IN ('yes', 'no', 'abstain', 'block')", name=op.f("ck_ballot_sums_choice")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"],
            ["motions.id"],
            name=op.f("fk_ballot_sums_motion_id_motions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_sums")),
        sa.UniqueConstraint(
            "motion_id",
            "group_key",
            "choice",
            name=op.f("uq_ballot_sums_motion_id_group_key_choice"),
        ),
    )
    op.execute(
        """
        UPDATE motion_groups SET
          voters = (SELECT count(*) FROM motion_voters v
                    WHERE v.motion_id = motion_groups.motion_id
                      AND v.group_key = motion_groups.key),
          eligible_weight = (SELECT coalesce(sum(v.weight), 0) FROM motion_voters v
                             WHERE v.motion_id = motion_groups.motion_id
                               AND v.group_key = motion_groups.key)
        """
    )
    op.execute(
        f"""
        INSERT INTO ballot_sums (motion_id, group_key, choice, ballots, weight, casts)
        SELECT g.motion_id, g.key, c.choice, coalesce(s.ballots, 0), coalesce(s.weight, 0),
               coalesce(s.casts, 0)
        FROM motion_groups g
        CROSS JOIN ({CHOICES}) c
        LEFT JOIN (
          SELECT b.motion_id AS motion_id, v.group_key AS group_key, b.choice AS choice,
                 count(*) AS ballots, sum(v.weight) AS weight, sum(b.sequence) AS casts
          FROM ballots b
          JOIN motion_voters v
            ON v.motion_id = b.motion_id AND v.membership_id = b.membership_id
          GROUP BY b.motion_id, v.group_key, b.choice
        ) s ON s.motion_id = g.motion_id AND s.group_key = g.key AND s.choice = c.choice
        """
    )


def downgrade():
    op.drop_table("ballot_sums")
    with op.batch_alter_table("motion_groups", schema=None) as batch_op:
        batch_op.drop_column("eligible_weight")
        batch_op.drop_column("voters")
