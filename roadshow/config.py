"""Configuration read from the environment, with embedded defaults that run on one machine.

Every setting can be overridden by an environment variable of the same name; the README lists
them. The defaults give a single process with SQLite and local file storage under ``instance/``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def persistent_secret_key(instance_dir: Path) -> str:
    """Return the key kept in ``instance/secret_key``, creating it once so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common ``postgres://`` forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Production-ready defaults; instantiate to read the environment at app creation time."""

    TESTING = False

    def __init__(self, instance_dir: str | os.PathLike | None = None) -> None:
        env = os.environ
        instance = Path(instance_dir or env.get("INSTANCE_DIR") or DEFAULT_INSTANCE).resolve()
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = env.get("SECRET_KEY") or persistent_secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance / 'roadshow.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.STORAGE_DIR = env.get("STORAGE_DIR") or str(instance / "uploads")
        self.REDIS_URL = env.get("REDIS_URL") or None
        self.SOCKETIO_MESSAGE_QUEUE = self.REDIS_URL
        self.SOCKETIO_ALLOWED_ORIGINS = _list("SOCKETIO_ALLOWED_ORIGINS")
        self.SOCKETIO_ASYNC_MODE = env.get("SOCKETIO_ASYNC_MODE") or None
        # the live room re-checks its connections' access in the background (realtime/access.py)
        self.LIVE_ACCESS_REFRESH = True
        self.SERVING = _bool("ROADSHOW_SERVING")   # set by gunicorn.conf.py: a web worker, no CLI tools
        self.PREFER_HTTPS = _bool("PREFER_HTTPS")
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(env.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL")
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "Roadshow <no-reply@localhost>")
        self.BASE_URL = env.get("BASE_URL") or None
        self.DEFAULT_TIMEZONE = env.get("DEFAULT_TIMEZONE", "Asia/Shanghai")
        self.PASSWORD_RESET_HOURS = int(env.get("PASSWORD_RESET_HOURS", "2"))
        self.INVITATION_DAYS = int(env.get("INVITATION_DAYS", "14"))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_FORM_BYTES", str(16 * 1024 * 1024)))
        self.UPLOAD_MAX_BYTES = int(env.get("UPLOAD_MAX_BYTES", str(4 * 1024**3)))
        self.UPLOAD_EXPIRY_DAYS = int(env.get("UPLOAD_EXPIRY_DAYS", "7"))
        self.THUMBNAIL_TIMEOUT = float(env.get("THUMBNAIL_TIMEOUT", "10"))
        # A TrueType font with Chinese glyphs for the PDF result reports (Debian: fonts-wqy-zenhei)
        self.PDF_CJK_FONT = env.get("PDF_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
        self.PDF_CJK_FONT_INDEX = int(env.get("PDF_CJK_FONT_INDEX", "0"))
        self.SESSION_COOKIE_SECURE = self.PREFER_HTTPS
        self.REMEMBER_COOKIE_SECURE = self.PREFER_HTTPS
        self.PREFERRED_URL_SCHEME = "https" if self.PREFER_HTTPS else "http"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "roadshow_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("zh_CN", "en")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "roadshow"
    API_TITLE = "Roadshow API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    """Settings for the test suite: its own instance folder, fast hashing, no real mail."""

    TESTING = True
    PASSWORD_HASH_FAST = True

    def __init__(self, instance_dir: str | os.PathLike | None = None) -> None:
        super().__init__(instance_dir)
        self.MAIL_SERVER = None
        # Flask-SocketIO's test client cannot run over a message queue; the scale-out tests run
        # real servers that share Redis instead.
        self.SOCKETIO_MESSAGE_QUEUE = None
        self.SOCKETIO_ASYNC_MODE = "threading"
        # no background re-check racing the tests' own: they call the refresher when they test it
        self.LIVE_ACCESS_REFRESH = False
