"""The transparency log: leaves, stored subtree hashes and each log's state

Revision ID: 0b608ab93841
Revises: c31fbfde86a5
Create Date: 2026-12-03 17:06:14.293980
"""

import sqlalchemy as sa
from alembic import op


revision = "0b608ab93841"
down_revision = "c31fbfde86a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "log_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_log_leaves_leaf_index_not_negative")),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_leaves_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_leaves")),
        sa.UniqueConstraint(
            "deliberation_id", "leaf_index", name=op.f("uq_log_leaves_deliberation_id_leaf_index")
        ),
    )
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.create_index(
            "ix_log_leaves_deliberation_id_subject", ["deliberation_id", "subject"], unique=False
        )

    op.create_table(
        "log_nodes",
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_nodes_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deliberation_id", "level", "position", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_states",
        sa.Column("deliberation_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_log_states_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["deliberation_id"],
            ["deliberations.id"],
            name=op.f("fk_log_states_deliberation_id_deliberations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deliberation_id", name=op.f("pk_log_states")),
    )


def downgrade():
    op.drop_table("log_states")
    op.drop_table("log_nodes")
    with op.batch_alter_table("log_leaves", schema=None) as batch_op:
        batch_op.drop_index("ix_log_leaves_deliberation_id_subject")

    op.drop_table("log_leaves")
