"""Live roadshow: sessions, slots, questions, votes, interest, letters of intent

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:59:53.721248

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('live_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('title_zh', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('pitch_seconds', sa.Integer(), nullable=False),
    sa.Column('qa_seconds', sa.Integer(), nullable=False),
    sa.Column('stream_url', sa.String(length=500), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('scored', sa.Boolean(), nullable=False),
    sa.Column('order_seed', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('scheduled', 'live', 'ended', name='sessionstate', native_enum=False, length=20), nullable=False),
    sa.Column('current_slot_id', sa.Integer(), nullable=True),
    sa.Column('leaderboard', sa.Enum('hidden', 'judges', 'everyone', name='leaderboardvisibility', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_live_sessions_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_live_sessions_round_id_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions'))
    )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_sessions_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_sessions_round_id'), ['round_id'], unique=False)

    op.create_table('interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_interests_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_interests_session_id_live_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests')),
    sa.UniqueConstraint('application_id', 'user_id', name=op.f('uq_interests_application_id_user_id'))
    )
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interests_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interests_user_id'), ['user_id'], unique=False)

    op.create_table('letters_of_intent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('intended', 'negotiating', 'signed', 'withdrawn', name='letterstatus', native_enum=False, length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_letters_of_intent_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_letters_of_intent_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letters_of_intent_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters_of_intent'))
    )
    with op.batch_alter_table('letters_of_intent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_of_intent_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_of_intent_contest_id'), ['contest_id'], unique=False)

    op.create_table('live_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('waiting', 'pitch', 'qa', 'done', name='slotphase', native_enum=False, length=20), nullable=False),
    sa.Column('timer_started_at', sa.DateTime(), nullable=True),
    sa.Column('timer_seconds', sa.Float(), nullable=False),
    sa.Column('timer_remaining', sa.Float(), nullable=True),
    sa.Column('video_material_id', sa.Integer(), nullable=True),
    sa.Column('video_playing', sa.Boolean(), nullable=False),
    sa.Column('video_position', sa.Float(), nullable=False),
    sa.Column('video_at', sa.DateTime(), nullable=True),
    sa.Column('scoring_open', sa.Boolean(), nullable=False),
    sa.Column('scoring_opened_at', sa.DateTime(), nullable=True),
    sa.Column('scoring_closed_at', sa.DateTime(), nullable=True),
    sa.Column('announced', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_live_slots_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_live_slots_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_material_id'], ['materials.id'], name=op.f('fk_live_slots_video_material_id_materials'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_slots')),
    sa.UniqueConstraint('session_id', 'position', name=op.f('uq_live_slots_session_id_position'))
    )
    with op.batch_alter_table('live_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_slots_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_slots_session_id'), ['session_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('original_text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('judges_only', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'dismissed', name='questionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_questions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_questions_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_questions_session_id_live_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['live_slots.id'], name=op.f('fk_questions_slot_id_live_slots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_status'), ['status'], unique=False)

    op.create_table('question_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_votes_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_question_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_votes')),
    sa.UniqueConstraint('question_id', 'user_id', name=op.f('uq_question_votes_question_id_user_id'))
    )
    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_votes_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_votes_user_id'), ['user_id'], unique=False)
    # The session's current slot refers to a table created after it: the key comes once both exist.
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_live_sessions_current_slot_id', 'live_slots', ['current_slot_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_live_sessions_current_slot_id', type_='foreignkey')

    with op.batch_alter_table('question_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_votes_user_id'))
        batch_op.drop_index(batch_op.f('ix_question_votes_question_id'))

    op.drop_table('question_votes')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_status'))
        batch_op.drop_index(batch_op.f('ix_questions_slot_id'))
        batch_op.drop_index(batch_op.f('ix_questions_session_id'))

    op.drop_table('questions')
    with op.batch_alter_table('live_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_slots_session_id'))
        batch_op.drop_index(batch_op.f('ix_live_slots_application_id'))

    op.drop_table('live_slots')
    with op.batch_alter_table('letters_of_intent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_of_intent_contest_id'))
        batch_op.drop_index(batch_op.f('ix_letters_of_intent_application_id'))

    op.drop_table('letters_of_intent')
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interests_user_id'))
        batch_op.drop_index(batch_op.f('ix_interests_application_id'))

    op.drop_table('interests')
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_sessions_round_id'))
        batch_op.drop_index(batch_op.f('ix_live_sessions_contest_id'))

    op.drop_table('live_sessions')

