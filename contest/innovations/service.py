"""Innovation results: submitted for a worker, a team or a studio (by whoever acts — the office
today, a unit's account later), their attachments stored by checksum and served only to those
allowed, reviewed by assigned experts through the scoring engine (the registry's way: the engine's
validator, an opinion each, the engine's total), awarded on the ledger and shown in the gallery."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import ledger, scoring
from contest.auth import Account, Identity
from contest.db import utcnow
from contest.errors import Conflict, InputError, NotFound
from contest.innovations.models import (
    AWARDS,
    KINDS,
    SUBMITTERS,
    InnovationAuthor,
    InnovationExpert,
    InnovationFile,
    InnovationMark,
    InnovationOpinion,
    InnovationResult,
)
from contest.judging import service as judging
from contest.leaderboards import public
from contest.people.models import Person, Unit
from contest.studios.models import Studio, StudioMember

FILE_LIMIT = 8_000_000  # bytes of one attachment (a scanned 20-page PDF or a phone photo is well under)
MAX_FILES = 6
# What an attachment may be, told by its first bytes (a renamed .exe stays refused).
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
CRITERIA = (("novelty", "创新性", 30), ("benefit", "实用性与效益", 40), ("spread", "推广价值", 30))


def review_scheme() -> dict:
    """创新性 30, 实用性与效益 40, 推广价值 30; at least three experts, each criterion's marks
    averaged without its highest and lowest (the engine's trimmed mean); each expert writes an opinion."""
    return {"scheme": 1, "name": "职工创新成果评审标准", "rounding": {"places": 2, "mode": "half_up"},
            "stages": [{"key": "review", "name": "专家评审", "weight": 1, "opinion": "required",
                        "panel": {"aggregate": "trimmed_mean", "trim": 1, "min_judges": 3},
                        "criteria": [{"key": k, "name": n, "max": m, "kind": "judgement", "step": "0.5"}
                                     for k, n, m in CRITERIA]}]}


def _stage() -> scoring.Stage:
    return scoring.parse_scheme(review_scheme()).stages[0]


# --- submission -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    name: str
    body: bytes


@dataclass
class Submission:
    title: str
    kind: str
    year: int | None
    description: str
    submitter: str  # worker, team or studio
    author_ids: list[int]  # the persons credited, the lead first (a studio's may be empty)
    studio_id: int | None = None
    unit_id: int | None = None  # the unit it is submitted for (a unit's account will pass its own)


def media_type(upload: Upload) -> str:
    """The attachment's type by its content, or a refusal naming the file."""
    for magic, kind in SIGNATURES:
        if upload.body.startswith(magic):
            return kind
    raise InputError(f"附件“{upload.name}”不是 PDF、JPG 或 PNG 文件（按文件内容判断，与扩展名无关）", "files")


def check_uploads(uploads: Sequence[Upload]) -> list[str]:
    if len(uploads) > MAX_FILES:
        raise InputError(f"附件最多 {MAX_FILES} 个，收到 {len(uploads)} 个", "files")
    for upload in uploads:
        if len(upload.body) > FILE_LIMIT:
            raise InputError(f"附件“{upload.name}”有 {len(upload.body) / 1_000_000:.1f} MB，"
                             f"超过每个附件 {FILE_LIMIT // 1_000_000} MB 的上限", "files")
        if not upload.body:
            raise InputError(f"附件“{upload.name}”是空文件", "files")
    return [media_type(u) for u in uploads]


async def _check_submission(session: AsyncSession, data: Submission) -> None:
    if not data.title.strip():
        raise InputError("请填写成果名称", "title")
    if len(data.title) > 120:
        raise InputError("成果名称最多120字", "title")
    if data.kind not in KINDS:
        raise InputError("请选择成果类别", "kind")
    if data.submitter not in SUBMITTERS:
        raise InputError("请选择申报主体（个人、团队或工作室）", "submitter")
    if data.year is None or not 2000 <= data.year <= utcnow().year + 1:
        raise InputError("年度应为 2000 年至明年之间的年份", "year")
    if len(data.description) > 4000:
        raise InputError("成果简介最多4000字", "description")
    if len(set(data.author_ids)) != len(data.author_ids):
        raise InputError("同一人不能重复列为完成人", "authors")
    if data.submitter == "worker" and len(data.author_ids) != 1:
        raise InputError("个人申报须填写一名完成人", "authors")
    if data.submitter == "team" and len(data.author_ids) < 2:
        raise InputError("团队申报须填写至少两名成员，第一位为负责人", "authors")
    if data.submitter == "studio" and data.studio_id is None:
        raise InputError("工作室申报须选择工作室", "studio_id")
    if data.studio_id is not None and await session.get(Studio, data.studio_id) is None:
        raise InputError("所选工作室不存在", "studio_id")
    if data.unit_id is not None and await session.get(Unit, data.unit_id) is None:
        raise InputError("所选单位不存在", "unit_id")


def _store(folder: Path, body: bytes) -> str:
    """The bytes under their SHA-256 name (written whole, then renamed: never a half file)."""
    digest = hashlib.sha256(body).hexdigest()
    path = folder / digest
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{digest}.partial"
        partial.write_bytes(body)
        os.replace(partial, path)
    return digest


async def submit(session: AsyncSession, data: Submission, actor: str, uploads: Sequence[Upload] = (),
                 store: Path | None = None, *, owner_account_id: int | None = None) -> InnovationResult:
    """A result, its authors and attachments, ledgered; anything wrong changes nothing."""
    await _check_submission(session, data)
    kinds = check_uploads(uploads)
    if uploads and store is None:
        raise ValueError("attachments need the data folder's attachments store")
    unit_id = data.unit_id
    if unit_id is None and data.author_ids:
        lead = await session.get(Person, data.author_ids[0])
        unit_id = lead.unit_id if lead else None
    result = InnovationResult(title=data.title.strip(), kind=data.kind, year=data.year,
                              description=data.description.strip(), submitter=data.submitter,
                              studio_id=data.studio_id, unit_id=unit_id, owner_account_id=owner_account_id,
                              submitted_at=utcnow())
    session.add(result)
    await session.flush()
    for position, person_id in enumerate(data.author_ids):
        session.add(InnovationAuthor(result_id=result.id, person_id=person_id, position=position))
    for upload, kind in zip(uploads, kinds, strict=True):
        session.add(InnovationFile(result_id=result.id, name=upload.name[-120:] or "附件", media_type=kind,
                                   size=len(upload.body), sha256=_store(store, upload.body)))
    await ledger.record(session, None, actor[:80], "innovation.submit", f"innovation:{result.id}",
                        {"title": result.title, "kind": result.kind, "year": result.year,
                                 "authors": data.author_ids, "studio_id": data.studio_id,
                                 "files": [hashlib.sha256(u.body).hexdigest() for u in uploads]})
    await session.commit()
    return result


async def get_result(session: AsyncSession, result_id: int) -> InnovationResult:
    result = await session.get(InnovationResult, result_id)
    if result is None:
        raise NotFound("创新成果不存在")
    return result


async def authors(session: AsyncSession, result_id: int) -> Sequence[tuple[InnovationAuthor, Person]]:
    return (await session.exec(select(InnovationAuthor, Person).join(Person, Person.id == InnovationAuthor.person_id)
                               .where(InnovationAuthor.result_id == result_id)
                               .order_by(InnovationAuthor.position))).all()


async def files(session: AsyncSession, result_id: int) -> Sequence[InnovationFile]:
    return (await files_by_result(session, [result_id]))[result_id]


async def files_by_result(session: AsyncSession, result_ids: Sequence[int]) -> dict[int, list[InnovationFile]]:
    """The files of many results in one query: result id -> its files (none: an empty list)."""
    found: dict[int, list[InnovationFile]] = {result_id: [] for result_id in result_ids}
    for file in (await session.exec(select(InnovationFile).where(InnovationFile.result_id.in_(result_ids))
                                    .order_by(InnovationFile.id))).all():
        found[file.result_id].append(file)
    return found


# --- who may download -------------------------------------------------------------------------------------

async def may_download(session: AsyncSession, user: Identity | None, result: InnovationResult) -> bool:
    """The organiser, the experts assigned to the result, and the account that submitted it."""
    if not isinstance(user, Identity) or user.kind != "account":
        return False
    if user.role == "organiser" or user.id == result.owner_account_id:
        return True
    if user.role != "registry_reviewer":
        return False
    return await _assignment(session, result.id, user.id) is not None


async def attachment(session: AsyncSession, user: Identity | None, file_id: int,
                     store: Path) -> tuple[InnovationFile, bytes]:
    """An attachment's bytes for someone allowed, checked against its checksum; anyone else is told
    it does not exist (a 404 says nothing about what is there)."""
    found = await session.get(InnovationFile, file_id)
    if found is None or not await may_download(session, user, await get_result(session, found.result_id)):
        raise NotFound("附件不存在或无权查看")
    return found, _read(store, found)


def _read(store: Path, found: InnovationFile) -> bytes:
    try:
        body = (store / found.sha256).read_bytes()
    except FileNotFoundError:
        raise Conflict(f"附件“{found.name}”的文件不在数据目录中，请从备份恢复") from None
    if hashlib.sha256(body).hexdigest() != found.sha256:
        raise Conflict(f"附件“{found.name}”校验不符（文件已损坏），请从备份恢复")
    return body


async def public_image(session: AsyncSession, result_id: int, file_id: int,
                       store: Path) -> tuple[InnovationFile, bytes]:
    """An image the organiser marked public, of an awarded result: the gallery shows it."""
    found = await session.get(InnovationFile, file_id)
    result = await session.get(InnovationResult, result_id)
    if (found is None or result is None or found.result_id != result_id or not found.public
            or result.state != "awarded"):
        raise NotFound("图片不存在")
    return found, _read(store, found)


async def set_public(session: AsyncSession, file_id: int, public: bool, actor: str) -> InnovationFile:
    found = await session.get(InnovationFile, file_id)
    if found is None:
        raise NotFound("附件不存在")
    if public and not found.media_type.startswith("image/"):
        raise InputError("只有图片可以在成果展示中公开，PDF 不公开", "public")
    found.public = public
    session.add(found)
    await ledger.record(session, None, actor[:80], "innovation.file_public", f"innovation:{found.result_id}",
                        {"file": found.id, "public": public})
    await session.commit()
    return found


# --- experts and their review -------------------------------------------------------------------------------

async def _assignment(session: AsyncSession, result_id: int, account_id: int) -> InnovationExpert | None:
    return (await session.exec(select(InnovationExpert).where(
        InnovationExpert.result_id == result_id, InnovationExpert.account_id == account_id))).first()


async def conflict_of(session: AsyncSession, result: InnovationResult, unit_id: int | None,
                      studio_id: int | None) -> str | None:
    """Why an expert of this unit and studio must step aside (回避), or None: an expert from the
    submitter's unit — the result's, any author's, or the studio's host — or from its studio."""
    units = {result.unit_id, *(p.unit_id for _, p in await authors(session, result.id))}
    studios = {result.studio_id}
    if result.studio_id:
        studio = await session.get(Studio, result.studio_id)
        units.add(studio.host_unit_id if studio else None)
    author_ids = [a.person_id for a, _ in await authors(session, result.id)]
    if author_ids:
        studios |= set((await session.exec(select(StudioMember.studio_id)
                                           .where(StudioMember.person_id.in_(author_ids)))).all())
        studios |= set((await session.exec(select(Studio.id).where(Studio.lead_id.in_(author_ids)))).all())
    if unit_id is not None and unit_id in units:
        return "该专家与成果申报人同一单位，须回避"
    if studio_id is not None and studio_id in studios:
        return "该专家与成果申报人同一创新工作室，须回避"
    return None


async def assign_expert(session: AsyncSession, result: InnovationResult, account_id: int, unit_id: int | None,
                        studio_id: int | None, actor: str) -> InnovationExpert:
    if result.state != "submitted":
        raise Conflict("评审已完成，不能再增加专家")
    account = await session.get(Account, account_id)
    if account is None or not account.active or account.role != "registry_reviewer":
        raise InputError("请选择一个有效的评审专家账号（角色为评审专家）", "account_id")
    if await _assignment(session, result.id, account_id):
        raise Conflict(f"{account.display_name} 已是本成果的评审专家")
    refusal = await conflict_of(session, result, unit_id, studio_id)
    if refusal:
        raise Conflict(f"{account.display_name}：{refusal}")
    expert = InnovationExpert(result_id=result.id, account_id=account_id, unit_id=unit_id, studio_id=studio_id)
    session.add(expert)
    await ledger.record(session, None, actor[:80], "innovation.expert", f"innovation:{result.id}",
                        {"account": account_id, "unit_id": unit_id, "studio_id": studio_id})
    await session.commit()
    return expert


async def record_review(session: AsyncSession, result: InnovationResult, user: Identity, marks: dict[str, str],
                        opinion: str) -> None:
    """One assigned expert's marks and opinion (replacing their earlier ones), checked by the
    engine's validator as a judge's sheet is."""
    if await _assignment(session, result.id, user.id) is None:
        raise NotFound("您不是这项成果的评审专家")
    if result.state != "submitted":
        raise Conflict("这项成果的评审已经结束")
    stage = _stage()
    checked = judging.check_marks(stage.criteria, marks, complete=True, entry=result.title, judge=user.name,
                                  roles=("成果", "评审专家"))
    words = judging.check_words(stage, opinion, {}, complete=True)
    for key, value in checked.items():
        found = (await session.exec(select(InnovationMark).where(
            InnovationMark.result_id == result.id, InnovationMark.account_id == user.id,
            InnovationMark.criterion == key))).first() or InnovationMark(
            result_id=result.id, account_id=user.id, criterion=key, value="0")
        found.value = str(value)
        session.add(found)
    written = (await session.exec(select(InnovationOpinion).where(
        InnovationOpinion.result_id == result.id, InnovationOpinion.account_id == user.id))).first()
    written = written or InnovationOpinion(result_id=result.id, account_id=user.id, opinion="")
    written.opinion = words.opinion
    session.add(written)
    await ledger.record(session, None, f"account:{user.id} {user.name}"[:80], "innovation.review",
                        f"innovation:{result.id}",
                        {"marks": {k: str(v) for k, v in checked.items()}, "opinion": words.opinion})
    await session.commit()


async def finish_review(session: AsyncSession, result: InnovationResult, actor: str) -> InnovationResult:
    """The experts' total through the scoring engine; refused below the panel's minimum."""
    if result.state != "submitted":
        raise Conflict("这项成果的评审已经结束")
    rows = (await session.exec(select(InnovationMark).where(InnovationMark.result_id == result.id))).all()
    marks = [scoring.Mark("r", "review", m.criterion, str(m.account_id), Decimal(m.value)) for m in rows]
    (computed,) = scoring.compute(scoring.parse_scheme(review_scheme()), marks, {"r": "registered"})
    if computed.status != "ok":
        raise Conflict(f"评审未完成：{'；'.join(computed.problems) or '至少须三位专家评分'}")
    result.review_total, result.state = str(computed.total), "reviewed"
    session.add(result)
    await ledger.record(session, None, actor[:80], "innovation.finish_review", f"innovation:{result.id}",
                        {"total": str(computed.total)})
    await session.commit()
    return result


async def award(session: AsyncSession, result: InnovationResult, tier: str, actor: str) -> InnovationResult:
    """The organiser's award once the review is finished: from then on the result is in the gallery."""
    if tier not in AWARDS:
        raise InputError("请选择奖项（一等奖、二等奖、三等奖或优秀）", "award")
    if result.state == "submitted":
        raise Conflict("专家评审完成后才能评定奖项")
    result.award, result.state = tier, "awarded"
    session.add(result)
    await ledger.record(session, None, actor[:80], "innovation.award", f"innovation:{result.id}",
                        {"award": tier, "total": result.review_total})
    await session.commit()
    return result


@dataclass(frozen=True)
class ExpertRow:
    account_id: int
    name: str
    unit: str | None
    studio: str | None
    marks: dict[str, str]
    opinion: str


async def experts(session: AsyncSession, result_id: int) -> list[ExpertRow]:
    """The assigned experts with their marks and opinions (the office's view)."""
    rows = (await session.exec(select(InnovationExpert, Account.display_name, Unit.name, Studio.name)
                               .join(Account, Account.id == InnovationExpert.account_id)
                               .outerjoin(Unit, Unit.id == InnovationExpert.unit_id)
                               .outerjoin(Studio, Studio.id == InnovationExpert.studio_id)
                               .where(InnovationExpert.result_id == result_id).order_by(InnovationExpert.id))).all()
    marks: dict[int, dict[str, str]] = {}
    for m in (await session.exec(select(InnovationMark).where(InnovationMark.result_id == result_id))).all():
        marks.setdefault(m.account_id, {})[m.criterion] = m.value
    opinions = {o.account_id: o.opinion for o in (await session.exec(
        select(InnovationOpinion).where(InnovationOpinion.result_id == result_id))).all()}
    return [ExpertRow(e.account_id, name, unit, studio, marks.get(e.account_id, {}), opinions.get(e.account_id, ""))
            for e, name, unit, studio in rows]


async def assigned_to(session: AsyncSession, account_id: int) -> list[tuple[InnovationResult, bool]]:
    """The results an expert is assigned to, each with whether they have marked it yet: those still
    under review first, the ones waiting for their marks before those they have marked."""
    marked = set((await session.exec(select(InnovationOpinion.result_id)
                                     .where(InnovationOpinion.account_id == account_id))).all())
    found = (await session.exec(select(InnovationResult).join(
        InnovationExpert, InnovationExpert.result_id == InnovationResult.id)
        .where(InnovationExpert.account_id == account_id).order_by(InnovationResult.id.desc()))).all()
    return sorted(((r, r.id in marked) for r in found), key=lambda pair: (pair[0].state != "submitted", pair[1]))


async def list_results(session: AsyncSession, unit_id: int | None = None) -> Sequence[InnovationResult]:
    """Every result, newest first (or one unit's)."""
    stmt = select(InnovationResult).order_by(InnovationResult.id.desc())
    if unit_id is not None:
        stmt = stmt.where(InnovationResult.unit_id == unit_id)
    return (await session.exec(stmt)).all()


async def studio_counts(session: AsyncSession, studio_id: int) -> list[tuple[int, int, int]]:
    """A studio's innovation results by year: (year, submitted, awarded) — its yearly report's count."""
    awarded = func.count().filter(InnovationResult.state == "awarded")
    return [tuple(r) for r in (await session.exec(
        select(InnovationResult.year, func.count(), awarded).where(InnovationResult.studio_id == studio_id)
        .group_by(InnovationResult.year).order_by(InnovationResult.year.desc()))).all()]


# --- the public gallery ---------------------------------------------------------------------------------

async def _public(session: AsyncSession, results: Sequence[InnovationResult]) -> list[public.PublicInnovation]:
    ids = [r.id for r in results]
    names: dict[int, list[tuple[int, str]]] = {}
    for author, name in (await session.exec(select(InnovationAuthor, Person.name)
                                            .join(Person, Person.id == InnovationAuthor.person_id)
                                            .where(InnovationAuthor.result_id.in_(ids))
                                            .order_by(InnovationAuthor.position))).all():
        names.setdefault(author.result_id, []).append((author.person_id, name))
    images: dict[int, list[int]] = {}
    for f in (await session.exec(select(InnovationFile).where(InnovationFile.result_id.in_(ids),
                                                              InnovationFile.public).order_by(InnovationFile.id))).all():
        images.setdefault(f.result_id, []).append(f.id)
    units = dict((await session.exec(select(Unit.id, Unit.name).where(
        Unit.id.in_({r.unit_id for r in results if r.unit_id})))).all())
    studios = dict((await session.exec(select(Studio.id, Studio.name).where(
        Studio.id.in_({r.studio_id for r in results if r.studio_id})))).all())
    return [public.innovation(r, KINDS[r.kind], AWARDS.get(r.award or "", ""), names.get(r.id, []),
                              units.get(r.unit_id), studios.get(r.studio_id), images.get(r.id, []))
            for r in results]


async def gallery(session: AsyncSession, *, year: int | None = None, kind: str | None = None,
                  studio_id: int | None = None, person_id: int | None = None) -> list[public.PublicInnovation]:
    """Awarded results, newest year first, then by award."""
    stmt = select(InnovationResult).where(InnovationResult.state == "awarded")
    if year:
        stmt = stmt.where(InnovationResult.year == year)
    if kind in KINDS:
        stmt = stmt.where(InnovationResult.kind == kind)
    if studio_id:
        stmt = stmt.where(InnovationResult.studio_id == studio_id)
    if person_id:
        stmt = stmt.where(InnovationResult.id.in_(select(InnovationAuthor.result_id)
                                                  .where(InnovationAuthor.person_id == person_id)))
    order = {tier: i for i, tier in enumerate(AWARDS)}
    found = sorted((await session.exec(stmt.limit(500))).all(),
                   key=lambda r: (-r.year, order[r.award], r.id))
    return await _public(session, found)


async def public_result(session: AsyncSession, result_id: int) -> public.PublicInnovation:
    return (await _public(session, [await get_result(session, result_id)]))[0]


async def gallery_years(session: AsyncSession) -> list[int]:
    return list((await session.exec(select(InnovationResult.year).where(InnovationResult.state == "awarded")
                                     .distinct().order_by(InnovationResult.year.desc()))).all())
