"""Who is acting: a user's roles and groups, loaded once per request and checked by the use cases."""
from __future__ import annotations

from dataclasses import dataclass

# `cleared`: may read secret correspondence (given to auditors who hold a clearance).
ROLES = ("staff", "supervisor", "process_owner", "auditor", "admin", "cleared")


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str]
    groups: frozenset[str]
    supervised_groups: frozenset[str]
    display_name: str = ""
    language: str = "th"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_auditor(self) -> bool:
        return "auditor" in self.roles

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles or bool(self.supervised_groups)

    def has_role(self, role: str) -> bool:
        return role == "staff" or role in self.roles or self.is_admin

    def in_group(self, group_code: str | None) -> bool:
        return group_code is not None and group_code in self.groups

    def supervises(self, group_code: str | None) -> bool:
        """Directors of the group, supervisors who belong to it, and administrators."""
        if self.is_admin:
            return True
        if group_code is None:
            return "supervisor" in self.roles
        return group_code in self.supervised_groups or ("supervisor" in self.roles and group_code in self.groups)


SYSTEM = Actor(username="system", roles=frozenset({"admin"}), groups=frozenset(), supervised_groups=frozenset(),
               display_name="ระบบ")
