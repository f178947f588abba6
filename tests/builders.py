"""The shared ways tests build what they need, through the services as an organiser would: a
contestants file, an event, a running contest with a judging panel, its sheets scored, a signed-off
and a published contest, a judge signed in on a tablet, and registry candidates and craftsmen.

Test modules import from here (and from `tests.support`), never from one another: a test file
holds tests, and the conftest files hold fixtures."""
from __future__ import annotations

import asyncio
import copy
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import openpyxl
from openpyxl.cell import WriteOnlyCell
from sqlmodel import select

from contest import clock
from contest.auth import create_account
from contest.events import service as events
from contest.events.models import Entry, Event, Judge, Round, Stage, Track
from contest.exams.importers import COLUMNS
from contest.people.identity import id_hash, make_id_number, mask_id, mask_phone
from contest.people.models import Area, Industry, Person, Unit
from contest.people.names import NameGenerator
from contest.registry import service as registry
from contest.registry.models import Batch, Candidate
from tests.support import ID_KEY

# --- contestants files --------------------------------------------------------------------------------

NAMES = ["王建华", "李秀英", "陈志强", "刘芳", "张伟", "杨丽", "黄国平", "赵敏", "吴桂兰", "周涛"]
HEADER = ["姓名", "性别", "身份证号", "手机号", "工作单位", "县(市、区)", "职业技能等级"]


