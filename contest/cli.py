"""The `contest` command: the only place besides app.py that knows every module."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import functools
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
import yaml

from contest import clock
from contest.errors import Conflict, InputError, NotFound
from contest.settings import Settings, SettingsError

# The database stack is imported by the commands that use it: `contest results compute` needs only
# the scoring engine, and importing SQLAlchemy, SQLModel and Alembic would cost it a second or more.
if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from contest import db
    from contest.tables import RowProblem

T = TypeVar("T")
DEFAULT_SEED = Path(__file__).resolve().parent.parent / "seeds" / "xianning.yaml"
SHUTDOWN_GRACE = 5  # seconds a response may take to finish once the server is told to stop


class CLIError(click.ClickException):
    """One line saying what and where; exit code 1."""

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", file=file, err=True)


class _ChineseHelp(click.HelpFormatter):
    """--help in Chinese: click's own headings, whose help texts are ours."""

    HEADINGS = {"Options": "选项", "Commands": "命令"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or "用法：")

    def section(self, name: str):
        return super().section(self.HEADINGS.get(name, name))


class _Context(click.Context):
    formatter_class = _ChineseHelp


class _Command(click.Command):
    context_class = _Context

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{"options_metavar": "[选项]", **kwargs})

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示此帮助并退出"
        return option


def _settings() -> Settings:
    """This command's settings; the clock follows their time zone."""
    settings = Settings.from_env()
    clock.use(settings.timezone)
    return settings


def _database_url(settings: Settings) -> str:
    """The server's URL, or the embedded PostgreSQL's: started now unless it runs already, and left
    when this command ends, however it ends — stopped then, unless another process (a server) still
    uses it."""
    if settings.database_url:
        return settings.database_url
    from contest import db

    postgres = db.EmbeddedPostgres(settings.data_dir)
    try:
        url = postgres.start()
    except Exception as exc:  # the wheel reports failures in many shapes; one line is what a user needs
        raise CLIError(f"无法在 {postgres.pgdata} 启动内置 PostgreSQL：{_first_line(exc)}") from exc
    click.get_current_context().call_on_close(lambda: _stop(postgres))
    return url


