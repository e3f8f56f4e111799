"""Expert review: judge pool, conflicts, rubrics, assignments, score sheets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:38:27.158419

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('judge_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('expertise_track_ids', sa.JSON(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('max_load', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_judge_profiles_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_judge_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_profiles')),
    sa.UniqueConstraint('contest_id', 'user_id', name=op.f('uq_judge_profiles_contest_id_user_id'))
    )
    with op.batch_alter_table('judge_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_profiles_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judge_profiles_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('judges_per_project', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignment_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_assignment_runs_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_runs'))
    )
    with op.batch_alter_table('assignment_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_runs_round_id'), ['round_id'], unique=False)

    op.create_table('conflict_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_conflict_declarations_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_conflict_declarations_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declarations')),
    sa.UniqueConstraint('round_id', 'judge_id', name=op.f('uq_conflict_declarations_round_id_judge_id'))
    )
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declarations_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_declarations_round_id'), ['round_id'], unique=False)

    op.create_table('criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('max_points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('weight', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('step', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('descriptors', sa.JSON(), nullable=False),
    sa.Column('comment_required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_criteria_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_criteria_round_id_position'))
    )
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_round_id'), ['round_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('manual', 'imported', 'solver', name='assignmentsource', native_enum=False, length=20), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_assignments_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_assignments_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_assignments_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['assignment_runs.id'], name=op.f('fk_assignments_run_id_assignment_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('round_id', 'judge_id', 'application_id', name=op.f('uq_assignments_round_id_judge_id_application_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_round_id'), ['round_id'], unique=False)

    op.create_table('conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('declared', 'detected', 'organizer', name='conflictsource', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_conflicts_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_conflicts_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_conflicts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_conflicts_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_conflicts_lifted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts')),
    sa.UniqueConstraint('judge_id', 'application_id', name=op.f('uq_conflicts_judge_id_application_id'))
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_judge_id'), ['judge_id'], unique=False)

    op.create_table('round_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_round_entries_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_round_entries_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_entries_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_entries')),
    sa.UniqueConstraint('round_id', 'application_id', name=op.f('uq_round_entries_round_id_application_id'))
    )
    with op.batch_alter_table('round_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_entries_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_entries_round_id'), ['round_id'], unique=False)

    op.create_table('score_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'recused', name='sheetstatus', native_enum=False, length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('overall_comment', sa.Text(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('submit_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('recusal_reason', sa.Text(), nullable=False),
    sa.Column('unlocked_at', sa.DateTime(), nullable=True),
    sa.Column('unlock_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_score_sheets_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['users.id'], name=op.f('fk_score_sheets_judge_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_score_sheets_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_sheets')),
    sa.UniqueConstraint('round_id', 'judge_id', 'application_id', name=op.f('uq_score_sheets_round_id_judge_id_application_id'))
    )
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_sheets_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheets_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheets_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheets_status'), ['status'], unique=False)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judges_per_project', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('scoring_opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('judges_see_peer_scores', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judge_profile', sa.JSON(), nullable=True))




def downgrade():

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('judge_profile')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('judges_see_peer_scores')
        batch_op.drop_column('scoring_opened_at')
        batch_op.drop_column('judges_per_project')

    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_sheets_status'))
        batch_op.drop_index(batch_op.f('ix_score_sheets_round_id'))
        batch_op.drop_index(batch_op.f('ix_score_sheets_judge_id'))
        batch_op.drop_index(batch_op.f('ix_score_sheets_application_id'))

    op.drop_table('score_sheets')
    with op.batch_alter_table('round_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_entries_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_entries_application_id'))

    op.drop_table('round_entries')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_judge_id'))
        batch_op.drop_index(batch_op.f('ix_conflicts_contest_id'))
        batch_op.drop_index(batch_op.f('ix_conflicts_application_id'))

    op.drop_table('conflicts')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_round_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_judge_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_application_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_round_id'))

    op.drop_table('criteria')
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declarations_round_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_declarations_judge_id'))

    op.drop_table('conflict_declarations')
    with op.batch_alter_table('assignment_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_runs_round_id'))

    op.drop_table('assignment_runs')
    with op.batch_alter_table('judge_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judge_profiles_user_id'))
        batch_op.drop_index(batch_op.f('ix_judge_profiles_contest_id'))

    op.drop_table('judge_profiles')

