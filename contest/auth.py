"""Accounts, roles, guards, password hashing, the sign-in throttle and the server-side sessions
that carry who is signed in.

Sessions live in PostgreSQL (table web_session), shared by every worker: the cookie holds a random
token, the table only its SHA-256, and a request costs one look-up by primary key. Ending a session
is deleting its row, so logout, a new password, a new role, a disabled account and a judge's
reissued access card end the sessions concerned at once — call the service functions below
(set_password, change_account, end_judge_sessions) rather than changing those columns by hand.
Anonymous visitors get no session and no session cookie.

Sign-in attempts are throttled in PostgreSQL too (table sign_in_guard), per claimed identity and
source address, per identity and per address (see LIMITS): an attempt is counted before its secret
is checked, in one statement, so a burst of guesses gets no more checks than the limit allows."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound, TooManyAttempts

ROLES = {
    "organiser": "组织方",
    "chief_judge": "裁判长",
    "judge": "裁判",
    "scorer": "录分员",
    "registry_reviewer": "工匠评审",
    "invigilator": "监考员",
    "marker": "阅卷员",
    "unit_admin": "基层工会",  # a unit's own account, opened from an invitation (contest/units)
    "county_admin": "县级工会",  # a county union's: the units of its county
}
ACCOUNT_ROLES = ("organiser", "registry_reviewer", "scorer", "invigilator", "marker")  # judges sign in by PIN
PUBLIC = {"exclude_from_auth": True}  # opt for routes anyone may open
# opt for responses that carry no form and nothing personal: no CSRF cookie is set on them
COOKIELESS = {**PUBLIC, "exclude_from_csrf": True}
# opt for the public pages proper (the same for every visitor): also cacheable by proxies (web.cache_policy)
PUBLIC_PAGE = {**COOKIELESS, "public_page": True}
# Each role's menu: only the pages its guards let it open; the first is where it lands after signing in.
MENUS = {
    "organiser": [("管理后台", "/admin"), ("理论考试", "/admin/exams/"), ("单位", "/admin/units"),
                  ("工匠评审", "/admin/registry/"), ("工作室管理", "/admin/studios/"),
                  ("创新成果", "/admin/innovations/"), ("基层工会", "/admin/unit-accounts"),
                  ("网上报名审核", "/admin/registrations"), ("劳动竞赛备案", "/admin/filings"),
                  ("覆盖面", "/admin/coverage"), ("纸质录入", "/scorer"), ("账号", "/admin/accounts")],
    "registry_reviewer": [("工匠评审", "/admin/registry/"), ("创新成果评审", "/review/innovations/")],
    "scorer": [("纸质录入", "/scorer")],
    "invigilator": [("监考", "/invigilate")],
    "marker": [("人工阅卷", "/marking")],
    "unit_admin": [("本单位", "/unit")],
    "county_admin": [("本县单位", "/unit")],
}


def home_of(role: str | None) -> str:
    """Where a role lands: the first page of its menu (roles without one: the public home page)."""
    menu = MENUS.get(role or "")
    return menu[0][1] if menu else "/"


T = TypeVar("T")

_hasher = PasswordHasher()  # argon2id with the library's current parameters


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=40)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser or tablet: who it is, until when. The cookie holds the token itself."""

    __tablename__ = "web_session"
    __table_args__ = (Index("web_session_subject", "kind", "subject_id"),)

    token_hash: str = Field(primary_key=True, max_length=64)  # SHA-256 of the cookie's token, hex
    kind: str = Field(max_length=10)  # "account", "judge" or "contestant"
    subject_id: int  # the account's or the judge's id, or the contestant's sitting of a theory test
    event_id: int | None = None
    name: str = Field(max_length=60)
    role: str = Field(max_length=20)
    device: str | None = Field(default=None, max_length=64)  # the device token of a theory test's sitting
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class SignInGuard(SQLModel, table=True):
    """Failed sign-ins of one identity from one address ('' = from anywhere), or of one address
    (who '*'), in the window that started at `since`; locked once they reach their limit."""

    __tablename__ = "sign_in_guard"

    who: str = Field(primary_key=True, max_length=120)  # "judge:CODE/J01", "account:name" or "*"
    address: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    since: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, as its session row says."""

    kind: str  # "account", "judge" or "contestant"
    id: int
    name: str
    role: str
    event_id: int | None = None  # a judge's session is limited to one event
    device: str | None = None  # a contestant's: the token of the one device answering the test


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def check_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether the secret matches; off the event loop (argon2 takes tens of milliseconds, and a
    worker must go on serving meanwhile). Without a hash the same time is spent, so that a missing
    account or judge is not told apart from a wrong secret by the time the answer takes."""
    if stored_hash is None:
        await asyncio.to_thread(hash_secret, secret)
        return False
    return await asyncio.to_thread(verify_secret, stored_hash, secret)