def _stop(postgres: db.EmbeddedPostgres) -> None:
    try:
        postgres.stop()
    except Exception as exc:
        raise CLIError(f"内置 PostgreSQL（{postgres.pgdata}）未能停止：{_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    """What a person needs of a database error: the driver's message, its first line."""
    lines = str(getattr(exc, "orig", exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _run(url: str, work: Callable[[AsyncSession], Awaitable[T]], *, check: bool = True) -> T:
    from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidRequestError

    from contest import db

    async def main() -> T:
        try:
            engine = db.make_engine(url, pool_size=2)
        except (ArgumentError, InvalidRequestError, ImportError) as exc:  # not a URL, or not an asyncpg one
            raise CLIError(f"CONTEST_DATABASE_URL 应为 postgresql+asyncpg://用户:密码@主机/数据库：{exc}") from exc
        try:
            try:  # reach the database first: a server that is down or a wrong URL is one line, not a traceback
                async with engine.connect():
                    pass
            except (OSError, DBAPIError) as exc:
                where = f"{engine.url.host or engine.url.query.get('host')} 上的数据库 {engine.url.database}"
                raise CLIError(f"无法连接 {where}：{_first_line(exc)}") from exc
            if check:
                await db.ensure_migrated(engine)
            async with db.make_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except (InputError, NotFound, Conflict) as exc:
        where = f"（{exc.field}）" if getattr(exc, "field", None) else ""
        raise CLIError(f"{exc.message}{where}") from exc
    except db.DatabaseNotReady as exc:
        raise CLIError(str(exc)) from exc


class _Commands(_Command, click.Group):
    command_class = _Command
    group_class = type  # subgroups are _Commands too

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{"subcommand_metavar": "命令 [参数]...", **kwargs})

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:  # a CONTEST_* variable that means nothing: one line naming it
            raise CLIError(str(exc)) from exc


@click.group(cls=_Commands)
def main() -> None:
    """咸宁市职工技能竞赛与香城工匠平台的命令行。每条命令加 --help 可看用法。"""
    # A service manager's SIGTERM and a closed terminal's SIGHUP end a command as Ctrl+C does, so
    # that what it started (the embedded PostgreSQL) is stopped on the way out.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)


# --- database ---------------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """数据库结构。"""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """把数据库升级到当前版本（执行全部迁移）。"""
    from sqlalchemy.exc import DBAPIError

    from contest import db

    url = _database_url(_settings())
    _run(url, _reached, check=False)  # a wrong URL or a server that is down: one line, not a traceback
    try:
        db.upgrade(url)
    except DBAPIError as exc:
        raise CLIError(f"数据库迁移失败：{_first_line(exc)}") from exc
    click.echo("数据库已是最新版本")


async def _reached(session: AsyncSession) -> None:
    """Nothing more to do once _run has reached the database."""


@db_group.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def db_backup(path: Path | None) -> None:
    """备份数据库（PostgreSQL 的 pg_dump，一次快照，服务运行、评委提交时也可进行）。PATH 为备份文件或文件夹，
    默认为数据目录下的 backups 文件夹；备份含身份证号密钥，请像数据目录一样妥善保管。"""
    import asyncpg

    from contest import backup

    settings = _settings()
    target = path or settings.data_dir / "backups"
    try:
        (target if target.is_dir() or path is None else target.parent).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"无法创建备份文件夹 {target}：{exc.strerror}") from exc
    url = _database_url(settings)
    try:
        written, manifest = _run(url, lambda session: backup.backup(url, settings.id_hash_key, target,
                                                                         settings.attachments_dir))
    except (OSError, RuntimeError, asyncpg.PostgresError) as exc:
        raise CLIError(f"备份失败：{_first_line(exc)}") from exc
    click.echo(f"备份已写入 {written}（账本 {manifest.ledger_entries} 条，截至 {manifest.taken_at}）")


@db_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def db_restore(path: Path) -> None:
    """把 contest db backup 的备份恢复到空的数据目录（新的 CONTEST_DATA_DIR）或空数据库，不覆盖已有数据；
    恢复后可用 contest audit verify 核对账本。"""
    import asyncpg

    from contest import backup, db
    from contest.settings import store_secret

    settings = _settings()
    try:
        manifest, key = backup.read_archive(path)
    except InputError as exc:
        raise CLIError(exc.message) from exc
    key_from_env = bool(os.environ.get("CONTEST_ID_HASH_KEY", "").strip())
    if key_from_env and key != settings.id_hash_key:
        raise CLIError("备份中的身份证号密钥与 CONTEST_ID_HASH_KEY 不同：恢复后将无法识别已登记的人员；"
                       "请去掉 CONTEST_ID_HASH_KEY（密钥随备份写入数据目录）或改为备份中的密钥")
    url = _database_url(settings)
    try:
        _run(url, lambda session: backup.restore(url, path, settings.attachments_dir), check=False)
    except (RuntimeError, OSError, asyncpg.PostgresError) as exc:
        raise CLIError(f"恢复失败，数据库未改动：{_first_line(exc)}") from exc
    if not key_from_env:
        store_secret(settings.data_dir, "id_hash_key", key)
    click.echo(f"已恢复 {manifest.taken_at} 的备份：账本 {manifest.ledger_entries} 条，末条哈希与备份一致")
    if manifest.revision != db.head_revision():
        click.echo("备份的数据库结构较旧：请运行 contest db upgrade")


# --- serving ----------------------------------------------------------------------------------------


def _only_server(settings: Settings) -> None:
    """One server per data folder, which owns its embedded PostgreSQL: a second one started by
    mistake (a second double-click) is refused; more processes come from --workers."""
    if settings.database_url:
        return
    from contest import db

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / ".server.lock"
    try:
        fd = db.flock(path, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = path.read_text().strip() or "?"
        raise CLIError(f"数据目录 {settings.data_dir} 已有一个服务器在运行（进程 {pid}）；"
                       f"同一数据目录只能运行一个服务器，需要更多进程请用 --workers") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    click.get_current_context().call_on_close(lambda: os.close(fd))


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    access_log: bool
    backup_every: float | None  # minutes
    backup_dir: Path | None
    backup_keep: int


def serve_options(fn):
    """The options `serve` and `demo` share, handed to them as one ServeOptions."""
    options = [
        click.option("--host", default="127.0.0.1", show_default=True, help="监听地址"),
        click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口"),
        click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="工作进程数"),
        click.option("--access-log", is_flag=True, help="记录每个请求（前置代理通常已记录）"),
        click.option("--backup-every", type=click.FloatRange(min=0.1), metavar="MINUTES",
                     help="每隔 MINUTES 分钟备份一次数据库（启动时先备份一次），同 contest db backup"),
        click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="定时备份的文件夹（默认为数据目录下的 backups）"),
        click.option("--backup-keep", default=48, show_default=True, type=click.IntRange(1),
                     help="定时备份保留最近的几份（更早的自动删除）"),
    ]

    @functools.wraps(fn)
    def command(**values):
        return fn(ServeOptions(**values))

    for option in reversed(options):
        command = option(command)
    return command


