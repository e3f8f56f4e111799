"""The Python stack's floor for bench/live_fanout's connect phase: a bare Flask-SocketIO app.

No database, no authorisation, none of Roadshow's modules: a ``/live`` namespace whose connect
joins one room and emits a small ``state``, served exactly as Roadshow is (the project's
gunicorn.conf.py: one gevent worker, simple-websocket, the same garbage-collector settings;
WebSockets without permessage-deflate, as Roadshow serves them). What it costs per connection and
before any, against what Roadshow's worker costs, tells the stack's share of the server's RSS from
the app's.

    PORT=8200 gunicorn -c gunicorn.conf.py --pythonpath bench/live_fanout floor_app:app
"""
from flask import Flask, request
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", cors_allowed_origins="*")


@app.get("/healthz")
def healthz():
    return {"ok": True}


@socketio.on("connect", namespace="/live")
def connect(auth=None):
    session_id = (auth or {}).get("session_id", 1)
    join_room(f"live:{session_id}")
    emit("state", {"session": {"id": session_id}, "questions": [], "leaderboard": None, "sid": request.sid})


def _without_websocket_compression(wsgi_app):
    """As roadshow.realtime.without_websocket_compression (not imported: it would load Roadshow)."""

    def serve(environ, start_response):
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return serve


app.wsgi_app = _without_websocket_compression(app.wsgi_app)
