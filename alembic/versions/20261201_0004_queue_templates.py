"""queue templates: a submission's template stored once, not once per queue item

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:30:19.472863
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A batch's items share their batch id; a single item is a submission of its own. These ids become
# the template ids, so existing rows need no generated UUIDs (SQLite has no function for them).
SUBMISSION = "COALESCE(batch_id, id)"


def _foreign_keys_off() -> None:
    # SQLite rebuilds queue_items (batch mode): dropping the old table with foreign keys on would
    # run emails' ON DELETE SET NULL and cut every email from its queue item. The pragma only
    # works outside a transaction, so it is the migration's first statement.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=OFF")


def upgrade() -> None:
    _foreign_keys_off()
    op.create_table('queue_templates',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_queue_templates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_templates'))
    )
    with op.batch_alter_table('queue_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_templates_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_templates_user_id'), ['user_id'], unique=False)

    # Expand now, contract in a later release: the previous release's API keeps running (and
    # writing email_template) while this migrates, so the column stays, nullable, until then.
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('email_template', existing_type=sa.Text(), nullable=True)
        batch_op.create_index(batch_op.f('ix_queue_items_template_id'), ['template_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_queue_items_template_id_queue_templates'), 'queue_templates', ['template_id'], ['id'], ondelete='CASCADE')
    op.execute(
        "INSERT INTO queue_templates (id, user_id, text, created_at)"
        f" SELECT {SUBMISSION}, user_id, MIN(email_template), MIN(created_at) FROM queue_items"
        f" WHERE email_template IS NOT NULL GROUP BY {SUBMISSION}, user_id"
    )
    op.execute(
        f"UPDATE queue_items SET template_id = {SUBMISSION}, email_template = NULL"
        " WHERE email_template IS NOT NULL"
    )


def downgrade() -> None:
    _foreign_keys_off()
    op.execute(
        "UPDATE queue_items SET email_template ="
        " (SELECT text FROM queue_templates WHERE queue_templates.id = queue_items.template_id)"
        " WHERE template_id IS NOT NULL"
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.alter_column('email_template', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_queue_items_template_id_queue_templates'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_queue_items_template_id'))
        batch_op.drop_column('template_id')

    with op.batch_alter_table('queue_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_templates_user_id'))
        batch_op.drop_index(batch_op.f('ix_queue_templates_created_at'))

    op.drop_table('queue_templates')
