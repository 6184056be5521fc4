"""users.token_version: access tokens carry it, so logout and a password change revoke them at once

Access tokens are stateless JWTs (30 min); until now they kept working after logout and after a password change.
Each token carries the user's version at issue time and is refused once the version moved on. Existing tokens
carry none and count as version 0, so an upgrade logs nobody out.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('token_version')
