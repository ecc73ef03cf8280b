"""recovery sweeps: when the last sweep started, so the workers sweep once per interval between them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('recovery_sweeps',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('swept_by', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_recovery_sweeps'))
    )


def downgrade() -> None:
    op.drop_table('recovery_sweeps')
