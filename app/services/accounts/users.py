"""Accounts, groups, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.kernel import access
from app.services.kernel.actors import ROLES, Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Invalid, NotFound, Unauthenticated
from app.store.models import ApiToken, Group, Membership, User, UserRole

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Passwords people pick first; refused whatever their length (compared without case).
COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1234512345", "9876543210",
    "qwertyuiop", "password12", "password123", "password1234", "passw0rd123", "iloveyou12", "abc1234567",
    "qwerty1234", "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "aaaaaaaaaa", "abcdefghij", "administrator",
    "admin12345", "welcome123", "letmein123", "changeme123", "planflow123", "planflow1234", "sunshine12",
    "football12", "princess12", "dragon1234", "monkey1234", "superman12", "khonkaen123", "thailand123",
})


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash and check passwords with `hasher` from now on (tests and benchmarks choose a cheap one)."""
    global _hasher
    _hasher = hasher


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, or None: at least MIN_PASSWORD_LENGTH characters, not the
    username (nor containing it), not a common password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
    lowered, name = password.lower(), (username or "").strip().lower()
    if name and (lowered == name or name in lowered and len(name) >= len(lowered) - 3):
        return "the password must not be the username"
    if lowered in COMMON_PASSWORDS:
        return "the password is too common; choose another"
    return None


def actor_of(user: User) -> Actor:
    """The actor a user row stands for (roles, groups, the groups they direct)."""
    return Actor(
        username=user.username,
        roles=frozenset(r.role for r in user.roles),
        groups=frozenset(m.group.code for m in user.memberships),
        supervised_groups=frozenset(m.group.code for m in user.memberships if m.role == "supervisor"),
        display_name=user.display_name or user.username,
        language=user.language,
    )


def ensure_group(session: Session, code: str, name: str | None = None, name_en: str | None = None,
                 kind: str = "lane") -> Group:
    """The group with this code, created if missing."""
    group = session.scalar(select(Group).where(Group.code == code))
    if group is None:
        group = Group(code=code, name=name or code, name_en=name_en, kind=kind)
        session.add(group)
        session.flush()
    elif name and group.name == group.code:
        group.name, group.name_en = name, name_en or group.name_en
    return group


def create_user(ctx: ServiceContext, username: str, password: str | None, groups: list[str] = (),
                roles: list[str] = (), display_name: str = "", email: str | None = None,
                supervises: list[str] = ()) -> Actor:
    """Create an account in `groups` (directing those in `supervises`) with global `roles`."""
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("a username of 1 to 80 characters is required", {"username": ["required"]})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid(f"unknown roles: {', '.join(unknown)}", {"roles": [f"choose from {', '.join(ROLES)}"]})
    problem = password_problem(password, username) if password is not None else None
    if problem:
        raise Invalid(problem, {"password": [problem]})
    with ctx.write() as session:
        if session.scalar(select(User).where(User.username == username)):
            raise Conflict(f"user {username} already exists")
        user = User(username=username, display_name=display_name or username, email=email,
                    password_hash=_hasher.hash(password) if password else None, created_at=ctx.now())
        session.add(user)
        session.flush()
        for role in dict.fromkeys(r for r in roles if r != "staff"):
            session.add(UserRole(user_id=user.id, role=role))
        for code in dict.fromkeys([*groups, *supervises]):
            group = ensure_group(session, code)
            role = "supervisor" if code in supervises else "member"
            session.add(Membership(user_id=user.id, group_id=group.id, role=role))
        session.flush()
        session.refresh(user)
        return actor_of(user)


def authenticate(ctx: ServiceContext, username: str, password: str) -> Actor:
    """The actor for a username and password, or Unauthenticated (same answer for either mistake)."""
    with ctx.read() as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None or not user.password_hash:
            _hasher.hash(password)  # same cost whether or not the user exists
            raise Unauthenticated("wrong username or password")
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise Unauthenticated("wrong username or password") from None
        return actor_of(user)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(ctx: ServiceContext, username: str, name: str = "") -> str:
    """A new API token for the user; only its digest is stored, so this is the one time it is shown."""
    return issue_token(ctx, username, name)["token"]


def issue_token(ctx: ServiceContext, username: str, name: str = "") -> dict:
    """A new token with its id, name and date; the token text is in the answer this once only."""
    token = "pf_" + secrets.token_urlsafe(32)
    with ctx.write() as session:
        user = _user_named(session, username)
        row = ApiToken(user_id=user.id, token_sha256=_token_digest(token), name=(name or "")[:100],
                       created_at=ctx.now())
        session.add(row)
        session.flush()
        return {**_token_dict(row), "token": token}