# --- the sign-in throttle ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    failures: int  # failed attempts within `window` that lock …
    window: timedelta  # … for this long (the count starts again after it)


LIMITS = {
    "pair": Limit(5, timedelta(minutes=15)),  # one identity from one address: a guesser, or one's own typos
    "who": Limit(20, timedelta(minutes=15)),  # one identity from any address: guessing from many places
    "address": Limit(60, timedelta(minutes=15)),  # one address, any identity: a whole hall's typos stay below
}

_ENSURE_GUARDS = text("""
    insert into sign_in_guard (who, address, failures, since)
    select who, address, 0, now() from unnest(cast(:whos as text[]), cast(:addresses as text[])) as w(who, address)
    on conflict do nothing""")
# Lock the rows in key order, refuse if any is locked, else count a failure in the rows that count
# (locking those that reach their limit) — one statement, so concurrent attempts queue on the row
# locks and each sees the count the one before left.
_COUNT = text("""
    with wanted(who, address, counts, max_failures, span) as (
        select who, address, counts, max_failures, make_interval(secs => seconds)
        from unnest(cast(:whos as text[]), cast(:addresses as text[]), cast(:counts as bool[]),
                    cast(:maxes as int[]), cast(:seconds as int[])) as w(who, address, counts, max_failures, seconds)),
    current as (
        select g.who, g.address, g.locked_until from sign_in_guard g join wanted w using (who, address)
        order by g.who, g.address for update of g),
    refusal as (select max(locked_until) as until from current where locked_until > now()),
    counted as (
        update sign_in_guard g set
            failures = case when g.since <= now() - w.span then 1 else g.failures + 1 end,
            since = case when g.since <= now() - w.span then now() else g.since end,
            locked_until = case when (case when g.since <= now() - w.span then 1 else g.failures + 1 end)
                                     >= w.max_failures then now() + w.span end
        from wanted w, refusal r
        where (g.who, g.address) = (w.who, w.address) and w.counts and r.until is null
        returning w.max_failures - g.failures as tries_left)
    select (select until from refusal) as until, (select min(tries_left) from counted) as tries_left""")
_SUCCEEDED = text("update sign_in_guard set failures = 0, locked_until = null "
                  "where who = :who and address in (:address, '')")
_LOCKED = text("select who, max(locked_until) from sign_in_guard where who = any(cast(:whos as text[])) "
               "and locked_until > now() group by who")


async def _count(session: AsyncSession, guards: dict[str, tuple[str, str]], counting: set[str]) -> int | None:
    """Refuse (TooManyAttempts) while any of the guards is locked; else count a failure in those
    named in `counting`, and say how many more failures the first of them to lock allows. Committed
    at once."""
    keys = {"whos": [w for w, _ in guards.values()], "addresses": [a for _, a in guards.values()]}
    connection = await session.connection()
    await connection.execute(_ENSURE_GUARDS, keys)
    until, tries_left = (await connection.execute(_COUNT, {
        **keys, "counts": [k in counting for k in guards], "maxes": [LIMITS[k].failures for k in guards],
        "seconds": [int(LIMITS[k].window.total_seconds()) for k in guards]})).one()
    await session.commit()
    if until is not None:
        raise TooManyAttempts(until)
    return tries_left


@dataclass(frozen=True)
class Attempt(Generic[T]):
    found: T | None  # who signed in; None when the attempt failed
    tries_left: int  # failures still allowed before this identity is paused here (or everywhere)


async def checked_sign_in(session: AsyncSession, who: str, address: str, secret: str,
                          lookup: Callable[[AsyncSession], Awaitable[tuple[str | None, T | None]]]) -> Attempt[T]:
    """A sign-in attempt of `who` from `address`: what `lookup` found (it gives the stored hash and
    the thing signing in) if the secret matches it, else None, and the tries left after a failure
    (the same for a made-up identity as for a real one); TooManyAttempts while throttled.

    The attempt counts as failed for the identity (from this address, and from anywhere) before its
    secret is checked, so that concurrent guesses are checked no more often than the limit allows;
    a success takes that back. The address's own count (all identities) grows only by failures, so
    a hall of judges signing in at once behind one router does not lock itself out."""
    guards = {"pair": (who, address), "who": (who, ""), "address": ("*", address)}
    tries_left = await _count(session, guards, {"pair", "who"})
    stored_hash, found = await lookup(session)
    await session.commit()  # no pooled connection held while argon2 takes its time
    matches = await check_secret(stored_hash, secret)  # the same time whether or not anything was found
    if found is None or not matches:
        with contextlib.suppress(TooManyAttempts):  # this failure may be the one that locks the address
            await _count(session, {"address": guards["address"]}, {"address"})
        return Attempt(None, tries_left)
    await session.exec(_SUCCEEDED, params={"who": who, "address": address})
    await session.commit()
    return Attempt(found, LIMITS["pair"].failures)


