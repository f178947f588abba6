"""The organisers' accounts page: open an account, change its role, disable it, set a new password.
The rules (roles, password length, the last organiser, sessions ending) are auth's service functions."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, web
from contest.forms import Form


class AccountsController(Controller):
    path = "/admin/accounts"
    guards = [auth.requires("organiser")]
    include_in_schema = False

    @get("/")
    async def accounts_page(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("auth/accounts.html", context={"accounts": await auth.list_accounts(db),
                                                       "account_roles": auth.ACCOUNT_ROLES})

    @post("/")
    async def create_account(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        await auth.create_account(db, form.required("username", "用户名"), form.text("display_name"),
                                  form.required("role", "角色"), form.required("password", "初始密码"),
                                  web.actor(request))
        return web.see_other("/admin/accounts")

    @post("/{account_id:int}")
    async def change_account(self, request: Request, db: NamedDependency[AsyncSession],
                             account_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await auth.change_account(db, await auth.get_account(db, account_id), web.actor(request),
                                  role=form.required("role", "角色"), active=form.text("active") == "1")
        return web.see_other("/admin/accounts")

    @post("/{account_id:int}/password")
    async def set_password(self, request: Request, db: NamedDependency[AsyncSession],
                           account_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await auth.set_password(db, await auth.get_account(db, account_id), form.required("password", "新密码"),
                                web.actor(request))
        return web.see_other("/admin/accounts")


ROUTES = [AccountsController]