def xlsx(rows: list[list], header: list[str] = HEADER, above: tuple[list, ...] = ()) -> bytes:
    """An import file: the header (the contestants template's, unless given) under any rows
    `above` it (a title, as clerks' own sheets have), then the rows. Every value is what the clerk
    typed, so text starting with "=" is text here, not a formula."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in (*above, header, *rows):
        sheet.append([_typed(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(sheet, value):
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl takes "=…" for a formula
    return cell


def person(i: int, unit: str = "咸安区香城大酒店", area: str = "咸安区") -> list[str]:
    """Row i of a contestants file: a valid, distinct person (names repeat every ten)."""
    gender = "男" if i % 2 else "女"
    return [NAMES[i % len(NAMES)], gender, make_id_number("421202", date(1985, 1, 1 + i % 28), i, gender),
            f"1380000{i:04d}", unit, area, "三级/高级工"]


# --- events and contests ------------------------------------------------------------------------------


async def make_event(session, slug: str = "cooking-2026", track_slug: str = "cook") -> tuple[Event, Track]:
    """A draft event with one track (the default scheme) and the area 咸安区."""
    session.add(Area(code="421202", name="咸安区"))
    await session.commit()
    event = await events.create_event(session, events.EventInput(slug=slug, name="烹饪大赛", year=2026))
    return event, await events.create_track(session, event, events.TrackInput(slug=track_slug, name="中式烹调师"))


@dataclass
class Contest:
    event: Event
    track: Track
    theory: Stage
    practical: Stage
    judges: list[Judge]
    pins: dict[str, str]
    entries: list[Entry]


async def make_contest(session, contestants: int = 6, judges: int = 5, theory_panel: bool = True,
                       pledged: bool = True) -> Contest:
    """The running contest most tests judge: event `cook`, one track of `contestants` people of
    咸安区香城大酒店, drawn, a practical panel of `judges` (J01 chief, who also marks the theory
    unless `theory_panel` is false: then the theory stage is left for a test on the platform); the
    judges have accepted the pledge, declaring nothing, unless `pledged` is false."""
    session.add(Area(code="421202", name="咸安区"))
    await session.commit()
    return await running_contest(session, events.EventInput(slug="cook", name="烹饪大赛", year=2026),
                                 [person(i) for i in range(contestants)], judges, theory_panel, pledged)


async def running_contest(session, event_input: events.EventInput, rows: list[list[str]], judges: int,
                          theory_panel: bool = True, pledged: bool = True) -> Contest:
    """The event, running, with one track of these contestants (import rows), drawn, and a practical
    panel of `judges` (J01 chief, who also marks the theory stage alone, if it has a panel)."""
    event = await events.create_event(session, event_input)
    track = await events.create_track(session, event, events.TrackInput(slug="chef", name="中式烹调师"))
    await events.import_contestants(session, track, "a.xlsx", xlsx(rows), id_key=ID_KEY.encode())
    added = [await events.add_judge(session, event, f"评委{'甲乙丙丁戊己庚辛壬癸'[i]}", None) for i in range(judges)]
    round_ = (await events.list_rounds(session, track))[0]
    theory, practical = await events.list_stages(session, round_)
    await events.create_panel(session, practical, "实操组", [j.id for j, _ in added], added[0][0].id)
    if theory_panel:
        await events.create_panel(session, theory, "理论组", [added[0][0].id], added[0][0].id)
    await events.draw_blind_codes(session, track, "监督员")
    if pledged:
        await pledge_all(session, event)
    for step in ("registration", "running"):
        await events.set_event_status(session, event, step)
    entries = list((await session.exec(select(Entry).where(Entry.track_id == track.id)
                                       .order_by(Entry.running_order))).all())
    return Contest(event, track, theory, practical, [j for j, _ in added], {j.number: pin for j, pin in added},
                   entries)


async def pledge_all(session, event: Event) -> None:
    """Every judge of the event who has not yet accepted its pledge accepts it, declaring no relation."""
    from contest.judging import service as judging

    for judge, pledge in await judging.pledges(session, event):
        if pledge is None:
            await judging.accept_pledge(session, judge, event, judging.current_pledge(event), [], [], "")


# A blind contest as the public sees it: six contestants from three counties and units.
PUBLIC_AREAS = [("421202", "咸安区"), ("421281", "赤壁市"), ("421222", "通城县")]
PUBLIC_UNITS = [("咸宁市咸安区香城大酒店餐饮管理有限责任公司", "咸安区"), ("赤壁市青砖茶文化主题酒店", "赤壁市"),
                ("通城县隽水河鱼馆", "通城县")]
EVENT_NAME = "2026年咸宁市职工烹饪技能大赛暨“香城工匠”选树活动"
ORGANISERS = "咸宁市总工会、咸宁市人力资源和社会保障局、咸宁市商务局"
CONTACT = "咸宁市总工会劳动和经济工作部，电话 0715-8123456"


async def public_contest(session) -> Contest:
    """Six contestants from three counties and units, three judges; a blind event, running."""
    session.add_all([Area(code=code, name=name) for code, name in PUBLIC_AREAS])
    await session.commit()
    rows = [person(i, *PUBLIC_UNITS[i % len(PUBLIC_UNITS)]) for i in range(6)]
    return await running_contest(session, events.EventInput(
        slug="cook", name=EVENT_NAME, year=2026, organisers=ORGANISERS, visibility="blind"), rows, judges=3)


async def set_visibility(session, contest: Contest, rule: str) -> None:
    """What the public may see of the event's results: named, blind or hidden (until signed off)."""
    contest.event.visibility = rule
    session.add(contest.event)
    await session.commit()


FULL = {"prep": "8.5", "skill": "35", "quality": "36", "safety": "1"}  # a complete practical sheet


async def time_the_practical(session, contest: Contest) -> None:
    """The practical stage also measures the minutes taken (`minutes`, counting for nothing), which
    the contestant confirms at the station."""
    round_ = await session.get(Round, contest.practical.round_id)
    scheme = copy.deepcopy(round_.scheme)
    next(s for s in scheme["stages"] if s["key"] == "practical")["criteria"].append(
        {"key": "minutes", "name": "完成用时（分钟）", "kind": "measurement", "max": 120, "counts": False,
         "confirm": True})
    await events.set_scheme(session, round_, scheme)


