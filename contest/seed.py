"""The Xianning demo, generated deterministically from seeds/xianning.yaml.

Contestants go through the same import as an organiser's file (a generated CSV), so the demo
exercises the real path; names, ID numbers and phones come from a seeded generator."""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from contest import auth
from contest.db import utcnow
from contest.events import scheme_form
from contest.events import service as events
from contest.events.models import Entry, Event
from contest.exams.models import Question
from contest.exams.service import bank as exam_bank
from contest.exams.service import papers as exam_papers
from contest.exams.service import practice
from contest.innovations import service as innovations
from contest.innovations.models import AWARDS, InnovationResult
from contest.judging import service as judging
from contest.leaderboards import service as boards
from contest.people.identity import make_id_number
from contest.people.models import SKILL_LEVEL_LABELS, Area, Industry, Person, Unit
from contest.people.names import NameGenerator
from contest.registry import importers as registry_import
from contest.registry import service as registry
from contest.registry.models import Candidate
from contest.studios import service as studios
from contest.studios.models import ASSESSMENTS, STUDIO_TYPES, Alliance, Studio, StudioMember
from contest.units import service as grass_roots


async def load_demo(session: AsyncSession, path: Path, id_key: bytes) -> list[tuple[str, str, str]]:
    """Load the demo once (a second call finds its events and changes nothing). Returns the demo
    logins as (role, username, password)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rng = random.Random(spec["seed"])
    names = NameGenerator(spec["seed"])
    logins = [(auth.ROLES[a["role"]], a["username"], a["password"]) for a in spec["accounts"]]
    if "grass_roots" in spec:
        logins += [(f"{auth.ROLES[role]}（{spec['grass_roots'][key]['name']}）", spec["grass_roots"][key]["username"],
                    spec["grass_roots"][key]["password"]) for key, role in (("unit", "unit_admin"),
                                                                            ("county", "county_admin"))]
    if (await session.exec(select(Event.id).where(Event.slug == spec["events"][0]["slug"]))).first():
        return logins
    await _accounts(session, spec["accounts"])
    areas = await _areas(session, spec["areas"])
    units = await _units(session, spec["industries"], areas, rng)
    for event_spec in spec["events"]:
        await _event(session, event_spec, areas, units, spec["project_parts"], rng, names, id_key)
    if "registry" in spec:
        await _registry(session, spec["registry"], areas, units, rng, names, id_key)
        await _studios(session, units, rng)
        await innovations_demo(session, random.Random(f"{spec['seed']}-innovations"))  # its own generator
    if "grass_roots" in spec:  # a generator of its own, so the rest of the demo stays as it was
        await _grass_roots(session, spec["grass_roots"], areas, units, random.Random(f"{spec['seed']}-units"),
                           NameGenerator(spec["seed"] + 18), id_key)
    if "exams" in spec:  # a generator of its own, so the rest of the demo stays as it was
        await _exams(session, spec["exams"], path.parent, [u for group in units.values() for u in group],
                     random.Random(f"{spec['seed']}-exams"), NameGenerator(spec["seed"] + 19), id_key)
    return logins


async def _studios(session: AsyncSession, units: dict[str, list[Unit]], rng: random.Random) -> None:
    """Studios led by named craftsmen first, with their members, reports and alliances."""
    named = (await session.exec(select(Candidate.person_id).where(Candidate.state == "named")
                                .order_by(Candidate.id))).all()
    others = (await session.exec(select(Entry.person_id).where(Entry.person_id.is_not(None))
                                 .order_by(Entry.id))).all()
    await studios_demo(session, rng, [*named, *others], [u.id for group in units.values() for u in group])
    await session.commit()


async def _registry(session: AsyncSession, spec: dict, areas: dict[str, Area], units: dict[str, list[Unit]],
                    rng: random.Random, names: NameGenerator, id_key: bytes) -> None:
    """Craftsmen named 2022–2026 through the registry's own import, contest winners put forward,
    and master–apprentice pairs."""
    actor = "account:seed 香城工匠评审办"
    codes = {a.id: a.code for a in areas.values()}
    area_names = {a.id: a.name for a in areas.values()}
    all_units = [u for group in units.values() for u in group]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(registry_import.COLUMNS)
    tiers, weights = zip(*spec["tiers"].items(), strict=True)
    years, year_weights = zip(*spec["years"].items(), strict=True)
    for i in range(spec["craftsmen"]):
        unit = rng.choice(all_units)
        gender = rng.choice("男男男女")
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(30 * 365))
        honour = rng.choice(spec["honours"]) if rng.random() < 0.3 else None
        year = rng.choices(years, year_weights)[0]
        writer.writerow([names.person_name(gender), make_id_number(codes[unit.area_id], birth, i % 500, gender),
                         unit.name, area_names[unit.area_id], rng.choice(spec["trades"]),
                         SKILL_LEVEL_LABELS[rng.choice([3, 2, 2, 1])], rng.choices(tiers, weights)[0], year,
                         honour["name"] if honour else "", honour["level"] if honour else "",
                         year - rng.randrange(3) if honour else ""])
    report = await registry_import.import_craftsmen(session, "seed.csv", out.getvalue().encode(), id_key,
                                                    skip_bad=False, actor=actor)
    assert not report.problems, report.problems[:3]  # the generator makes only valid rows
    await registry.sync_contest_candidates(session, actor)
    await session.commit()
    masters = (await session.exec(select(Candidate.person_id).where(Candidate.state == "named"))).all()
    apprentices = (await session.exec(select(Entry.person_id).where(Entry.person_id.is_not(None)))).all()
    for master, apprentice in zip(rng.sample(masters, spec["mentorships"]),
                                  rng.sample(apprentices, spec["mentorships"]), strict=True):
        start = date(rng.choice([2022, 2023, 2024, 2025]), 3, 1)
        await registry.add_mentorship(session, master, apprentice, start, start.replace(year=start.year + 2),
                                      "传授核心技艺，两年内技能等级提升一级", override=False)


async def _accounts(session: AsyncSession, accounts: list[dict]) -> None:
    for a in accounts:
        if not (await session.exec(select(auth.Account).where(auth.Account.username == a["username"]))).first():
            await auth.create_account(session, a["username"], a["name"], a["role"], a["password"])


async def _areas(session: AsyncSession, areas: list[dict]) -> dict[str, Area]:
    known = {a.name: a for a in (await session.exec(select(Area))).all()}
    for a in areas:
        known.setdefault(a["name"], Area(code=a["code"], name=a["name"]))
        session.add(known[a["name"]])
    await session.commit()
    return known


async def _units(session: AsyncSession, industries: dict, areas: dict[str, Area],
                 rng: random.Random) -> dict[str, list[Unit]]:
    """Units by industry: every stem of an industry in a few areas."""
    by_industry: dict[str, list[Unit]] = {}
    for industry_name, spec in industries.items():
        industry = Industry(name=industry_name)
        session.add(industry)
        await session.flush()
        units = by_industry.setdefault(industry_name, [])
        for stem in spec["stems"]:
            for area in rng.sample(sorted(areas.values(), key=lambda a: a.code), 3):
                units.append(Unit(name=f"{_short(area.name)}{stem}", area_id=area.id, industry_id=industry.id,
                                  ownership=spec["ownership"], size=rng.choice(spec["sizes"])))
        session.add_all(units)
    await session.commit()
    return by_industry


def _short(area_name: str) -> str:
    return area_name if area_name.endswith("高新区") else area_name[:-1]


async def _event(session: AsyncSession, spec: dict, areas: dict[str, Area], units: dict[str, list[Unit]],
                 parts: dict, rng: random.Random, names: NameGenerator, id_key: bytes) -> None:
    event = await events.create_event(session, events.EventInput(
        slug=spec["slug"], name=spec["name"], year=spec["year"], kind=spec.get("kind", "individual"),
        organisers=spec.get("organisers", ""), visibility=spec.get("visibility", "hidden")))
    area_names = {a.id: a.name for a in areas.values()}
    all_units = [u for group in units.values() for u in group]
    judges = [await events.add_judge(session, event, names.person_name(rng.choice("男女")),
                                     rng.choice(all_units).id if i % 3 == 0 else None)
              for i in range(spec["judges"])]
    for username in spec.get("scorers", ()):
        account = (await session.exec(select(auth.Account).where(auth.Account.username == username))).one()
        await events.assign_scorer(session, event, account.id)
    for track_spec in spec["tracks"]:
        track = await events.create_track(session, event, events.TrackInput(
            slug=track_spec["slug"], name=track_spec["name"], skill_level=track_spec.get("skill_level")),
            scheme_form.template(track_spec["scheme"], track_spec["name"]) if "scheme" in track_spec else None)
        pool = units[track_spec["industry"]]
        if event.kind == "project":
            csv_bytes = _projects_csv(track_spec["projects"], parts, pool, areas, area_names, rng, names)
            await events.import_projects(session, track, "seed.csv", csv_bytes, id_key=id_key)
        else:
            csv_bytes = _contestants_csv(track_spec["contestants"], pool, areas, area_names, rng, names)
            await events.import_contestants(session, track, "seed.csv", csv_bytes, id_key=id_key)
        round_ = (await events.list_rounds(session, track))[0]
        stages = await events.list_stages(session, round_)
        members = [j.id for j, _ in judges[:5]]
        min_judges = {s.key: s.min_judges for s in events.scheme_of(round_).stages}
        for stage in stages[:-1] if not track_spec.get("theory_test") else []:  # else a test on the platform marks it
            seated = members[:1] if min_judges[stage.key] == 1 else members  # a written test has one marker
            await events.create_panel(session, stage, f"{stage.name}组", seated, members[0])
        await events.create_panel(session, stages[-1], "第一裁判组", members, members[0])
        await events.draw_blind_codes(session, track, "抽签监督员")
    published = spec.get("status") == "closed"  # a past event went through 公示 to final results
    status = spec.get("status", "draft")
    for step in _path_to("running" if spec.get("scored") else status):  # judges score a running contest
        await events.set_event_status(session, event, step)
    if spec.get("scored"):
        await _score(session, event, [j for j, _ in judges[:5]], Decimal(str(spec["scored"])), rng)
        for step in _path_to("review" if published else status)[2:]:
            await events.set_event_status(session, event, step)
    if published:
        await _publish(session, event, spec.get("titles", []))


async def _publish(session: AsyncSession, event: Event, titles: list[dict]) -> None:
    actor = "account:seed 市总工会竞赛办"
    for rule in titles:
        await boards.add_title_rule(session, event, rule["up_to_rank"], rule["title"], rule["craftsman_candidate"])
    ends = date(event.year, 11, 27)
    await boards.publish(session, event, ends - timedelta(days=7), ends, "咸宁市总工会劳动和经济工作部", actor,
                         today=ends - timedelta(days=7))
    await boards.finalise(session, event, actor, today=ends + timedelta(days=1))
    for track in await events.list_tracks(session, event):
        await boards.issue_certificates(session, event, track)


async def _score(session: AsyncSession, event: Event, judges: list, share: Decimal, rng: random.Random) -> None:
    """Judges mark a share of the sheets through the real path (ledgered, results recomputed); a
    fully scored event is also signed off by its chief judges. The judges accept the pledge first."""
    for judge in judges:
        if await judging.pledge_of(session, judge) is None:
            await judging.accept_pledge(session, judge, event, judging.current_pledge(event), [], [], "", "seed")
    for track in await events.list_tracks(session, event):
        skill = {e.id: rng.uniform(0.55, 0.95) for e, _ in await events.list_entries(session, track)}
        for judge in judges:
            for a in [a for a in await judging.assignments(session, judge) if a.track.id == track.id]:
                for item in await judging.queue(session, judge, a.stage, a.track):
                    if Decimal(str(rng.random())) < share:
                        marks = {c.key: _mark(c, skill[item.entry_id], rng) for c in a.criteria}
                        await judging.write_sheet(session, judging.SheetInput(
                            judge.id, judge.event_id, a.stage.id, item.entry_id, marks, base_version=0, submit=True,
                            key=f"seed-{a.stage.id}-{item.entry_id}-{judge.id}", device="seed"))
        if share >= 1:  # the chief judge re-checks each stage (all confirmed) and signs it off
            chief = judging.actor_of(judges[0])
            for a in [a for a in await judging.assignments(session, judges[0]) if a.track.id == track.id]:
                draw = await judging.draw_recheck(session, a.stage, a.round, chief)
                for bib, _ in draw.entries:
                    await judging.record_recheck(session, a.stage, bib, "confirmed", "", chief)
                await judging.sign_off(session, judges[0], a)


def _mark(criterion, skill: float, rng: random.Random) -> str:
    """A plausible mark on the criterion's step grid: good contestants lose few points."""
    step = criterion.step or Decimal(1)
    steps = int(criterion.mark_limit / step)
    level = (1 - skill) if criterion.kind == "deduction" else skill
    taken = min(steps, max(0, round(rng.gauss(level * steps, steps * 0.05))))
    return str(step * taken)


