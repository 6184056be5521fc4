"""status columns keep to their enums: CHECK constraints on messages, documents and finetune_jobs

The statuses are written out here, not imported: a migration records the schema of its day. Batch mode
rebuilds each table on SQLite (which cannot add a constraint in place) and issues ALTERs on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 14:40:00
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STATUSES = {
    'messages': ('pending', 'streaming', 'done', 'cancelled', 'failed'),
    'documents': ('queued', 'parsing', 'embedding', 'indexed', 'failed'),
    'finetune_jobs': ('queued', 'running', 'succeeded', 'failed', 'cancelled'),
}


def upgrade() -> None:
    for table, statuses in STATUSES.items():
        allowed = ', '.join(f"'{status}'" for status in statuses)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_status'), f'status IN ({allowed})')


def downgrade() -> None:
    for table in STATUSES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_status'), type_='check')
