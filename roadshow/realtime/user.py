"""``/user``: each signed-in page's personal channel (session revocation, later notifications)."""
from __future__ import annotations

from flask_login import current_user

from roadshow.realtime.connection import AuthenticatedNamespace

NAMESPACE = "/user"


class UserNamespace(AuthenticatedNamespace):
    def on_whoami(self, *args):
        return {"id": current_user.id, "display_name": current_user.display_name}
