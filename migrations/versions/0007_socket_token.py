"""Socket connections remember the API token that opened them, so revoking it disconnects them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('socket_connections') as batch_op:
        batch_op.add_column(sa.Column('token_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_socket_connections_token_id', ['token_id'])
        batch_op.create_foreign_key('fk_socket_connections_token_id_api_tokens', 'api_tokens', ['token_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('socket_connections') as batch_op:
        batch_op.drop_constraint('fk_socket_connections_token_id_api_tokens', type_='foreignkey')
        batch_op.drop_index('ix_socket_connections_token_id')
        batch_op.drop_column('token_id')