def _serve(settings: Settings, url: str, options: ServeOptions) -> None:
    import uvicorn

    # Workers are separate processes: they find the database (and the data folder) in the environment.
    os.environ["CONTEST_DATABASE_URL"] = url
    os.environ["CONTEST_DATA_DIR"] = str(settings.data_dir)
    os.environ.setdefault("CONTEST_SECRET_KEY", settings.secret_key)
    os.environ.setdefault("CONTEST_ID_HASH_KEY", settings.id_hash_key)
    _run(url, lambda session: asyncio.sleep(0))  # refuse an unmigrated database before binding the port
    if options.workers > 1:  # each worker writes its metrics here; a scrape adds them up (metrics.py)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="contest-metrics-")
        click.get_current_context().call_on_close(
            lambda: shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True))
    if options.backup_every:
        _schedule_backups(settings, url, options)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal that stopped it: a normal end
        # live streams end as soon as the server is told to stop (app.py); any other response gets
        # SHUTDOWN_GRACE seconds before it is cut, so that one Ctrl+C stops everything promptly
        uvicorn.run("contest.app:create_app_from_env", factory=True, host=options.host, port=options.port,
                    workers=options.workers, log_level="info", access_log=options.access_log,
                    timeout_graceful_shutdown=SHUTDOWN_GRACE)


def _schedule_backups(settings: Settings, url: str, options: ServeOptions) -> None:
    """Backups on a thread of this process, stopped (a backup under way finished) before the
    embedded PostgreSQL is let go: closing callbacks run last-registered first."""
    from contest import backup

    folder = options.backup_dir or settings.data_dir / "backups"
    schedule = backup.Schedule(url, settings.id_hash_key, folder, options.backup_every, options.backup_keep,
                               settings.attachments_dir)
    try:
        schedule.start()
    except OSError as exc:
        raise CLIError(f"无法创建备份文件夹 {folder}：{exc.strerror}") from exc
    click.get_current_context().call_on_close(schedule.stop)
    click.echo(f"每 {options.backup_every:g} 分钟备份一次到 {folder}，保留最近 {options.backup_keep} 份")


@main.command()
@serve_options
def serve(options: ServeOptions) -> None:
    """启动网站服务。"""
    settings = _settings()
    _only_server(settings)
    _serve(settings, _database_url(settings), options)


@main.command()
@serve_options
def demo(options: ServeOptions) -> None:
    """升级数据库、载入咸宁演示数据（只载入一次）并启动网站。"""
    from contest import db, seed

    settings = _settings()
    _only_server(settings)
    url = _database_url(settings)
    _run(url, lambda session: asyncio.sleep(0), check=False)  # a database that cannot be reached: one line
    db.upgrade(url)
    with _progress("正在载入咸宁演示数据（首次启动约需半分钟）"):
        logins = _run(url, lambda session: seed.load_demo(session, DEFAULT_SEED, settings.id_hash_key.encode()))
    click.echo(f"\n  咸宁市职工技能竞赛平台演示：http://{options.host}:{options.port}/")
    for role, username, password in logins:
        click.echo(f"  {role}：{username} / {password}")
    click.echo(f"  数据目录：{settings.data_dir}（按 Ctrl+C 停止，数据会保留）\n")
    _serve(settings, url, options)


