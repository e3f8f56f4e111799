"""gunicorn settings: one gevent worker per process, many connections (Flask-SocketIO + simple-websocket).

Run more processes (or hosts) behind a sticky-session proxy with REDIS_URL set to serve one live
room together; see the README.
"""
import gc
import os

import gevent

# gevent records, for every greenlet it spawns, the spawning stack (a walk of the frames): three
# greenlets per live connection make that a visible share of a connect's CPU, for a debugging aid.
gevent.config.track_greenlet_tree = False
# The workers serve; they need none of the command line's tools (Flask-Migrate, Alembic).
os.environ["ROADSHOW_SERVING"] = "1"

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "2000"))
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn 27's control socket lives at one path per user (~/.gunicorn): several servers on a host
# would share it. Roadshow does not use it.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """The app is loaded: what it loaded (modules, models, compiled queries) stays for the life of
    the process, so the cyclic garbage collector stops walking it (``gc.freeze``), and collections
    are made less frequent (the first generation's threshold): each live connection allocates a
    few hundred objects that live as long as it does. In profiles of a thousand viewers connecting
    at once the collector's share disappears; the measured CPU per connect moved by only ~1 %."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


GC_THRESHOLD = 10_000
