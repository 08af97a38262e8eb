"""reactions: an index covering the response matrix of an item

Revision ID: a7c3e9f2b614
Revises: 5e4c0a1d7b93
Create Date: 2026-12-04 17:30:00.000000
"""

from alembic import op

revision = "a7c3e9f2b614"
down_revision = "5e4c0a1d7b93"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reactions_post_id_membership_id_stance_updated_at",
            ["post_id", "membership_id", "stance", "updated_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.drop_index("ix_reactions_post_id_membership_id_stance_updated_at")