def _path_to(status: str) -> list[str]:
    order = ["draft", "registration", "running", "review", "published", "closed"]
    return order[1:order.index(status) + 1]


def _contestants_csv(count: int, pool: list[Unit], areas: dict[str, Area], area_names: dict[int, str],
                     rng: random.Random, names: NameGenerator) -> bytes:
    """A contestants file in the import template's layout, as a clerk would upload it."""
    return _csv(["姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级"],
                [_person_row(rng.choice(pool), areas, area_names, rng, names) for _ in range(count)])


def _projects_csv(count: int, parts: dict, pool: list[Unit], areas: dict[str, Area], area_names: dict[int, str],
                  rng: random.Random, names: NameGenerator) -> bytes:
    """A project file in the project template's layout: teams of two to five, mostly of the lead's
    unit, now and then with a member from another unit of the trade."""
    titles = rng.sample([f"{s}{i}" for s in parts["subjects"] for i in parts["improvements"]], count)
    rows = []
    for title in titles:
        unit = rng.choice(pool)
        for n in range(rng.randint(2, 5)):
            member_unit = unit if n == 0 or rng.random() < 0.8 else rng.choice(pool)
            rows.append([title, "负责人" if n == 0 else "成员",
                         *_person_row(member_unit, areas, area_names, rng, names)])
    return _csv(["项目名称", "角色", "姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级"],
                rows)


