"""The browser-facing blueprints, one package per audience, and what they share."""
from __future__ import annotations

from roadshow.web import errors, fields, headers, labels, navigation, session_auth


def init_app(app) -> None:
    from roadshow.web.account.routes import bp as account_bp
    from roadshow.web.admin.routes import bp as admin_bp
    from roadshow.web.auth.routes import bp as auth_bp
    from roadshow.web.judge.conflicts import bp as judge_conflicts_bp
    from roadshow.web.judge.profile import bp as judge_profile_bp
    from roadshow.web.judge.routes import bp as judge_bp
    from roadshow.web.judge.workspace import bp as judge_workspace_bp
    from roadshow.web.materials import bp as materials_bp
    from roadshow.web.organizer.applications import bp as organizer_applications_bp
    from roadshow.web.organizer.assignments import bp as organizer_assignments_bp
    from roadshow.web.organizer.audit import bp as organizer_audit_bp
    from roadshow.web.organizer.judges import bp as organizer_judges_bp
    from roadshow.web.live.routes import bp as live_bp
    from roadshow.web.organizer.live import bp as organizer_live_bp
    from roadshow.web.organizer.progress import bp as organizer_progress_bp
    from roadshow.web.organizer.publication import bp as organizer_publication_bp
    from roadshow.web.organizer.result_files import bp as organizer_result_files_bp
    from roadshow.web.organizer.results import bp as organizer_results_bp
    from roadshow.web.organizer.review import bp as organizer_review_bp
    from roadshow.web.organizer.routes import bp as organizer_bp
    from roadshow.web.organizer.setup import bp as organizer_setup_bp
    from roadshow.web.team.routes import bp as team_bp
    from roadshow.web.public.live import bp as live_schedule_bp
    from roadshow.web.public.results import bp as public_results_bp
    from roadshow.web.public.routes import bp as public_bp

    session_auth.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    labels.init_app(app)
    app.jinja_env.filters["plain_decimal"] = fields.plain_decimal
    for blueprint in (public_bp, auth_bp, account_bp, admin_bp, organizer_bp, organizer_setup_bp,
                      organizer_applications_bp, organizer_audit_bp, organizer_judges_bp, organizer_review_bp,
                      organizer_assignments_bp, organizer_progress_bp, team_bp, judge_bp, judge_conflicts_bp,
                      judge_profile_bp, judge_workspace_bp, materials_bp,
                      organizer_results_bp, organizer_publication_bp, organizer_result_files_bp, public_results_bp,
                      organizer_live_bp, live_schedule_bp, live_bp):
        app.register_blueprint(blueprint)