async def submit(session, contest: Contest, judge: Judge, stage: Stage, entry: Entry, marks: dict, opinion: str = "",
                 notes: dict | None = None) -> None:
    """The judge submits a sheet for the entry (with an opinion and notes if given), on the version it is at."""
    from contest.judging import service as judging

    a = await judging.assignment(session, judge, stage.id)
    view = await judging.read_sheet(session, judge, a, entry.id)
    await judging.write_sheet(session, judging.SheetInput(
        judge.id, judge.event_id, stage.id, entry.id, marks, base_version=view.version, submit=True,
        key=f"t-{stage.id}-{entry.id}-{judge.id}-{view.version}", opinion=opinion, notes=notes or {}))


async def score_everything(session, contest: Contest, vary: bool = True, only: list | None = None) -> None:
    """Every panel judge submits every sheet of both stages (marks differ a little by judge), of
    every entry or of the `only` ones."""
    for n, entry in enumerate(contest.entries):
        if only is not None and entry not in only:
            continue
        await submit(session, contest, contest.judges[0], contest.theory, entry, {"written": str(60 + 2 * n)})
        for j, judge in enumerate(contest.judges):
            bump = (j + n) % 3 if vary else 0
            await submit(session, contest, judge, contest.practical, entry,
                         {"prep": str(7 + bump * 0.5), "skill": str(30 + bump), "quality": str(20 + n), "safety": "1"})


async def recheck(session, contest: Contest, stage: Stage) -> None:
    """The chief judge (J01) draws the stage's re-check list and confirms every entry on it."""
    from contest.judging import service as judging

    chief = contest.judges[0]
    a = await judging.assignment(session, chief, stage.id)
    draw = await judging.draw_recheck(session, stage, a.round, judging.actor_of(chief))
    for bib, _ in draw.entries:
        await judging.record_recheck(session, stage, bib, "confirmed", "", judging.actor_of(chief))


async def require_opinions(session, contest: Contest) -> None:
    """The practical stage's scheme requires each judge's written opinion (评审意见) on a sheet."""
    round_ = await session.get(Round, contest.practical.round_id)
    scheme = copy.deepcopy(round_.scheme)
    next(s for s in scheme["stages"] if s["key"] == "practical")["opinion"] = "required"
    await events.set_scheme(session, round_, scheme)


async def sign_off_stage(session, contest: Contest, stage: Stage) -> None:
    """The chief judge re-checks the stage (every finding confirmed) and signs it off."""
    from contest.judging import service as judging

    chief = contest.judges[0]
    await recheck(session, contest, stage)
    await judging.sign_off(session, chief, await judging.assignment(session, chief, stage.id))


async def sign_off(session, contest: Contest) -> None:
    """The chief judge re-checks and signs both stages off, and the event goes under review."""
    for stage in (contest.theory, contest.practical):
        await sign_off_stage(session, contest, stage)
    await events.set_event_status(session, contest.event, "review")


async def signed_off_contest(session, contest: Contest) -> None:
    """Every sheet scored, both stages signed off by the chief judge, the event under review."""
    await score_everything(session, contest)
    await sign_off(session, contest)


async def final_contest(session, contest: Contest) -> None:
    """Signed off, a week of public notice (公示) that ended yesterday, and the results made final."""
    from contest.leaderboards import service as boards

    await signed_off_contest(session, contest)
    today = clock.today()
    await boards.publish(session, contest.event, today - timedelta(days=8), today - timedelta(days=1), "",
                         "account:1 竞赛办", today=today - timedelta(days=8))
    await boards.finalise(session, contest.event, "account:1 竞赛办")


OFFICE = "account:1 竞赛办"
TITLE = "推荐授予“咸宁市技术能手”称号"


async def certified_contest(session, contest: Contest) -> None:
    """Named results, scored, re-checked and signed off, published with a title rule for the top
    three, final after its notice period, and the certificates issued (the day after finalisation)."""
    contest.event.visibility = "named"
    session.add(contest.event)
    await signed_off_contest(session, contest)
    await titled_final_and_certified(session, contest, 3)


