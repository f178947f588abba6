"""Who may publish and correct results is part of what defends them: creating an account and
changing its role or standing are ledgered, and a changed account's open sessions end."""
from sqlmodel import select

from contest import auth
from contest.errors import InputError
from contest.ledger import LedgerEntry


async def test_accounts_and_role_changes_are_ledgered(session, client):
    await auth.create_account(session, "boss", "办公室主任", "organiser", "correct-horse", "cli")
    account = await auth.create_account(session, "clerk", "竞赛办小王", "organiser", "correct-horse", "cli")
    assert (await client.login()).status_code == 303
    assert (await client.get("/admin/")).status_code == 200
    await auth.change_account(session, account, "account:9 系统管理员", role="scorer")
    assert (await client.get("/admin/", follow_redirects=False)).status_code in (302, 303, 401)  # signed out
    await auth.change_account(session, account, "account:9 系统管理员", active=False)
    await auth.change_account(session, account, "account:9 系统管理员", active=False)  # no change, no entry
    try:
        await auth.change_account(session, account, "account:9 系统管理员", role="root")
        raise AssertionError("an unknown role was accepted")
    except InputError as refused:
        assert refused.field == "role"
    entries = (await session.exec(select(LedgerEntry).order_by(LedgerEntry.id))).all()
    assert [(e.action, e.actor) for e in entries] == [("account.create", "cli"), ("account.create", "cli"),
                                                       ("account.change", "account:9 系统管理员"),
                                                       ("account.change", "account:9 系统管理员")]
    assert entries[2].payload == {"username": "clerk", "role": ["organiser", "scorer"]}
    assert entries[3].payload == {"username": "clerk", "active": [True, False]}
