"""Results: settings, snapshots, publications; sheet source; advancement

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:24:52.065539

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('result_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('aggregation', sa.Enum('mean', 'median', 'trimmed_mean', name='aggregationmethod', native_enum=False, length=20), nullable=False),
    sa.Column('trim', sa.Integer(), nullable=False),
    sa.Column('fallback', sa.Enum('mean', 'median', 'trimmed_mean', name='aggregationmethod', native_enum=False, length=20), nullable=False),
    sa.Column('normalise', sa.Boolean(), nullable=False),
    sa.Column('normalise_min_projects', sa.Integer(), nullable=False),
    sa.Column('tie_breaks', sa.JSON(), nullable=False),
    sa.Column('lot_seed', sa.Integer(), nullable=False),
    sa.Column('top_n', sa.Integer(), nullable=False),
    sa.Column('disagreement_threshold', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('bootstrap_resamples', sa.Integer(), nullable=False),
    sa.Column('bootstrap_seed', sa.Integer(), nullable=False),
    sa.Column('announce_live', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_result_settings_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_settings')),
    sa.UniqueConstraint('round_id', name=op.f('uq_result_settings_round_id'))
    )
    op.create_table('result_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.JSON(), nullable=False),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('sheets', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_result_snapshots_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_result_snapshots_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_snapshots')),
    sa.UniqueConstraint('round_id', 'number', name=op.f('uq_result_snapshots_round_id_number'))
    )
    with op.batch_alter_table('result_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_snapshots_round_id'), ['round_id'], unique=False)

    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('public_fields', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_publications_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_publications_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['result_snapshots.id'], name=op.f('fk_publications_snapshot_id_result_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('round_id', name=op.f('uq_publications_round_id'))
    )
    with op.batch_alter_table('round_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advanced_from_round_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_round_entries_advanced_from_round_id_rounds'), 'rounds', ['advanced_from_round_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('online', 'paper', name='sheetsource', native_enum=False, length=20), server_default='online', nullable=False))




def downgrade():

    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_column('source')

    with op.batch_alter_table('round_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_entries_advanced_from_round_id_rounds'), type_='foreignkey')
        batch_op.drop_column('advanced_from_round_id')

    op.drop_table('publications')
    with op.batch_alter_table('result_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_snapshots_round_id'))

    op.drop_table('result_snapshots')
    op.drop_table('result_settings')