async def titled_final_and_certified(session, contest: Contest, titled: int) -> None:
    """A signed-off contest with a title rule (a craftsman candidate) for the top `titled`, published
    with a week's notice that ended yesterday, final, and its certificates issued."""
    from contest.leaderboards import service as boards

    await boards.add_title_rule(session, contest.event, titled, TITLE, True, OFFICE)
    today = clock.today()
    await boards.publish(session, contest.event, today - timedelta(days=8), today - timedelta(days=1),
                         "监督仲裁组 0715-8888888", OFFICE, today=today - timedelta(days=8))
    await boards.finalise(session, contest.event, OFFICE)
    await boards.issue_certificates(session, contest.event, contest.track, OFFICE)


# --- people signed in --------------------------------------------------------------------------------


async def scorers(session, contest: Contest, *usernames: str, name: str | None = None) -> None:
    """Scorer accounts assigned to the contest's event (all with the same display name if given)."""
    for username in usernames:
        account = await create_account(session, username, name or username, "scorer", "correct-horse")
        await events.assign_scorer(session, contest.event, account.id)


async def sign_in_organiser(client, session) -> None:
    """An organiser account (clerk / correct-horse), and the client signed in with it."""
    await create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse")
    response = await client.login()
    assert response.status_code == 303, response.text


async def unit_account(session, username: str, *, unit_id: int | None = None, area_id: int | None = None,
                       password: str = "correct-horse"):
    """A unit's (or, with area_id, a county union's) account, opened from an organiser's invitation."""
    from contest.units import service as units

    code = await units.invite(session, unit_id=unit_id, area_id=area_id, actor="test")
    return await units.accept_invitation(session, code, username, password)


async def staff_page(browser, base: str, session, role: str = "organiser", path: str = "/admin"):
    """A browser page signed in as a new account `office` of the role (password xianning-2026), at `path`."""
    from contest.auth import create_account

    await create_account(session, "office", "工会办公室小李", role, "xianning-2026")
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    await page.goto(f"{base}/login?next={path}")
    await page.fill("input[name=username]", "office")
    await page.fill("input[name=password]", "xianning-2026")
    await page.click("button[type=submit]")
    await page.wait_for_load_state("networkidle")
    return page


async def sign_in_judge(client, contest: Contest, number: str = "J02", pin: str | None = None):
    """The judge signs in through the tablets' API (event code, number, PIN); returns the answer."""
    return await client.post("/api/judge/session", json={
        "event_code": contest.event.judge_code, "number": number, "pin": pin or contest.pins[number]},
        headers={"x-csrftoken": await client.csrf()})


async def put_sheet(client, contest: Contest, entry: Entry, marks: dict, version: int, submit: bool = False,
                    key: str | None = None, **words):
    """The signed-in judge's practical sheet for the entry, saved or submitted through the API
    (words: opinion=…, notes={criterion: …})."""
    return await client.put(f"/api/judge/stages/{contest.practical.id}/entries/{entry.id}", json={
        "marks": marks, "base_version": version, "submit": submit, "key": key or uuid.uuid4().hex, **words},
        headers={"x-csrftoken": await client.csrf()})


TABLET = {"viewport": {"width": 800, "height": 1280}, "locale": "zh-CN"}


async def judge_on_a_tablet(browser, base: str, contest: Contest, number: str, lands: str = "/judge"):
    """A browser context on a 10-inch tablet with judge `number` signed in by event code and PIN;
    returns the context and its page, at the judge's queue (or where `lands` says: the pledge)."""
    context = await browser.new_context(**TABLET)
    page = await context.new_page()
    await page.goto(f"{base}/judge/login")
    await page.fill("input[name=event_code]", contest.event.judge_code)
    await page.fill("input[name=number]", number)
    await page.fill("input[name=pin]", contest.pins[number])
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{lands}")
    return context, page