async def locked(session: AsyncSession, whos: list[str]) -> dict[str, datetime]:
    """The identities among these that are locked from some address or everywhere, and until when."""
    return dict((await session.exec(_LOCKED, params={"whos": whos})).all())


async def unlock(session: AsyncSession, who: str) -> None:
    """Forget the identity's failed attempts from every address (the caller commits)."""
    await session.exec(text("delete from sign_in_guard where who = :who"), params={"who": who})


def address_of(request: Request) -> str:
    """The source address (uvicorn takes it from X-Forwarded-For only from a proxy on this host)."""
    return (request.client.host if request.client else "")[:64] or "unknown"


# --- sessions ------------------------------------------------------------------------------------------

SESSION_COOKIE = "session"
SESSION_LIFETIME = timedelta(hours=12)
_IDENTITY = text("select kind, subject_id, name, role, event_id, device from web_session "
                 "where token_hash = :token and expires_at > now()")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def begin_session(session: AsyncSession, request: Request, identity: Identity) -> Cookie:
    """A new session for the identity, ending the one this browser had (a new token at every sign-in,
    so a token planted before it is worth nothing); the cookie to send."""
    token = secrets.token_urlsafe(32)
    if old := request.cookies.get(SESSION_COOKIE):
        await session.exec(text("delete from web_session where token_hash = :token"), params={"token": _digest(old)})
    await session.exec(text("delete from web_session where expires_at <= now()"))
    session.add(WebSession(token_hash=_digest(token), kind=identity.kind, subject_id=identity.id,
                           event_id=identity.event_id, name=identity.name[:60], role=identity.role,
                           device=identity.device,
                           expires_at=utcnow() + SESSION_LIFETIME))
    await session.commit()
    return _cookie(request, token, int(SESSION_LIFETIME.total_seconds()))


async def end_session(session: AsyncSession, request: Request) -> Cookie:
    """Sign this browser out: its session row goes, and the cookie is cleared."""
    if token := request.cookies.get(SESSION_COOKIE):
        await session.exec(text("delete from web_session where token_hash = :token"), params={"token": _digest(token)})
        await session.commit()
    return _cookie(request, "", 0)


def _cookie(request: Request, value: str, max_age: int) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=value, max_age=max_age, path="/", httponly=True, samesite="lax",
                  secure=request.app.state.settings.secure_cookies)


async def end_sessions(session: AsyncSession, kind: str, subject_ids: list[int]) -> None:
    """End every session of these accounts or judges, in the caller's transaction."""
    await session.exec(text("delete from web_session where kind = :kind and subject_id = any(cast(:ids as int[]))"),
                       params={"kind": kind, "ids": subject_ids})


async def end_judge_sessions(session: AsyncSession, judge_ids: list[int]) -> None:
    await end_sessions(session, "judge", judge_ids)


async def identity_of(connection: ASGIConnection) -> Identity | None:
    """Who the connection's session cookie names, if anyone: one look-up by primary key (also for
    a PUBLIC route that wants to know, such as a sign-in page)."""
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with connection.app.state.engine.connect() as db:
        row = (await db.execute(_IDENTITY, {"token": _digest(token)})).first()
    return Identity(*row) if row is not None else None