def change_password(ctx: ServiceContext, username: str, current: str, new: str) -> None:
    """Replace the user's password after checking the current one; the new one follows the rules."""
    authenticate(ctx, username, current)
    problem = password_problem(new, username)
    if problem:
        raise Invalid(problem, {"new_password": [problem]})
    with ctx.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        user.password_hash = _hasher.hash(new)


def _token_dict(row: ApiToken) -> dict:
    return {"id": row.id, "name": row.name, "created_at": row.created_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


def _user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def list_tokens(ctx: ServiceContext, username: str) -> list[dict]:
    """The user's API tokens (names and dates; never the token itself), newest first."""
    with ctx.read() as session:
        user = _user_named(session, username)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
        return [_token_dict(r) for r in rows]


# Administrators manage anyone's tokens (a lost laptop, someone who left); everyone else only their own,
# which the routes for one's own tokens name by the actor.
OTHERS_TOKENS = "manage other people's tokens and see sign-ins"


def tokens_of(ctx: ServiceContext, actor: Actor, username: str) -> list[dict]:
    """Another user's API tokens, for administrators."""
    access.require_admin(actor, OTHERS_TOKENS)
    return list_tokens(ctx, username)


def revoke_token_of(ctx: ServiceContext, actor: Actor, username: str, token_id: int) -> dict:
    """Revoke another user's token, for administrators."""
    access.require_admin(actor, OTHERS_TOKENS)
    return revoke_token(ctx, username, token_id)


def revoke_token(ctx: ServiceContext, username: str, token_id: int) -> dict:
    """Revoke one of the user's tokens (already revoked: unchanged); NotFound for another user's token."""
    with ctx.write() as session:
        user = _user_named(session, username)
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != user.id:
            raise NotFound(f"no token {token_id} of {username}")
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
        result = _token_dict(row)
    ctx.tokens.clear()  # after the commit: a request in between reads it unrevoked and may keep it again
    return result


def _actor_query(*conditions):
    """The user's name, language, roles and memberships in one statement (asked on every request).

    Plain rows instead of the ORM's objects and their collections: one round trip instead of three, and
    no identity map to build. The rows are the user's roles times their memberships (a handful), with
    the outer joins giving NULLs when either list is empty."""
    return (select(User.username, User.display_name, User.language, UserRole.role, Group.code, Membership.role)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Group, Group.id == Membership.group_id)
            .where(User.active.is_(True), *conditions))


def _actor_from_rows(rows) -> Actor | None:
    if not rows:
        return None
    username, display_name, language = rows[0][:3]
    return Actor(
        username=username,
        roles=frozenset(row[3] for row in rows if row[3] is not None),
        groups=frozenset(row[4] for row in rows if row[4] is not None),
        supervised_groups=frozenset(row[4] for row in rows if row[4] is not None and row[5] == "supervisor"),
        display_name=display_name or username,
        language=language,
    )


def actor_for_token(ctx: ServiceContext, token: str) -> Actor:
    """The actor of a script's bearer token; kept by this worker for a few seconds (see kernel.token_cache)."""
    digest = _token_digest(token)
    actor = ctx.tokens.get(digest)
    if actor is not None:
        return actor
    with ctx.read() as session:
        actor = _actor_from_rows(session.execute(_actor_query(
            User.id == select(ApiToken.user_id).where(ApiToken.token_sha256 == digest,
                                                      ApiToken.revoked_at.is_(None)).scalar_subquery())).all())
    if actor is None:
        raise Unauthenticated("the token is not valid")
    ctx.tokens.put(digest, actor)
    return actor


def actor_for_username(ctx: ServiceContext, username: str) -> Actor:
    """The actor of a signed-in browser session."""
    with ctx.read() as session:
        actor = _actor_from_rows(session.execute(_actor_query(User.username == username)).all())
        if actor is None:
            raise Unauthenticated("no such user")
        return actor


def list_groups(ctx: ServiceContext) -> list[dict]:
    """Every group with its members' usernames."""
    with ctx.read() as session:
        groups = session.scalars(select(Group).order_by(Group.code)).all()
        return [{"code": g.code, "name": g.name, "name_en": g.name_en, "kind": g.kind,
                 "members": sorted(m.user.username for m in g.members)} for g in groups]


LANGUAGES = ("th", "en")


def set_language(ctx: ServiceContext, actor: Actor, language: str) -> None:
    """The language the user's pages are shown in (Thai unless they choose English)."""
    if language not in LANGUAGES:
        raise Invalid("language must be th or en", {"language": ["th, en"]})
    with ctx.write() as session:
        user = session.scalar(select(User).where(User.username == actor.username))
        if user is None:
            raise NotFound(f"no user {actor.username}")
        user.language = language
    ctx.tokens.clear()  # the user's scripts' actors carry the language