async def submit_on_the_tablet(page) -> None:
    """Submit the open sheet and confirm, as a judge does."""
    from playwright.async_api import expect

    await page.click("[data-act=submit]")
    await expect(page.locator("#confirm-submit")).to_contain_text("提交后将锁定，只有裁判长可以退回")
    await page.click("#confirm-ok")


async def fill_sheet(page, entry: Entry, marks: dict) -> None:
    """Open the entry's sheet on the tablet and type the marks."""
    from playwright.async_api import expect

    await page.click(f"[data-entry='{entry.id}']")
    await expect(page.locator(".sheet-head")).to_contain_text(entry.blind_code)
    for key, value in marks.items():
        await page.fill(f"input[data-key={key}]", value)


def badge(page, entry: Entry):
    """The state badge of the entry in the tablet's queue."""
    return page.locator(f"[data-entry='{entry.id}'] .badge")


async def open_once_announced(page, url: str, shown, seconds: float = 5) -> None:
    """Open a public page after a change the test committed in its own process, as a visitor who
    reloads: the server's workers learn of it by its announcement (LISTEN/NOTIFY, milliseconds),
    so the page may be the old one until then — never after `seconds`, when the caller's
    assertions judge what is shown. `shown`: an async check of the page that the change arrived."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        await page.goto(url)
        if await shown() or asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.1)


# --- a small Xianning of people -----------------------------------------------------------------------
# Areas, units in three industries, and people whose ID numbers and phones exist only as keyed
# hashes and masked forms (as every import leaves them).

WORLD_AREAS = [("421202", "咸安区"), ("421281", "赤壁市"), ("421221", "嘉鱼县")]
WORLD_UNITS = [("咸安区", "制造业", "咸宁机械制造有限公司"), ("赤壁市", "茶叶加工", "赤壁青砖茶业有限公司"),
               ("嘉鱼县", "电力能源", "嘉鱼供电公司")]
WORLD_NAMES = ["张建华", "李秀英", "陈志强", "刘芳", "王伟", "杨丽", "黄国平", "赵敏", "吴桂兰", "周涛", "徐明", "孙红"]


def id_number(i: int) -> str:
    gender = "男" if i % 2 else "女"
    return make_id_number("421202", date(1980, 1, 1 + i % 28), i, gender)


def phone(i: int) -> str:
    return f"1390715{i:04d}"


@dataclass
class World:
    areas: dict[str, Area]
    units: dict[str, Unit]
    people: list[Person]  # people[i] is WORLD_NAMES[i] (then generated names), working in WORLD_UNITS[i % 3]

    def person(self, name: str) -> Person:
        return next(p for p in self.people if p.name == name)


async def make_world(session, count: int = len(WORLD_NAMES)) -> World:
    areas = {name: Area(code=code, name=name) for code, name in WORLD_AREAS}
    session.add_all(areas.values())
    industries = {i: Industry(name=i) for i in {u[1] for u in WORLD_UNITS}}
    session.add_all(industries.values())
    await session.flush()
    units = {name: Unit(name=name, area_id=areas[area].id, industry_id=industries[industry].id)
             for area, industry, name in WORLD_UNITS}
    session.add_all(units.values())
    await session.flush()
    people, names = [], NameGenerator(7)
    for i in range(count):
        unit = units[WORLD_UNITS[i % len(WORLD_UNITS)][2]]
        number = id_number(i)
        gender = "男" if i % 2 else "女"
        name = WORLD_NAMES[i] if i < len(WORLD_NAMES) else names.person_name(gender)
        people.append(Person(name=name, gender=gender, id_hash=id_hash(number, ID_KEY.encode()),
                             id_masked=mask_id(number), phone_masked=mask_phone(phone(i)), unit_id=unit.id,
                             area_id=unit.area_id, skill_level=3))
    session.add_all(people)
    await session.commit()
    return World(areas, units, people)


# --- the registry -------------------------------------------------------------------------------------
# A worker with a filled craftsman profile, and a candidate taken through the real service functions
# to a given point of the pipeline. The registry's date is moved with `on_day`.

OFFICE = "account:1 市总工会劳动和经济工作部"
MARKS = {"lead": "16", "practice": "18", "innovate": "15.5", "tackle": "17", "pass_on": "16"}
EXPERTS = ("专家甲", "专家乙", "专家丙")

REGISTRY_AREAS = {"咸安区": "421202", "赤壁市": "421281", "通山县": "421224"}


async def registry_areas(session) -> None:
    """The counties the craftsmen lists below name, and the industry 制造业."""
    session.add_all([Area(code=code, name=name) for name, code in REGISTRY_AREAS.items()])
    session.add(Industry(name="制造业"))
    await session.commit()


def craftsmen_file(rows) -> bytes:
    """A list of earlier named craftsmen, as the registry office imports it."""
    from contest.registry.importers import COLUMNS

    return xlsx(rows, header=list(COLUMNS))


def wang_craftsmen(n: int):
    """Rows of a craftsmen list: n craftsmen named 王xx (wang), then 黄建华 (huang) and 汪丽 (wang
    again), all of 赤壁市, named 香城工匠 in 2024 — a search for "wang" finds n + 1."""
    given = "建华秀英志强芳伟丽国平敏桂兰涛"
    names = [f"王{given[i % 15]}{given[(i // 15) % 15]}" for i in range(n)] + ["黄建华", "汪丽"]
    for i, name in enumerate(names):
        born = date(1975 + i % 20, 1 + i % 12, 1 + i % 28)
        yield [name, make_id_number(REGISTRY_AREAS["赤壁市"], born, i % 500, "男"), "赤壁市青砖茶厂", "赤壁市",
               "茶叶加工工", "二级/技师", "香城工匠", "2024", "", "", ""]



def on_day(monkeypatch, day: date) -> None:
    """The contest's today (notice periods, naming) is `day` from now on in this test: noon in Beijing."""
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(day, time(4), tzinfo=UTC))