@main.command("seed")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def seed_command(path: Path | None) -> None:
    """把种子数据（默认为咸宁演示数据）载入已升级的数据库。"""
    from contest import seed

    settings = _settings()
    url = _database_url(settings)
    try:
        with _progress(f"正在载入 {path or DEFAULT_SEED}"):
            logins = _run(url, lambda session: seed.load_demo(session, path or DEFAULT_SEED,
                                                              settings.id_hash_key.encode()))
    except yaml.YAMLError as exc:  # a seed file given by the user: one line, not a traceback
        raise CLIError(f"{path or DEFAULT_SEED}：不是有效的 YAML：{' '.join(str(exc).split())}") from exc
    except KeyError as exc:
        raise CLIError(f"{path or DEFAULT_SEED}：种子文件缺少“{exc.args[0]}”") from exc
    click.echo(f"已载入 {path or DEFAULT_SEED}；演示账号 {len(logins)} 个")


# --- accounts ---------------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """账号。"""


@user.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["organiser", "chief_judge", "judge", "scorer",
                                                          "registry_reviewer", "invigilator", "marker"]),
              help="角色：organiser 组织方、chief_judge 裁判长、judge 裁判、scorer 录分员、registry_reviewer 工匠评审、"
                   "invigilator 监考员、marker 阅卷员")
@click.option("--name", "display_name", help="页面上显示的姓名（默认为用户名）")
@click.password_option(help="密码（不填时会提示输入）")
def user_create(username: str, role: str, display_name: str | None, password: str) -> None:
    """创建账号，例如第一个组织方账号。"""
    from contest import auth

    url = _database_url(_settings())
    account = _run(url, lambda s: auth.create_account(s, username, display_name or username, role, password))
    click.echo(f"已创建{auth.ROLES[account.role]}账号 {account.username}")


# --- events -----------------------------------------------------------------------------------------


@main.group()
def events() -> None:
    """竞赛活动。"""


@events.command("list")
def events_list() -> None:
    """每个赛项一行：event=活动代码 track=赛项代码，然后是名称。"""
    from contest.events import service

    async def lines(session: AsyncSession) -> list[str]:
        out = []
        for event in await service.list_events(session):
            for track in await service.list_tracks(session, event):
                out.append(f"event={event.slug} track={track.slug}\t{event.name}\t{track.name}")
        return out

    for line in _run(_database_url(_settings()), lines):
        click.echo(line)


# --- imports ----------------------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """批量导入。"""


def _import_options(command):
    """The options every entries import takes: the event and track, 仅检查, 跳过错误行, the template."""
    for option in reversed((
            click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--event", "event_slug", help="活动代码（见 contest events list）"),
            click.option("--track", "track_slug", help="赛项代码"),
            click.option("--dry-run", is_flag=True, help="仅检查每一行，不导入"),
            click.option("--skip-bad", is_flag=True, help="有错误行时也导入其余正确的行"),
            click.option("--template", "template", type=click.Path(dir_okay=False, path_type=Path),
                         help="把空白导入模板（XLSX）写到此路径后退出"))):
        command = option(command)
    return command


@import_group.command("contestants")
@_import_options
def import_contestants(file: Path | None, event_slug: str | None, track_slug: str | None, dry_run: bool,
                       skip_bad: bool, template: Path | None) -> None:
    """从 XLSX 或 CSV 文件把选手导入一个赛项。"""
    from contest.events import importers, service

    _import_entries(service.import_contestants, importers.write_template, "选手", "人",
                    file, event_slug, track_slug, dry_run, skip_bad, template)


