"""Who is acting: the logged-in user in their current care unit."""

from __future__ import annotations

from dataclasses import dataclass

from kulisser.staff.models import Role


@dataclass(frozen=True)
class Actor:
    """The user behind a request or job, with the unit they work in right now."""

    user_id: int
    username: str
    full_name: str
    role: Role
    unit_id: int
    unit_ids: tuple[int, ...]
    ip: str = ""
    # How this user logged in ("password", "token", "oidc acr=... amr=..."): in every audit row.
    login_method: str = "password"

    @property
    def is_manager(self) -> bool:
        """Unit managers and administrators review logs and set rules."""
        return self.role in (Role.MANAGER, Role.ADMIN)
