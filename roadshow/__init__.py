"""Roadshow: online roadshows and expert scoring."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from roadshow.config import PROJECT_ROOT, Config


def create_app(config: Config | dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, sockets, CLI, error handlers.

    ``config`` is a :class:`Config` instance, or a dict of overrides applied to one read from
    the environment.
    """
    overrides = config if isinstance(config, dict) else {}
    if not isinstance(config, Config):
        config = Config(overrides.get("INSTANCE_DIR"))
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=config.INSTANCE_DIR,
    )
    app.config.from_object(config)
    app.config.update(overrides)
    Path(app.config["STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from roadshow import api, cli, i18n, policy, realtime, security, transaction, web
    from roadshow import database  # noqa: F401  (engine event listeners)
    from roadshow.extensions import csrf, db, limiter

    db.init_app(app)
    if not app.config["SERVING"]:
        # `flask db …` for the command line and the tests; the web workers (gunicorn.conf.py) do
        # without Alembic and its 25 MB per process
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    transaction.init_app(app)
    policy.init_app(app)
    realtime.init_app(app)
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    return app