@import_group.command("projects")
@_import_options
def import_projects(file: Path | None, event_slug: str | None, track_slug: str | None, dry_run: bool,
                    skip_bad: bool, template: Path | None) -> None:
    """从 XLSX 或 CSV 文件把参赛项目（每位团队成员一行）导入项目赛的一个赛项。"""
    from contest.events import importers, service

    _import_entries(service.import_projects, importers.write_projects_template, "项目", "项",
                    file, event_slug, track_slug, dry_run, skip_bad, template)


def _import_entries(importer, write_template, noun: str, measure: str, file: Path | None, event_slug: str | None,
                    track_slug: str | None, dry_run: bool, skip_bad: bool, template: Path | None) -> None:
    from contest.events import service
    from contest.tables import ImportReport

    if template:
        try:
            template.write_bytes(write_template())
        except OSError as exc:
            raise CLIError(f"无法把模板写到 {template}：{exc.strerror}") from exc
        click.echo(f"导入模板已写到 {template}")
        return
    if not (file and event_slug and track_slug):
        raise CLIError("请给出文件、--event 和 --track（或 --template 路径）")
    if not file.is_file():
        raise CLIError(f"{file}：文件不存在")
    settings = _settings()

    async def work(session: AsyncSession) -> ImportReport:
        event = await service.get_event(session, event_slug)
        track = await service.get_track(session, event, track_slug)
        with _progress(f"正在导入 {file.name}"):
            return await importer(session, track, file.name, file.read_bytes(), id_key=settings.id_hash_key.encode(),
                                  skip_bad=skip_bad, dry_run=dry_run)

    report = _run(_database_url(settings), work)
    _echo_problems(file, report.problems)
    if report.new_units:
        click.echo(f"新单位：{'、'.join(report.new_units)}")
    if report.imported:
        click.echo(f"已导入{noun} {report.imported} {measure}；跳过错误行 {report.bad_rows} 行")
    elif dry_run:
        click.echo(f"仅检查：共 {report.rows} 行，正确 {report.good} 行，错误 {report.bad_rows} 行；未导入")
    if report.problems and not (skip_bad and report.imported) and not dry_run:
        raise CLIError(f"{file.name}：有 {report.bad_rows} 行错误，未导入（请改正，或用 --skip-bad 只导入正确的行）")


def _echo_problems(file: Path, problems: list[RowProblem]) -> None:
    """Every bad row on its own line: FILE 第N行 列名：问题."""
    for p in problems:
        click.echo(f"{file.name} 第{p.row}行 {p.column}：{p.problem}", err=True)  # always the column: a fixed shape


def _progress(label: str):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn(label), TimeElapsedColumn(), transient=True,
                        disable=not sys.stderr.isatty())
    progress.add_task(label, total=None)
    return progress


# --- judging ----------------------------------------------------------------------------------------


@main.group()
def marks() -> None:
    """纸质评分表（裁判签字）的分数录入。"""


@marks.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_slug", required=True, help="活动代码（见 contest events list）")
@click.option("--track", "track_slug", help="赛项代码（活动有多个赛项时必填）")
@click.option("--scorer", required=True,
              help="录入本遍的录分员（用户名；须由活动组织方指派，两遍须由两名不同的录分员录入）")
@click.option("--pass", "pass_no", required=True, type=click.IntRange(1, 2),
              help="第几遍：1 或 2（每张评分表由两名录分员各录一遍）")
def marks_import(file: Path, event_slug: str, track_slug: str | None, scorer: str, pass_no: int) -> None:
    """一名录分员对纸质评分表的一遍录入。FILE 为 CSV 或 XLSX，列为 entry,stage,criterion,judge,mark
    （或 加密号、环节、评分项、裁判编号、评分）；裁判编号写 J5、J05 或 5 均可。先检查每一行，有错误时
    逐行列出（含行号）且不录入；两遍录入一致的评分表计入成绩，不一致的列出差异。"""
    from contest.judging import importers

    report = _run(_database_url(_settings()),
                  lambda s: importers.import_pass(s, file, event_slug, track_slug, scorer, pass_no))
    if report.problems:
        _echo_problems(file, report.problems)
        rows = len({p.row for p in report.problems})
        raise CLIError(f"{file.name}：有 {rows} 行错误，本遍未录入任何评分；请改正后重新录入")
    for line in report.lines():
        click.echo(line)
    if report.mismatches:
        raise CLIError(f"{file.name}：{len(report.mismatches)} 张评分表与另一遍录入不一致，不计入成绩")


