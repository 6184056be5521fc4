"""fine-tuning jobs outlive their dataset: dataset_id nullable, ON DELETE SET NULL

Deleting a dataset used to cascade to its jobs, destroying the history and metrics of jobs whose adapters
are still in use. Batch mode rebuilds the table on SQLite (which cannot alter a constraint in place) and
issues plain ALTERs on PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FK_NAME = 'fk_finetune_jobs_dataset_id_datasets'


def upgrade() -> None:
    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_='foreignkey')
        batch_op.alter_column('dataset_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(FK_NAME, 'datasets', ['dataset_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    # The old schema cannot hold a job without its dataset: drop those jobs, as its cascade would have.
    op.execute(sa.text('DELETE FROM finetune_jobs WHERE dataset_id IS NULL'))
    with op.batch_alter_table('finetune_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_='foreignkey')
        batch_op.alter_column('dataset_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(FK_NAME, 'datasets', ['dataset_id'], ['id'], ondelete='CASCADE')