class SessionAuthentication(AbstractAuthenticationMiddleware):
    """Who the request comes from, by its session cookie. Routes with the PUBLIC opt are not looked
    up at all."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        identity = await identity_of(connection)
        if identity is None:
            raise NotAuthorizedException("请先登录")
        return AuthenticationResult(identity, connection.cookies.get(SESSION_COOKIE))


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


# --- accounts ------------------------------------------------------------------------------------------


async def authenticate(session: AsyncSession, username: str, password: str, address: str) -> Account | None:
    """The account if the password is right; throttled like every sign-in (TooManyAttempts)."""
    async def lookup(db: AsyncSession) -> tuple[str | None, Account | None]:
        account = (await db.exec(select(Account).where(Account.username == username))).first()
        return (account.password_hash, account) if account is not None and account.active else (None, None)

    return (await checked_sign_in(session, f"account:{username.lower()}"[:120], address, password, lookup)).found


async def create_account(session: AsyncSession, username: str, display_name: str, role: str,
                         password: str, actor: str = "cli") -> Account:
    username = username.strip()
    if not username or len(username) > 40:
        raise InputError("用户名不能为空，且不超过40个字符", "username")
    _check_role(role)
    _check_password(password)
    if (await session.exec(select(Account).where(Account.username == username))).first():
        raise InputError(f"用户名 {username} 已存在", "username")
    account = Account(username=username, display_name=display_name.strip()[:40] or username, role=role,
                      password_hash=hash_secret(password))
    session.add(account)
    await session.flush()
    await _record(session, actor, "account.create", account, {"role": role, "name": account.display_name})
    await session.commit()
    return account


async def set_password(session: AsyncSession, account: Account, password: str, actor: str = "cli") -> None:
    """A new password; every session of the account ends (also the one that changed it)."""
    _check_password(password)
    account.password_hash = await asyncio.to_thread(hash_secret, password)
    await _changed(session, account, actor, "account.password", {})


async def change_account(session: AsyncSession, account: Account, actor: str, *, role: str | None = None,
                         active: bool | None = None) -> Account:
    """An account's role or standing changed, ledgered (who may publish and correct results is part of
    what defends them); its open sessions end at once, so no page goes on with the old rights."""
    if role is not None:
        _check_role(role)
    changed = {k: [getattr(account, k), v] for k, v in (("role", role), ("active", active))
               if v is not None and getattr(account, k) != v}
    if changed and account.role == "organiser" and account.active and await _last_organiser(session, account):
        raise Conflict("这是最后一个启用的组织方账号，不能停用或改为其他角色：请先为另一人开设组织方账号")
    if changed:
        account.sqlmodel_update({k: new for k, (_, new) in changed.items()})
        await _changed(session, account, actor, "account.change", changed)
    return account


async def list_accounts(session: AsyncSession) -> Sequence[Account]:
    return (await session.exec(select(Account).order_by(Account.active.desc(), Account.role, Account.username))).all()


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id) if 0 < account_id < 2**31 else None
    if account is None:
        raise NotFound("账号")
    return account


async def _last_organiser(session: AsyncSession, account: Account) -> bool:
    others = await session.exec(select(Account.id).where(Account.role == "organiser", Account.active,
                                                         Account.id != account.id).limit(1))
    return others.first() is None


async def _changed(session: AsyncSession, account: Account, actor: str, action: str, payload: dict) -> None:
    session.add(account)
    await end_sessions(session, "account", [account.id])
    await _record(session, actor, action, account, payload)
    await session.commit()


async def _record(session: AsyncSession, actor: str, action: str, account: Account, payload: dict) -> None:
    await ledger.record(session, None, actor, action, f"account:{account.id}",
                        {"username": account.username, **payload})


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError(f"角色取值无效：{role}", "role")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InputError("密码至少8位", "password")
    if len(password) > 200:
        raise InputError("密码不超过200个字符", "password")


# --- sign-in pages ---------------------------------------------------------------------------------


@dataclass
class LoginForm:
    username: str
    password: str
    next: str = ""


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page. Empty:
    # the role's home page (home_of).
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else ""


@get("/login", opt=PUBLIC, include_in_schema=False)
async def login_page(next: FromQuery[str] = "") -> Template:
    return Template("auth/login.html", context={"next": _safe_next(next), "error": None})


@post("/login", opt=PUBLIC, include_in_schema=False, status_code=200)
async def login(request: Request, db: NamedDependency[AsyncSession], data: URLEncodedBody[LoginForm]) -> Response:
    """A page either way: the sign-in form again with what was typed, or the way on (an `Any` return
    would be served as JSON)."""
    context = {"next": _safe_next(data.next), "username": data.username[:40]}
    try:
        account = await authenticate(db, data.username.strip()[:40], data.password[:200], address_of(request))
    except TooManyAttempts as exc:
        return Template("auth/login.html", context={**context, "error": exc.message}, status_code=429,
                        headers=exc.headers)
    if account is None:
        return Template("auth/login.html", context={**context, "error": "用户名或密码错误"}, status_code=400)
    cookie = await begin_session(db, request, Identity("account", account.id, account.display_name, account.role))
    return Redirect(_safe_next(data.next) or home_of(account.role), status_code=303, cookies=[cookie])


@post("/logout", opt=PUBLIC, include_in_schema=False, status_code=303)
async def logout(request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
    return Redirect("/", status_code=303, cookies=[await end_session(db, request)])


ROUTES = [login_page, login, logout]
