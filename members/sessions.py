"""Django's database sessions, each row also knowing its member (SESSION_ENGINE).

The pattern is Django's own ("Extending database-backed session engines"): the store fills the
extra column from the session's signed-in user whenever it saves the row.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from members.models import MemberSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return MemberSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.member_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.member_id = None
        return session


def sessions_end(member_id: int) -> int:
    """Sign the member out everywhere; answers how many browsers were signed in."""
    ended, _ = MemberSession.objects.filter(member_id=member_id).delete()
    return ended