def _person_row(unit: Unit, areas: dict[str, Area], area_names: dict[int, str], rng: random.Random,
                names: NameGenerator) -> list[str]:
    area = area_names[unit.area_id]
    gender = rng.choice("男男女")
    birth = date(1970, 1, 1) + timedelta(days=rng.randrange(32 * 365))
    id_number = make_id_number({a.name: a.code for a in areas.values()}[area], birth, rng.randrange(500), gender)
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return [names.person_name(gender), gender, id_number, phone, unit.name, area,
            SKILL_LEVEL_LABELS[rng.choice([4, 3, 3, 2])]]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([header, *rows])
    return out.getvalue().encode("utf-8")


# --- grass-roots unions online -------------------------------------------------------------------------


async def _grass_roots(session: AsyncSession, spec: dict, areas: dict[str, Area], units: dict[str, list[Unit]],
                       rng: random.Random, names: NameGenerator, id_key: bytes) -> None:
    """Accounts opened from invitations, registrations and filings, all through the units service."""
    office = auth.Identity("account", 0, "市总工会竞赛办", "organiser")
    actor = "account:seed 市总工会竞赛办"
    unit = units[spec["unit"]["industry"]][0]
    for key, scope in (("unit", {"unit_id": unit.id, "area_id": None}),
                       ("county", {"unit_id": None, "area_id": areas[spec["county"]["area"]].id})):
        code = await grass_roots.invite(session, **scope, actor=actor)
        await grass_roots.accept_invitation(session, code, spec[key]["username"], spec[key]["password"],
                                            spec[key]["name"])
    await grass_roots.save_profile(session, unit, grass_roots.ProfileInput(
        unit.ownership, unit.size, unit.industry_id, members=rng.randint(20, 60), workers=rng.randint(60, 90),
        contact_name=names.person_name("女"), contact_phone=f"139{rng.randrange(10**8):08d}"), actor)
    area_names = {a.id: a.name for a in areas.values()}
    event = await events.get_event(session, spec["registrations"]["event"])
    track = await events.get_track(session, event, spec["registrations"]["track"])
    rows = [_person_row(unit, areas, area_names, rng, names) for _ in range(spec["registrations"]["count"])]
    await grass_roots.register_file(session, unit, track, "seed.csv", _csv(
        ["姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级"], rows), id_key=id_key,
        actor=f"account:seed {unit.name}")
    first = (await grass_roots.list_registrations(session, unit_ids=[unit.id]))[0].registration
    await grass_roots.decide(session, [first.id], False, "技能等级与证书不符，请核实后重新报名", actor)
    alone = await events.get_track(session, event, spec["individuals"]["track"])
    for employer in spec["individuals"]["employers"]:
        name, gender, id_number, phone, *_ = _person_row(unit, areas, area_names, rng, names)
        await grass_roots.register_individual(session, alone, {"姓名": name, "身份证号": id_number, "手机号": phone,
                                                               "县(市、区)": area_names[unit.area_id]}, employer,
                                              address="seed", id_key=id_key)
    everyone = [u for group in units.values() for u in group]
    for i in range(spec["filings"]["count"]):
        filer = rng.choice(everyone)
        year = 2026 if i % 3 else 2025
        starts = date(year, rng.randint(3, 9), rng.randint(1, 28))
        filing = await grass_roots.file_competition(session, filer, grass_roots.FilingInput(
            f"{year}年{filer.name}{rng.choice(spec['filings']['themes'])}", starts, starts + timedelta(days=20),
            "各车间、班组", rng.randint(30, 400)), f"account:seed {filer.name}")
        if i % 5:
            await grass_roots.decide_filing(session, office, filing.id, True, "", actor)


