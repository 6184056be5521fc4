"""knowledge bases: retrieval_mode and relevance_threshold per knowledge base

Chat grounding and search use the knowledge base's own mode; its threshold (null = the deployment's
RELEVANCE_THRESHOLD) decides when nothing in it is relevant to a question.

Revision ID: 0004_retrieval
Revises: 0003
Create Date: 2026-12-06 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_retrieval'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retrieval_mode', sa.String(length=16), server_default='hybrid', nullable=False))
        batch_op.add_column(sa.Column('relevance_threshold', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.drop_column('relevance_threshold')
        batch_op.drop_column('retrieval_mode')
