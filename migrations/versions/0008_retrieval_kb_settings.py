"""knowledge bases: retrieval_mode and relevance_threshold per knowledge base; upload_batches

Chat grounding and search use the knowledge base's own mode; its threshold (null = the deployment's
RELEVANCE_THRESHOLD) decides when nothing in it is relevant to a question. upload_batches records what became
of each file of a bulk upload (new document, duplicate, skipped and why) for its progress endpoint.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retrieval_mode', sa.String(length=16), server_default='hybrid', nullable=False))
        batch_op.add_column(sa.Column('relevance_threshold', sa.Float(), nullable=True))
    op.create_table(
        'upload_batches',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('knowledge_base_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['knowledge_base_id'], ['knowledge_bases.id'],
            name=op.f('fk_upload_batches_knowledge_base_id_knowledge_bases'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['owner_id'], ['users.id'], name=op.f('fk_upload_batches_owner_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_upload_batches')),
    )
    op.create_index(op.f('ix_upload_batches_knowledge_base_id'), 'upload_batches', ['knowledge_base_id'])
    op.create_index(op.f('ix_upload_batches_owner_id'), 'upload_batches', ['owner_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_upload_batches_owner_id'), table_name='upload_batches')
    op.drop_index(op.f('ix_upload_batches_knowledge_base_id'), table_name='upload_batches')
    op.drop_table('upload_batches')
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.drop_column('relevance_threshold')
        batch_op.drop_column('retrieval_mode')