# --- innovation studios ---------------------------------------------------------------------------

_STUDIO_LEVELS = ["national"] * 2 + ["provincial"] * 9 + ["city"] * 15 + ["county"] * 8 + ["enterprise"] * 6
_STUDIO_KINDS = {  # the types named at each level, most common first
    "national": ["model_worker", "model_craftsman"],
    "provincial": ["model_worker", "model_craftsman", "craftsman", "worker"],
    "city": ["model_worker", "craftsman", "worker", "model_craftsman"],
    "county": ["worker", "craftsman", "model_worker"],
    "enterprise": ["worker", "craftsman"],
}
_STUDIO_SCALE = {"national": 4, "provincial": 3, "city": 2, "county": 1, "enterprise": 1}
# Crafts by industry: (the craft that names a studio, the field it works in).
_CRAFTS = {
    "餐饮服务": [("中式烹调", "餐饮服务"), ("中式面点", "餐饮服务"), ("楠竹宴烹饪技艺", "餐饮服务"),
                 ("桂花糕点制作", "食品加工")],
    "茶叶加工": [("青砖茶制作技艺", "茶叶加工"), ("米砖茶压制", "茶叶加工"), ("茶叶精制", "茶叶加工"),
                 ("茶园机械化管理", "茶叶种植")],
    "制造业": [("数控加工", "机械制造"), ("焊接工艺", "机械制造"), ("纺织工艺", "纺织"), ("电子装联", "电子信息")],
    "电力能源": [("配网运维", "电力"), ("变电检修", "电力"), ("光伏运维", "新能源"), ("带电作业", "电力")],
    "交通运输": [("汽车维修", "交通运输"), ("智慧物流调度", "物流"), ("新能源客车维保", "交通运输")],
    "新就业形态": [("智慧配送", "新就业形态"), ("网约车安全服务", "新就业形态")],
}
_GENERIC_CRAFTS = [("技术革新", "综合"), ("质量攻关", "综合"), ("安全生产", "安全生产"), ("节能降耗", "节能环保")]
_MEMBER_ROLES = ["骨干成员", "成员", "成员", "成员", "技术骨干", "青年技师"]
_CHAINS = {"茶叶加工": "咸宁青砖茶", "制造业": "咸宁装备制造", "电力能源": "咸宁清洁能源", "餐饮服务": "咸宁预制菜",
           "交通运输": "咸宁现代物流", "新就业形态": "咸宁即时配送"}