async def worker(session, name: str = "张建华", *, n: int = 0, skill_level: int | None = 2,
                 years_in_post: int | None = 12, trade: str = "数控车工", gender: str = "男") -> Person:
    """A worker of a machinery company in 咸安区 with a craftsman profile (filled unless told)."""
    area = (await session.exec(select(Area).where(Area.code == "421202"))).first()
    if area is None:
        area = Area(code="421202", name="咸安区")
        session.add(area)
        await session.flush()
    unit = (await session.exec(select(Unit).where(Unit.name == "咸宁机械制造有限公司"))).first()
    if unit is None:
        unit = Unit(name="咸宁机械制造有限公司", area_id=area.id)
        session.add(unit)
        await session.flush()
    someone = Person(name=name, gender=gender, id_hash=f"{n:064d}", id_masked="4212**********123X", unit_id=unit.id,
                     area_id=area.id, skill_level=skill_level)
    session.add(someone)
    await session.commit()
    await registry.update_profile(session, someone.id, trade=trade, professional_title="",
                                  years_in_post=years_in_post, unit_head=False)
    return someone


async def nominated(session, someone: Person | None = None, tier: str = "city") -> Candidate:
    """A person nominated by their unit (state `candidate`)."""
    someone = someone or await worker(session)
    return await registry.nominate(session, someone.id, tier, "nomination", OFFICE, nominating_unit_id=someone.unit_id)


async def eligible(session, someone: Person | None = None) -> Candidate:
    return await registry.check_eligibility(session, await nominated(session, someone), OFFICE, "eligible")


async def reviewed(session, someone: Person | None = None) -> Candidate:
    candidate = await eligible(session, someone)
    for expert in EXPERTS:
        await registry.record_review(session, candidate, expert, MARKS, "技艺精湛，带徒成效显著")
    return await registry.finish_review(session, candidate, OFFICE)


