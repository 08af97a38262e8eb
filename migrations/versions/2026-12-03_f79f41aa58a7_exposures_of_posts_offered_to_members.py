"""exposures of posts offered to members

Revision ID: f79f41aa58a7
Revises: 0b608ab93841
Create Date: 2026-12-03 17:29:20.262153
"""

import sqlalchemy as sa
from alembic import op

revision = "f79f41aa58a7"
down_revision = "0b608ab93841"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("first_shown_at", sa.DateTime(), nullable=False),
        sa.Column("last_shown_at", sa.DateTime(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.CheckConstraint("times > 0", name=op.f("ck_exposures_times_positive")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_exposures_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_exposures_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposures")),
        sa.UniqueConstraint(
            "post_id", "membership_id", name=op.f("uq_exposures_post_id_membership_id")
        ),
    )
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exposures_membership_id"), ["membership_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("exposures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exposures_membership_id"))
    op.drop_table("exposures")