def _studio_output(rng: random.Random, scale: int) -> dict[str, int]:
    """A studio's usual yearly output: its years vary around it."""
    return {"patents": rng.randint(1, 3 * scale), "projects": rng.randint(1, 3 * scale),
            "problems_solved": rng.randint(4, 10 * scale), "people_trained": rng.randint(15, 30 * scale),
            "benefit_cents": rng.randrange(5_000_000, 60_000_000 * scale)}


def _studio_report(rng: random.Random, year: int, base: dict[str, int], growth: int) -> studios.ReportInput:
    def vary(value: int) -> int:  # ±30 %, a little more each year
        return value * rng.randint(70, 130) // 100 + growth

    problems, trained = vary(base["problems_solved"]), vary(base["people_trained"])
    return studios.ReportInput(
        year=year, patents=vary(base["patents"]), projects=vary(base["projects"]), problems_solved=problems,
        results_applied=rng.randint(problems // 3, max(1, problems * 2 // 3)),
        benefit_yuan=Decimal(base["benefit_cents"] * rng.randint(70, 130) // 100 + growth * 800_000).scaleb(-2),
        people_trained=trained, skill_rises=rng.randint(trained // 6, max(1, trained // 3)))


async def studios_demo(session: AsyncSession, rng: random.Random, person_ids: list[int], unit_ids: list[int]) -> None:
    """About 40 studios of every type and level with members, reports for 2022–2025 with
    assessments, and five alliances with a chair, all through the service's checks. The same rng
    state gives the same demo; nothing is done if studios exist already."""
    if (await session.exec(select(Studio.id))).first() is not None:
        return
    people = {p.id: p for p in (await session.exec(select(Person).where(Person.id.in_(person_ids)))).all()}
    ordered = [pid for pid in dict.fromkeys(person_ids) if pid in people]
    units = {u.id: (u, area, industry) for u, area, industry in (await session.exec(
        select(Unit, Area.name, Industry.name).outerjoin(Area, Area.id == Unit.area_id)
        .outerjoin(Industry, Industry.id == Unit.industry_id).where(Unit.id.in_(unit_ids)))).all()}
    unit_order = [uid for uid in dict.fromkeys(unit_ids) if uid in units]
    by_unit: dict[int, list[int]] = {}
    for pid in ordered:
        by_unit.setdefault(people[pid].unit_id, []).append(pid)

    leads = rng.sample(ordered, min(len(_STUDIO_LEVELS), len(ordered)))
    made: list[tuple[Studio, str | None, str | None]] = []  # studio, area, industry
    for i, level in enumerate(_STUDIO_LEVELS):
        lead = people[leads[i]] if i < len(leads) else None
        unit_id = lead.unit_id if lead and lead.unit_id in units else (rng.choice(unit_order) if unit_order else None)
        unit, area, industry = units[unit_id] if unit_id else (None, None, None)
        kinds = _STUDIO_KINDS[level]
        kind = rng.choices(kinds, weights=range(len(kinds), 0, -1))[0]
        craft, studio_field = rng.choice(_CRAFTS.get(industry or "", _GENERIC_CRAFTS))
        after_lead = f"{lead.name}{STUDIO_TYPES[kind]}" if lead else None  # 张建华劳模创新工作室
        after_unit = f"{unit.name}{craft}{STUDIO_TYPES[kind]}" if unit else None
        after_area = f"{_short(area) if area else '咸宁'}{craft}{STUDIO_TYPES[kind]}"  # 赤壁青砖茶制作技艺工匠工作室
        if kind in ("model_worker", "model_craftsman"):
            wanted = [after_lead, after_area, after_unit]
        elif kind == "worker":
            wanted = [after_unit, after_area, after_lead]
        elif rng.random() < 0.4:
            wanted = [after_lead, after_area, after_unit]
        else:
            wanted = [after_area, after_unit, after_lead]
        name = None
        for candidate in filter(None, wanted):
            if not await studios.name_taken(session, candidate):
                name = candidate
                break
        if name is None:
            continue
        founded = date(rng.randint(2012, 2023) if level not in ("national", "provincial") else rng.randint(2012, 2020),
                       rng.randint(1, 12), rng.randint(1, 28))
        studio = await studios.create_studio(session, studios.StudioInput(
            name, kind, level, lead.id if lead else None, unit_id, studio_field, founded))
        made.append((studio, area, industry))
        await _studio_members(session, rng, studio, by_unit.get(unit_id, []), ordered)
        await _studio_reports(session, rng, studio, _STUDIO_SCALE[level])
    await _alliances(session, rng, made)


async def _studio_members(session: AsyncSession, rng: random.Random, studio: Studio, colleagues: list[int],
                        everyone: list[int]) -> None:
    wanted = rng.randint(3, 8)
    pool = [pid for pid in colleagues if pid != studio.lead_id]
    rng.shuffle(pool)
    chosen = pool[:wanted]
    others = [pid for pid in everyone if pid != studio.lead_id and pid not in chosen]
    chosen += rng.sample(others, min(len(others), wanted - len(chosen)))
    for pid in chosen:
        await studios.add_member(session, studio, pid, rng.choice(_MEMBER_ROLES))


async def _studio_reports(session: AsyncSession, rng: random.Random, studio: Studio, scale: int) -> None:
    base = _studio_output(rng, scale)
    for growth, year in enumerate(range(max(2022, studio.founded_on.year), 2026)):
        await studios.save_report(session, studio, _studio_report(rng, year, base, growth))
        if year < 2025 or rng.random() < 0.5:  # the latest year is not yet assessed everywhere
            outcome = rng.choices(list(ASSESSMENTS), weights=(3, 4, 3, 1 if scale < 3 else 0))[0]
            await studios.set_assessment(session, studio, year, outcome)


async def _alliances(session: AsyncSession, rng: random.Random,
                          made: list[tuple[Studio, str | None, str | None]]) -> None:
    if not made:
        return
    areas = Counter(area for _, area, _ in made if area).most_common()
    industries = Counter(industry for _, _, industry in made if industry).most_common()
    top = [s for s, _, _ in made if s.level in ("national", "provincial")]
    plans: list[tuple[str, str, list[Studio]]] = [("咸宁市劳模和工匠人才创新工作室联盟", "region", top)]
    for area, _ in areas[:2]:
        plans.append((f"{area}创新工作室联盟", "region", [s for s, a, _ in made if a == area]))
    if industries:
        name = industries[0][0]
        plans.append((f"咸宁市{name}行业创新工作室联盟", "industry", [s for s, _, i in made if i == name]))
        chain = next((i for i, _ in industries if i == "茶叶加工"), industries[-1][0])
        plans.append((f"{_CHAINS.get(chain, '咸宁' + chain)}产业链创新工作室联盟", "chain",
                      [s for s, _, i in made if i == chain]))
    fallback = ("咸宁市职工创新工作室联盟", "region", [s for s, _, _ in made if s.kind == "worker"])
    while len(plans) < 5:
        plans.append(fallback)
        fallback = (f"咸宁市创新工作室联盟（第{len(plans)}片区）", "region", [])
    by_id = {s.id: s for s, _, _ in made}
    for name, kind, planned in plans[:5]:
        if (await session.exec(select(Alliance.id).where(Alliance.name == name))).first():
            continue
        members = list(dict.fromkeys(s.id for s in planned))[:8]
        rest = [sid for sid in by_id if sid not in members]
        members += rng.sample(rest, min(len(rest), max(0, 4 - len(members))))
        alliance = await studios.create_alliance(
            session, studios.AllianceInput(name, kind, by_id[members[0]].host_unit_id))
        for studio_id in members:
            await studios.add_alliance_member(session, alliance, studio_id)
        for _ in range(rng.randrange(3)):
            await studios.rotate_chair(session, alliance)


# --- theory tests and 网上练兵 ----------------------------------------------------------------------


async def _exams(session: AsyncSession, spec: dict, folder: Path, units: list[Unit], rng: random.Random,
                 names: NameGenerator, id_key: bytes) -> None:
    """Question banks through their own import, the theory tests with their papers drawn, a practice
    set and a quiz campaign, and workers who have practised and answered through the real path."""
    actor = "account:seed 市总工会竞赛办"
    banks = {}
    for bank_spec in spec["banks"]:
        bank = banks[bank_spec["name"]] = await exam_bank.create_bank(session, bank_spec["name"])
        report = await exam_bank.import_questions(session, bank, bank_spec["file"],
                                                  (folder / bank_spec["file"]).read_bytes(), actor)
        assert not report.problems, report.problems[:3]  # the seed's banks are written right
    for test in spec["tests"]:
        event = await events.get_event(session, test["event"])
        track = await events.get_track(session, event, test["track"])
        theory = (await events.list_stages(session, (await events.list_rounds(session, track))[0]))[0]
        exam = await exam_papers.create_exam(session, exam_papers.ExamInput(
            theory.id, banks[test["bank"]].id, test["name"], test["minutes"], "each", test["blueprint"]), actor)
        await exam_papers.draw_papers(session, exam, actor)
    now = utcnow()
    drill = await practice.create_set(session, practice.SetInput(
        "practice", banks[spec["practice"]["bank"]].id, spec["practice"]["title"], count=spec["practice"]["count"]))
    quiz_spec = spec["quiz"]
    quiz = await practice.create_set(session, practice.SetInput(
        "quiz", banks[quiz_spec["bank"]].id, quiz_spec["title"], count=quiz_spec["count"],
        starts_at=now - timedelta(days=quiz_spec["open_days"]), ends_at=now + timedelta(days=quiz_spec["open_days"]),
        minutes=quiz_spec["minutes"], per_attempt=quiz_spec["per_attempt"], max_attempts=quiz_spec["max_attempts"]))
    for the_set in (drill, quiz):
        await practice.set_published(session, the_set, True)
    for _ in range(spec["learners"]):
        gender = rng.choice("男女")
        learner = await practice.register(session, names.person_name(gender), rng.choice(units).id,
                                          f"1{rng.choice('3578')}{rng.randrange(10**9):09d}", id_key)
        skill = rng.uniform(0.5, 0.95)
        if rng.random() < 0.6:
            await _attempt(session, drill, learner, skill, rng.randint(3, 8), rng)
        for _ in range(rng.choice([1, 1, 2])):
            await _attempt(session, quiz, learner, skill, None, rng)


async def _attempt(session: AsyncSession, the_set, learner, skill: float, answered: int | None,
                   rng: random.Random) -> None:
    """One go at a set: `answered` questions (all when None), right with the worker's skill."""
    attempt = await practice.start(session, the_set, learner)
    for question_id in attempt.question_ids[:answered]:
        question = await session.get(Question, question_id)
        right = rng.random() < skill
        await practice.answer(session, attempt, the_set, question_id, _response(question, right, rng))
    if the_set.kind == "quiz":
        await practice.finish(session, attempt)


def _response(question: Question, right: bool, rng: random.Random) -> str:
    if right:
        return question.answer[0] if question.kind == "fill" else "".join(question.answer)
    if question.kind == "fill":
        return "不清楚"
    if question.kind == "truefalse":
        return "错" if question.answer == ["对"] else "对"
    letters = [chr(65 + i) for i in range(len(question.options))]
    return rng.choice([letter for letter in letters if [letter] != question.answer])


# --- innovation results ------------------------------------------------------------------------------------

_INNOVATIONS = (
    ("invention", "数控车床刀具快换夹具", "换刀时间由8分钟缩短到1分钟，年节约工时约600小时。"),
    ("improvement", "青砖茶压制模具脱模改进", "模具加装导向斜面与气动顶出，砖面破损率由4%降到0.5%。"),
    ("method", "电力电缆终端头“三步定位”制作法", "剥切、定位、压接三步一次到位，单个终端头制作时间缩短40%。"),
    ("rationalisation", "锅炉排污余热回收利用建议", "排污水经板式换热器预热补给水，年节约标煤约120吨。"),
    ("design", "苎麻纺纱断头自停装置", "光电检测断头后3秒内停锭，减少回丝与人工巡检。"),
    ("creation", "桂花茶窨制温湿度自动记录仪", "每5分钟记录一次温湿度，窨制批次质量可追溯。"),
    ("proposal", "中央厨房餐具分区回收流程建议", "按油污程度分区回收清洗，节水约三成。"),
    ("achievement", "竹纤维复合板材热压工艺优化", "热压曲线由三段改为五段，板材翘曲合格率提高到98%。"),
    ("invention", "变电站巡检机器人辅助定位标识", "低成本二维码地标，巡检机器人定位误差小于2厘米。"),
    ("method", "中式面点“一揉三醒”操作法", "面团揉制与醒发分段控制，成品合格率稳定在99%以上。"),
)


OPINIONS = ("构思巧妙，效益明显，建议推广。", "解决了生产中的实际难题，可在同行业推广。",
            "创新点清楚，数据翔实，建议进一步总结操作要领。")  # the demo experts' opinions


async def innovations_demo(session: AsyncSession, rng: random.Random) -> None:
    """Ten innovation results of 2024–2026 entered through the office's service, most of them by a
    studio's team, each reviewed by the demo's three experts through the engine; eight awarded
    (the gallery), two still with the experts. Nothing is done if results exist already."""
    if (await session.exec(select(InnovationResult.id))).first() is not None:
        return
    experts = (await session.exec(select(auth.Account).where(auth.Account.role == "registry_reviewer")
                                  .order_by(auth.Account.id))).all()
    studios_led = (await session.exec(select(Studio).where(Studio.lead_id.is_not(None)).order_by(Studio.id))).all()
    if len(experts) < 3 or not studios_led:
        return
    office = "demo 市总工会竞赛办"
    for i, (kind, title, description) in enumerate(_INNOVATIONS):
        studio = studios_led[rng.randrange(len(studios_led))]
        members = (await session.exec(select(StudioMember.person_id).where(StudioMember.studio_id == studio.id)
                                      .order_by(StudioMember.id))).all()
        team = [studio.lead_id, *rng.sample(members, min(len(members), rng.randint(0, 2)))]
        submitter = "worker" if len(team) == 1 else "studio" if i % 3 else "team"
        result = await innovations.submit(session, innovations.Submission(
            title, kind, 2024 + i % 3, description, submitter, team,
            studio_id=studio.id if submitter != "worker" else None), office)
        for expert in experts[:3]:
            await innovations.assign_expert(session, result, expert.id, None, None, office)
            marks = {key: str(Decimal(rng.randint(top // 2, top * 2) / 2).quantize(Decimal("0.5")))
                     for key, _, top in innovations.CRITERIA}
            who = auth.Identity("account", expert.id, expert.display_name, expert.role)
            await innovations.record_review(session, result, who, marks, rng.choice(OPINIONS))
        if i < 8:
            await innovations.finish_review(session, result, office)
            await innovations.award(session, result, list(AWARDS)[min(i // 2, 3)], office)