async def under_notice(session, candidates: list[Candidate], starts_on: date, seq: int = 1,
                       days: int = 7) -> Batch:
    """The candidates in the notice of batch `seq` of the registry's current year, from `starts_on`
    for `days` days (the registry's today must not be after `starts_on`)."""
    batch = await registry.get_batch(session, clock.today().year, seq)
    await registry.open_notice(session, batch, [c.id for c in candidates], starts_on,
                               starts_on + timedelta(days=days - 1), OFFICE)
    return batch


async def name_craftsman(session, someone: Person, year: int = 2024) -> None:
    """Make the person a named 香城工匠 (as the historic list's import does), so the registry has a
    public profile for them."""
    batch = await registry.historic_batch(session, year)
    await registry.record_import(session, Candidate(person_id=someone.id, tier="city", road="nomination",
                                                    batch_id=batch.id, named_year=year), OFFICE)
    await session.commit()


# --- theory tests: a question bank (the import template's rows), a blueprint, a contest a test marks ---

KNOWLEDGE = ("食品安全", "刀工技术", "烹调方法", "原料知识", "营养卫生")
DIFFICULTY = ("易", "中", "难")
# 200 questions: 80 single, 40 multiple, 40 true/false, 40 fill-in (every fourth fill-in marked by people)
KIND_OF = ["单选题"] * 80 + ["多选题"] * 40 + ["判断题"] * 40 + ["填空题"] * 40


def question_row(i: int) -> list[str]:
    """Question i of the generated bank, in the import template's columns."""
    kind, knowledge, difficulty = KIND_OF[i % 200], KNOWLEDGE[i % 5], DIFFICULTY[i % 3]
    stem = f"第{i + 1}题：关于{knowledge}，下列说法正确的是（  ）"
    options, answer, manual = [""] * 6, "", ""
    if kind == "单选题":
        options[:4] = [f"说法{i}甲", f"说法{i}乙", f"说法{i}丙", f"说法{i}丁"]
        answer = "ABCD"[i % 4]
    elif kind == "多选题":
        options[:5] = [f"做法{i}一", f"做法{i}二", f"做法{i}三", f"做法{i}四", f"做法{i}五"]
        answer = ["AB", "ACD", "BCE", "ABDE"][i % 4]
    elif kind == "判断题":
        stem = f"第{i + 1}题：{knowledge}中，第{i}条规定应当执行。"
        answer = "对" if i % 2 else "错"
    else:
        stem = f"第{i + 1}题：{knowledge}的要点是（  ）。"
        answer = f"要点{i}|要点{i}号"
        manual = "是" if i % 4 == 0 else ""
    return [kind, stem, *options, answer, "2", difficulty, knowledge, "《中式烹调师国家职业技能标准》",
            f"第{i + 1}题的解析：依据{knowledge}的规定。", manual]



# A 100-point paper of 20 questions over the generated bank.
BLUEPRINT = [
    {"kind": "single", "difficulty": "easy", "knowledge": "", "count": "4", "points": "4"},
    {"kind": "single", "difficulty": "", "knowledge": "", "count": "4", "points": "4"},
    {"kind": "multiple", "difficulty": "", "knowledge": "", "count": "4", "points": "5"},
    {"kind": "truefalse", "difficulty": "", "knowledge": "食品安全", "count": "4", "points": "3"},
    {"kind": "fill", "difficulty": "", "knowledge": "", "count": "4", "points": "9"},
]


async def theory_contest(session, contestants: int = 6, judges: int = 2) -> Contest:
    """A running contest whose theory stage has no panel: a test on the platform marks it."""
    return await make_contest(session, contestants, judges, theory_panel=False)


def bank_file(rows: list[list[str]]) -> bytes:
    return xlsx(rows, header=list(COLUMNS))