@main.group()
def audit() -> None:
    """防篡改的评分账本。"""


@audit.command("verify")
@click.option("--event", "event_slug", help="只核对该活动的数据（哈希链总是整条核对）")
def audit_verify(event_slug: str | None) -> None:
    """重新核对账本的 SHA-256 哈希链，由账本重新计算每个公布的数字（成绩、名次、奖项、公示名单、证书），
    并与理论考试的试卷、答卷和成绩逐一比对。"""
    from contest import audit as auditing
    from contest.events import service as events
    from contest.exams.service import audit as exams_audit

    async def work(session: AsyncSession) -> auditing.AuditReport:
        # one snapshot for the whole check: what commits meanwhile is not half seen (a false alarm)
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        event = await events.get_event(session, event_slug) if event_slug else None
        report = await auditing.verify(session, event)
        test_problems = await exams_audit.audit(session, event)
        return dataclasses.replace(report, problems=(*report.problems, *test_problems))

    report = _run(_database_url(_settings()), work)
    if report.problems:
        for problem in report.problems[:-1]:
            click.echo(f"核对未通过：{problem}", err=True)
        raise CLIError(f"核对未通过：{report.problems[-1]}")
    click.echo(f"账本完好：共 {report.entries} 条记录，{report.marks} 个评分与之相符；由账本重新计算的"
               f" {report.results} 个成绩、{report.notice_rows} 行公示名单和 {report.certificates} 张证书与数据库一致，"
               "全部理论考试试卷、答卷和成绩亦相符")


# --- results ----------------------------------------------------------------------------------------


@main.group()
def results() -> None:
    """离线计算成绩，与服务器算法完全相同。"""


@results.command("compute")
@click.option("--scheme", "scheme_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="评分标准文件（YAML 或 JSON）")
@click.option("--marks", "marks_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="评分 CSV（entry,stage,criterion,judge,mark）")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True, help="输出格式")
@click.option("--standardise", is_flag=True,
              help="加一列标准分：500 + 100 × (总分 − 平均分) ÷ 标准差，"
                   "按本赛项全部有名次的选手计算（不足 8 名不计算）")
@click.option("--explain", is_flag=True, help="改为输出每位选手的成绩明细（每位裁判的评分、去掉的分数、每一步舍入）")
@click.option("--entry", "entries", multiple=True, metavar="选手", help="与 --explain 同用：只输出这位选手（可重复）")
def results_compute(scheme_path: Path, marks_path: Path, fmt: str, standardise: bool, explain: bool,
                    entries: tuple[str, ...]) -> None:
    """由评分标准和评分 CSV 计算名次、总分和奖项（可加标准分，或输出成绩明细）。"""
    from contest.scoring import STANDARD_RULE, MarkError, SchemeError, ScoringError, compute_from_files

    if entries and not explain:
        raise CLIError("--entry 只能与 --explain 一起使用")
    try:
        sys.stdout.write(compute_from_files(scheme_path, marks_path, fmt, standardised=standardise,
                                            explain=explain, entries=entries))
        if standardise and not explain:
            sys.stderr.write(STANDARD_RULE + "\n")
    except SchemeError as exc:
        raise CLIError(f"{scheme_path.name}：{_scheme_problem(scheme_path, exc)}") from exc
    except MarkError as exc:
        raise CLIError(exc.chinese) from exc
    except ScoringError as exc:
        raise CLIError(str(exc)) from exc


def _scheme_problem(path: Path, error: Exception) -> str:
    """The scheme file's error said as the pages say it, naming stages and criteria by their names."""
    from contest.scoring import SchemeError, chinese

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    return chinese.explain(SchemeError(str(error).removeprefix(f"{path.name}: ")), data).text


if __name__ == "__main__":
    main()
