"""Socket.IO: namespaces registered once on the shared ``socketio``, then bound to the app."""
from __future__ import annotations

from typing import Callable

from roadshow.extensions import socketio
from roadshow.realtime import observed
from roadshow.realtime.live import NAMESPACE as LIVE_NAMESPACE
from roadshow.realtime.live import LiveNamespace
from roadshow.realtime.user import NAMESPACE as USER_NAMESPACE
from roadshow.realtime.user import UserNamespace

NAMESPACES = {USER_NAMESPACE: UserNamespace, LIVE_NAMESPACE: LiveNamespace}


def origin_checker(allowlist: list[str]) -> Callable[[str | None, dict], bool]:
    """Accept the app's own origin and the configured allowlist; never any origin.

    Browsers always send ``Origin`` on WebSocket and cross-site requests; a request without one
    comes from a non-browser client, which cookies-based CSRF cannot abuse.
    """
    if "*" in allowlist:
        raise ValueError("SOCKETIO_ALLOWED_ORIGINS may not contain '*'")
    allowed = {origin.rstrip("/") for origin in allowlist}

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in allowed or origin == own

    return is_allowed


def without_websocket_compression(wsgi_app):
    """Serve WebSockets without permessage-deflate, as the Node socket.io server does by default.

    simple-websocket accepts the extension whenever a client offers it (browsers always do), and
    then keeps a zlib compressor per connection (about a quarter of a megabyte each) and compresses
    every broadcast once per socket. Live-room messages are small JSON, so the memory and CPU buy
    almost nothing; dropping the offer from the upgrade request leaves the connection uncompressed.
    """

    def app(environ, start_response):
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def init_app(app) -> None:
    known = {handler.namespace for handler in socketio.namespace_handlers}
    for namespace, handler_class in NAMESPACES.items():
        if namespace not in known:
            socketio.on_namespace(handler_class(namespace))
    socketio.init_app(
        app,
        client_manager=observed.client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=origin_checker(app.config["SOCKETIO_ALLOWED_ORIGINS"]),
        cookie=None,
    )
    if not app.config.get("SOCKETIO_WEBSOCKET_COMPRESSION", False):
        app.wsgi_app = without_websocket_compression(app.wsgi_app)
    from roadshow.services import live_state

    observed.observe(live_state.forget_room)