# --- a project contest (工友杯): teams entered from the project file ----------------------------------

PROJECT_HEADER = ["项目名称", "角色", *HEADER]
PROJECT_UNITS = [("咸宁机械制造有限公司", "咸安区"), ("赤壁青砖茶业有限公司", "赤壁市")]
PROJECT_TITLES = ["数控机床主轴故障预警系统", "砖茶压制节能改造", "焊接工装快速更换"]


def project_rows() -> list[list[str]]:
    """The project file's rows: a three-member team (one member from another unit), then two pairs."""
    home, other = PROJECT_UNITS
    teams = [(PROJECT_TITLES[0], [home, other, home]), (PROJECT_TITLES[1], [other, other]),
             (PROJECT_TITLES[2], [home, home])]
    rows, i = [], 0
    for title, units in teams:
        for n, unit in enumerate(units):
            rows.append([title, "负责人" if n == 0 else "成员", *person(i, *unit)])
            i += 1
    return rows


async def project_contest(session, judges: int = 5) -> Contest:
    """The 工友杯 (project_event), its three projects imported from the project file, drawn and running."""
    contest = await project_event(session, judges)
    report = await events.import_projects(session, contest.track, "p.xlsx", xlsx(project_rows(), PROJECT_HEADER),
                                          id_key=ID_KEY.encode())
    assert report.imported == 3, report
    return await drawn_and_running(session, contest)


async def drawn_and_running(session, contest: Contest) -> Contest:
    """The contest's entries drawn, its judges' pledges accepted, the event running; its entries in bib order."""
    await events.draw_blind_codes(session, contest.track, "监督员")
    await pledge_all(session, contest.event)
    for step in ("registration", "running"):
        await events.set_event_status(session, contest.event, step)
    contest.entries = list((await session.exec(select(Entry).where(Entry.track_id == contest.track.id)
                                               .order_by(Entry.bib))).all())
    return contest


async def project_event(session, judges: int = 5) -> Contest:
    """The 工友杯 in preparation, no projects yet: a named, city-level project event on the innovation
    scheme, five judges on both stages (J01 chief). `theory` is its 成果评审 stage and `practical` its
    展示答辩."""
    from contest.events import scheme_form

    session.add_all([Area(code=code, name=name) for code, name in WORLD_AREAS[:2]])
    await session.commit()
    event = await events.create_event(session, events.EventInput(
        slug="gongyou", name="第三届“工友杯”职工创新大赛", year=2026, kind="project", visibility="named",
        organisers="咸宁市总工会"))
    track = await events.create_track(session, event, events.TrackInput(slug="innovation", name="职工技术创新成果"),
                                      scheme_form.template("innovation", "职工技术创新成果"))
    added = [await events.add_judge(session, event, f"评委{'甲乙丙丁戊己'[i]}", None) for i in range(judges)]
    review, defence = await events.list_stages(session, (await events.list_rounds(session, track))[0])
    for stage in (review, defence):
        await events.create_panel(session, stage, f"{stage.name}组", [j.id for j, _ in added], added[0][0].id)
    return Contest(event, track, review, defence, [j for j, _ in added], {j.number: pin for j, pin in added}, [])


async def certified_project_contest(session, contest: Contest) -> None:
    """Every judge marks every project (the first project best), both stages signed off, a title rule
    putting the winner forward as a craftsman candidate, published, final and certified."""
    for n, entry in enumerate(contest.entries):
        for j, judge in enumerate(contest.judges):
            await submit(session, contest, judge, contest.theory, entry,
                         {"novelty": str(36 - 4 * n + j % 2), "benefit": str(30 - 3 * n), "feasibility": "20"})
            await submit(session, contest, judge, contest.practical, entry,
                         {"presentation": str(50 - 5 * n), "answers": str(35 - j % 3)})
    await sign_off(session, contest)
    await titled_final_and_certified(session, contest, 1)
