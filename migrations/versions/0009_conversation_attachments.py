"""attachments: a conversation's private knowledge base, and the documents attached to a question

knowledge_bases.conversation_id marks the hidden knowledge base that holds a conversation's attached files
(deleted with the conversation); messages.attachments lists the documents attached to a question.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_knowledge_bases_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_knowledge_bases_conversation_id_conversations'),
            'conversations',
            ['conversation_id'],
            ['id'],
            ondelete='CASCADE',
        )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('attachments')
    with op.batch_alter_table('knowledge_bases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_knowledge_bases_conversation_id_conversations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_knowledge_bases_conversation_id'))
        batch_op.drop_column('conversation_id')
