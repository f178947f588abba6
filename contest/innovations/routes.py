"""Innovation results: the office's pages (a clerk enters what a unit sent, assigns experts,
finishes the review, awards), the experts' review pages, attachment downloads for those allowed,
and the public gallery with its fragments for the studio's and the craftsman's pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth, web
from contest.auth import COOKIELESS, PUBLIC, PUBLIC_PAGE, Account
from contest.errors import NotFound
from contest.forms import Form
from contest.innovations import service as svc
from contest.innovations.models import AWARDS, KINDS, STATES, SUBMITTERS
from contest.people import service as people
from contest.registry import service as registry
from contest.studios.models import Studio


def labels() -> dict[str, Any]:
    return {"KINDS": KINDS, "AWARDS": AWARDS, "STATES": STATES, "SUBMITTERS": SUBMITTERS,
            "CRITERIA": svc.CRITERIA, "FILE_LIMIT_MB": svc.FILE_LIMIT // 1_000_000, "MAX_FILES": svc.MAX_FILES}


def _store(request: Request) -> Path:
    return request.app.state.settings.attachments_dir


async def _choices(db: AsyncSession) -> dict[str, Any]:
    return {"units": await people.list_units(db),
            "studios": (await db.exec(select(Studio).order_by(Studio.name))).all()}


async def submission_from(db: AsyncSession, form: Form, own_unit_id: int | None = None
                          ) -> tuple[svc.Submission, list[svc.Upload]]:
    """The submission form (templates/innovations/_submit_form.html), whoever fills it in: the
    members typed one per line, the lead first, each found as the office's person picker finds them
    (for a unit's own account, `own_unit_id`: among its own people only)."""
    unit_id = own_unit_id or form.int("unit_id", "申报单位")
    lines = [line for line in form.text("authors").splitlines() if line.strip()]
    author_ids = [(await people.find_person(db, line, unit_id, field_name="authors",
                                            only_that_unit=own_unit_id is not None)).id for line in lines[:30]]
    data = svc.Submission(title=form.text("title"), kind=form.text("kind"), year=form.int("year", "年度"),
                          description=form.text("description"), submitter=form.text("submitter"),
                          author_ids=author_ids, studio_id=form.int("studio_id", "工作室"), unit_id=unit_id)
    uploads = [svc.Upload(u.filename, await u.read()) for u in form.uploads("files")]
    return data, uploads


class InnovationsOffice(Controller):
    path = "/admin/innovations"
    guards = [auth.requires("organiser")]
    include_in_schema = False

    @get("/")
    async def results_page(self, db: NamedDependency[AsyncSession]) -> Template:
        return Template("innovations/admin_list.html", context={
            "results": await svc.list_results(db), **await _choices(db), **labels()})

    @post("/", request_max_body_size=web.UPLOAD_LIMIT)
    async def submit(self, request: Request, db: NamedDependency[AsyncSession]) -> Redirect:
        data, uploads = await submission_from(db, await Form.read(request))
        result = await svc.submit(db, data, web.actor(request), uploads, _store(request),
                                  owner_account_id=request.user.id)
        return web.see_other(f"/admin/innovations/{result.id}")

    @get("/{result_id:int}")
    async def result_page(self, db: NamedDependency[AsyncSession], result_id: FromPath[int]) -> Template:
        result = await svc.get_result(db, result_id)
        reviewers = (await db.exec(select(Account).where(Account.role == "registry_reviewer", Account.active)
                                   .order_by(Account.display_name))).all()
        return Template("innovations/admin_result.html", context={
            "result": result, "authors": await svc.authors(db, result.id), "files": await svc.files(db, result.id),
            "experts": await svc.experts(db, result.id), "reviewers": reviewers, **await _choices(db), **labels()})

    @post("/{result_id:int}/experts")
    async def assign_expert(self, request: Request, db: NamedDependency[AsyncSession],
                            result_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.assign_expert(db, await svc.get_result(db, result_id),
                                form.int("account_id", "评审专家", required=True), form.int("unit_id", "专家所在单位"),
                                form.int("studio_id", "专家所在工作室"), web.actor(request))
        return web.see_other(f"/admin/innovations/{result_id}#experts")

    @post("/{result_id:int}/finish-review")
    async def finish_review(self, request: Request, db: NamedDependency[AsyncSession],
                            result_id: FromPath[int]) -> Redirect:
        await svc.finish_review(db, await svc.get_result(db, result_id), web.actor(request))
        return web.see_other(f"/admin/innovations/{result_id}#award")

    @post("/{result_id:int}/award")
    async def award(self, request: Request, db: NamedDependency[AsyncSession], result_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.award(db, await svc.get_result(db, result_id), form.text("award"), web.actor(request))
        return web.see_other(f"/admin/innovations/{result_id}#award")

    @post("/files/{file_id:int}/public")
    async def set_public(self, request: Request, db: NamedDependency[AsyncSession], file_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        found = await svc.set_public(db, file_id, form.flag("public"), web.actor(request))
        return web.see_other(f"/admin/innovations/{found.result_id}#files")


class InnovationReviews(Controller):
    """An expert's list of the results assigned to them and the review sheet of each."""

    path = "/review/innovations"
    guards = [auth.requires("registry_reviewer")]
    include_in_schema = False

    @get("/")
    async def assigned(self, request: Request, db: NamedDependency[AsyncSession]) -> Template:
        return Template("innovations/review_list.html", context={
            "results": await svc.assigned_to(db, request.user.id), **labels()})

    @get("/{result_id:int}")
    async def sheet(self, request: Request, db: NamedDependency[AsyncSession], result_id: FromPath[int]) -> Template:
        result = await svc.get_result(db, result_id)
        if not await svc.may_download(db, request.user, result):
            raise NotFound("您不是这项成果的评审专家")
        mine = next((e for e in await svc.experts(db, result.id) if e.account_id == request.user.id), None)
        return Template("innovations/review_sheet.html", context={
            "result": result, "authors": await svc.authors(db, result.id), "files": await svc.files(db, result.id),
            "mine": mine, **labels()})

    @post("/{result_id:int}")
    async def review(self, request: Request, db: NamedDependency[AsyncSession], result_id: FromPath[int]) -> Redirect:
        form = await Form.read(request)
        await svc.record_review(db, await svc.get_result(db, result_id), request.user,
                                {k: form.text(k) for k, _, _ in svc.CRITERIA}, form.text("opinion"))
        return web.see_other("/review/innovations/")


def _file(found, body: bytes, inline: bool) -> Response[bytes]:
    if inline:
        return Response(body, media_type=found.media_type, headers={"Cache-Control": "private, no-store"})
    return web.download(body, found.name, found.media_type)


@get("/innovations/files/{file_id:int}", opt=PUBLIC, include_in_schema=False)
async def attachment(request: Request, db: NamedDependency[AsyncSession], file_id: FromPath[int]) -> Response[bytes]:
    """Only for the organiser, the assigned experts and the submitting account; a 404 for anyone else."""
    found, body = await svc.attachment(db, await auth.identity_of(request), file_id, _store(request))
    response = _file(found, body, inline=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@get("/innovations", opt=PUBLIC_PAGE, include_in_schema=False)
async def gallery(db: NamedDependency[AsyncSession], year: FromQuery[str | None] = None,
                  kind: FromQuery[str | None] = None) -> Template:
    chosen = web.query_id(year, "year", "年度")
    return Template("innovations/gallery.html", context={
        "results": await svc.gallery(db, year=chosen, kind=kind), "years": await svc.gallery_years(db),
        "year": chosen, "kind": kind if kind in KINDS else None, **labels()})


@get("/innovations/{result_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def shown(db: NamedDependency[AsyncSession], result_id: FromPath[int]) -> Template:
    item = await svc.public_result(db, result_id)
    return Template("innovations/shown.html", context={
        "item": item, "profiles": await registry.craftsman_ids(db, list(item.person_ids)), **labels()})


@get("/innovations/{result_id:int}/images/{file_id:int}", opt=COOKIELESS, include_in_schema=False)
async def image(request: Request, db: NamedDependency[AsyncSession], result_id: FromPath[int],
                file_id: FromPath[int]) -> Response[bytes]:
    found, body = await svc.public_image(db, result_id, file_id, _store(request))
    return Response(body, media_type=found.media_type, headers={"Cache-Control": "public, max-age=3600"})


@get("/innovations/studios/{studio_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def studio_results(db: NamedDependency[AsyncSession], studio_id: FromPath[int]) -> Template:
    """A fragment for the studio's page: its awarded results and its count by year."""
    return Template("innovations/_studio_results.html", context={
        "results": await svc.gallery(db, studio_id=studio_id), "counts": await svc.studio_counts(db, studio_id),
        **labels()})


@get("/innovations/people/{person_id:int}", opt=PUBLIC_PAGE, include_in_schema=False)
async def person_results(db: NamedDependency[AsyncSession], person_id: FromPath[int]) -> Template:
    """A fragment for the craftsman's profile: the awarded results they are credited with."""
    return Template("innovations/_results.html", context={
        "results": await svc.gallery(db, person_id=person_id), **labels()})


ROUTES = [InnovationsOffice, InnovationReviews, attachment, gallery, shown, image, studio_results, person_results]
