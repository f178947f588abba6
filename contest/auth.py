"""Accounts, roles, guards, password hashing and the session that carries who is signed in."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.security.session_auth import SessionAuth
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.db import utcnow
from contest.errors import InputError

ROLES = {
    "organiser": "组织方",
    "chief_judge": "裁判长",
    "judge": "裁判",
    "scorer": "录分员",
    "registry_reviewer": "工匠评审",
    "invigilator": "监考员",
    "marker": "阅卷员",
}
PUBLIC = {"exclude_from_auth": True}  # opt for routes anyone may open
# Each role's menu: only the pages its guards let it open; the first is where it lands after signing in.
MENUS = {
    "organiser": [("管理后台", "/admin"), ("理论考试", "/admin/exams/"), ("单位", "/admin/units"),
                  ("工匠评审", "/admin/registry/"), ("工作室管理", "/admin/studios/"), ("纸质录入", "/scorer")],
    "registry_reviewer": [("工匠评审", "/admin/registry/")],
    "scorer": [("纸质录入", "/scorer")],
}


def home_of(role: str | None) -> str:
    """Where a role lands: the first page of its menu (roles without one: the public home page)."""
    menu = MENUS.get(role or "")
    return menu[0][1] if menu else "/"

_hasher = PasswordHasher()  # argon2id with the library's current parameters


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=40)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, as kept in the session cookie."""

    kind: str  # "account" or "judge"
    id: int
    name: str
    role: str
    event_id: int | None = None  # a judge's session is limited to one event


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, username: str, password: str) -> Account | None:
    account = (await session.exec(select(Account).where(Account.username == username))).first()
    if account is None or not account.active:
        hash_secret(password)  # spend the same time, so a wrong name is not told apart
        return None
    return account if verify_secret(account.password_hash, password) else None


def session_identity(identity: Identity) -> dict[str, Any]:
    """What the (encrypted, signed) session cookie keeps of a signed-in identity."""
    return {"who": asdict(identity)}


def make_session_auth(secret_key: str, secure: bool, maker: async_sessionmaker[AsyncSession]) -> SessionAuth:
    async def retrieve(session_data: dict[str, Any], connection: ASGIConnection) -> Identity | None:
        who = session_data.get("who")
        if not who:
            return None
        identity = Identity(**who)
        if identity.kind == "account":  # a deactivated account loses its open sessions at once
            async with maker() as session:
                account = await session.get(Account, identity.id)
            if account is None or not account.active or account.role != identity.role:
                return None
        return identity

    return SessionAuth[Identity, Any](
        retrieve_user_handler=retrieve,
        session_backend_config=CookieBackendConfig(
            secret=hashlib.sha256(secret_key.encode()).digest(),
            httponly=True,
            samesite="lax",
            secure=secure,
            max_age=12 * 3600,
        ),
    )


def requires(*roles: str):
    """A guard admitting signed-in identities with one of the roles."""

    # async: Litestar would run a plain function in a worker thread, for every request
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Identity):
            raise NotAuthorizedException("请先登录")
        if user.role not in roles:
            raise PermissionDeniedException("您的账号没有权限进行此操作")

    return guard


# --- sign-in pages ---------------------------------------------------------------------------------


@dataclass
class LoginForm:
    username: str
    password: str
    next: str = ""


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page. Empty:
    # the role's home page (home_of).
    return target if target.startswith("/") and not target.startswith("//") else ""


@get("/login", opt=PUBLIC, include_in_schema=False)
async def login_page(next: FromQuery[str] = "") -> Template:
    return Template("auth/login.html", context={"next": _safe_next(next), "error": None})


@post("/login", opt=PUBLIC, include_in_schema=False, status_code=200)
async def login(request: Request, db: NamedDependency[AsyncSession], data: URLEncodedBody[LoginForm]) -> Response:
    """A page either way: the sign-in form again with what was typed, or the way on (an `Any` return
    would be served as JSON)."""
    account = await authenticate(db, data.username.strip(), data.password)
    if account is None:
        context = {"next": _safe_next(data.next), "error": "用户名或密码错误", "username": data.username}
        return Template("auth/login.html", context=context, status_code=400)
    request.set_session(session_identity(Identity("account", account.id, account.display_name, account.role)))
    return Redirect(_safe_next(data.next) or home_of(account.role), status_code=303)


@post("/logout", opt=PUBLIC, include_in_schema=False, status_code=303)
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/", status_code=303)


ROUTES = [login_page, login, logout]


async def create_account(session: AsyncSession, username: str, display_name: str, role: str,
                         password: str, actor: str = "cli") -> Account:
    username = username.strip()
    if not username or len(username) > 40:
        raise InputError("用户名不能为空，且不超过40个字符", "username")
    if role not in ROLES:
        raise InputError(f"角色取值无效：{role}", "role")
    if len(password) < 8:
        raise InputError("密码至少8位", "password")
    if (await session.exec(select(Account).where(Account.username == username))).first():
        raise InputError(f"用户名 {username} 已存在", "username")
    account = Account(username=username, display_name=display_name.strip()[:40] or username, role=role,
                      password_hash=hash_secret(password))
    session.add(account)
    await session.flush()
    await _record(session, actor, "account.create", account, {"role": role, "name": account.display_name})
    await session.commit()
    return account


async def change_account(session: AsyncSession, account: Account, actor: str, *, role: str | None = None,
                         active: bool | None = None) -> Account:
    """An account's role or standing changed (its open sessions end at once: see retrieve), ledgered:
    who may publish and correct results is part of what defends them."""
    if role is not None and role not in ROLES:
        raise InputError(f"角色取值无效：{role}", "role")
    changed = {k: [getattr(account, k), v] for k, v in (("role", role), ("active", active))
               if v is not None and getattr(account, k) != v}
    if changed:
        account.sqlmodel_update({k: new for k, (_, new) in changed.items()})
        session.add(account)
        await _record(session, actor, "account.change", account, changed)
        await session.commit()
    return account


async def _record(session: AsyncSession, actor: str, action: str, account: Account, payload: dict) -> None:
    await ledger.record(session, None, actor, action, f"account:{account.id}", {"username": account.username,
                                                                               **payload})
