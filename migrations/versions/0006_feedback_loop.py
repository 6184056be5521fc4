"""feedback on answers, datasets curated from it, an evaluation set per fine-tuning job

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

EVAL_FK = 'fk_finetune_jobs_eval_dataset_id_datasets'


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'message_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('rating', sa.String(length=8), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('corrected_answer', sa.Text(), nullable=True),
        sa.Column('model', sa.String(length=200), nullable=True),
        sa.Column('adapter', sa.String(length=100), nullable=True),
        sa.Column('knowledge_base_ids', sa.JSON(), nullable=False),
        sa.Column('prompt', sa.JSON(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_feedback_message_id_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_message_feedback_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_message_feedback_owner_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_feedback')),
        sa.UniqueConstraint('message_id', name=op.f('uq_message_feedback_message_id')),
    )
    with op.batch_alter_table('message_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_feedback_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_feedback_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_feedback_model'), ['model'], unique=False)

    op.create_table(
        'feedback_datasets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('skipped', sa.JSON(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_feedback_datasets_owner_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_datasets')),
    )
    with op.batch_alter_table('feedback_datasets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_datasets_owner_id'), ['owner_id'], unique=False)

    op.create_table(
        'feedback_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dataset_id', sa.Integer(), nullable=False),
        sa.Column('feedback_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('prompt', sa.JSON(), nullable=False),
        sa.Column('chosen', sa.Text(), nullable=False),
        sa.Column('rejected', sa.Text(), nullable=True),
        sa.Column('held_out', sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(['dataset_id'], ['feedback_datasets.id'], name=op.f('fk_feedback_samples_dataset_id_feedback_datasets'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['feedback_id'], ['message_feedback.id'], name=op.f('fk_feedback_samples_feedback_id_message_feedback'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_samples')),
    )
    with op.batch_alter_table('feedback_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_samples_dataset_id'), ['dataset_id'], unique=False)

    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eval_dataset_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(EVAL_FK, 'datasets', ['eval_dataset_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(EVAL_FK, type_='foreignkey')
        batch_op.drop_column('eval_dataset_id')
    op.drop_table('feedback_samples')
    op.drop_table('feedback_datasets')
    op.drop_table('message_feedback')
