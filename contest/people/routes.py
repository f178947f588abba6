"""Organiser pages for units (employers and grassroots unions)."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import web
from contest.auth import requires
from contest.forms import Form
from contest.people import service as svc


class UnitsController(Controller):
    path = "/admin/units"
    guards = [requires("organiser")]
    include_in_schema = False

    @get("/")
    async def units_page(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("people/units.html", context={
            "units": await svc.list_units(db), "areas": (await svc.areas_by_name(db)).values(),
            "industries": await svc.list_industries(db)})

    @post("/")
    async def create_unit(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        form = await Form.read(request)
        await svc.create_unit(db, svc.UnitInput(
            name=form.required("name", "单位名称"), area_id=form.int("area_id", "县(市、区)"),
            industry_id=form.int("industry_id", "行业"), ownership=form.text("ownership") or None,
            size=form.text("size") or None, kind=form.text("kind", "employer")))
        return web.see_other("/admin/units")


ROUTES = [UnitsController]
