"""The accounts page: an organiser opens an account for a registry expert, changes its role, gives
it a new password and disables it — each ledgered, each ending the account's open sessions — and
cannot lock the office out by disabling or demoting its last organiser. Bad input is a 4xx in
Chinese that changes nothing."""
from sqlmodel import select

from contest import auth
from contest.ledger import LedgerEntry
from tests.support import Client, text_of


async def expert(session) -> auth.Account:
    return (await session.exec(select(auth.Account).where(auth.Account.username == "expert3"))).one()


async def test_an_organiser_runs_the_accounts_of_the_office(app, organiser: Client, session, client):
    page = await organiser.get("/admin/accounts")
    assert page.status_code == 200 and "开设账号" in page.text
    assert 'href="/admin/accounts"' in (await organiser.get("/admin")).text  # in the organiser's menu

    created = await organiser.form("/admin/accounts", {"username": "expert3", "display_name": "第三位专家",
                                                        "role": "registry_reviewer", "password": "tea-2026-xn"})
    assert created.status_code == 303
    async with Client(transport=client._transport, base_url="http://testserver") as reviewer:
        assert (await reviewer.login("expert3", "tea-2026-xn")).status_code == 303
        assert (await reviewer.get("/admin/registry/")).status_code == 200
        account = await expert(session)
        assert (await organiser.form(f"/admin/accounts/{account.id}",
                                     {"role": "scorer", "active": "1"})).status_code == 303
        assert (await reviewer.get("/admin/registry/", follow_redirects=False)).status_code in (302, 303, 401)

        assert (await organiser.form(f"/admin/accounts/{account.id}/password",
                                     {"password": "new-tea-2026"})).status_code == 303
        assert (await reviewer.login("expert3", "tea-2026-xn")).status_code == 400
        assert (await reviewer.login("expert3", "new-tea-2026")).status_code == 303
        assert (await reviewer.get("/scorer")).status_code == 200

        assert (await organiser.form(f"/admin/accounts/{account.id}", {"role": "scorer"})).status_code == 303
        assert (await reviewer.get("/scorer", follow_redirects=False)).status_code in (302, 303, 401)
        assert (await reviewer.login("expert3", "new-tea-2026")).status_code == 400  # disabled

    await session.refresh(account := await expert(session))
    assert (account.role, account.active) == ("scorer", False)
    actions = (await session.exec(select(LedgerEntry.action).where(LedgerEntry.subject == f"account:{account.id}")
                                  .order_by(LedgerEntry.id))).all()
    assert actions == ["account.create", "account.change", "account.password", "account.change"]


async def test_bad_input_and_the_last_organiser_change_nothing(app, organiser: Client, session):
    before = [(a.username, a.role, a.active, a.password_hash) for a in await auth.list_accounts(session)]
    for form, words in (({"username": "x", "role": "registry_reviewer", "password": "short"}, "密码至少8位"),
                        ({"username": "clerk", "role": "scorer", "password": "long-enough-1"}, "已存在"),
                        ({"username": "y", "role": "root", "password": "long-enough-1"}, "角色取值无效")):
        refused = await organiser.form("/admin/accounts", form)
        assert refused.status_code == 400 and words in text_of(refused.text)
    clerk = (await auth.list_accounts(session))[0]
    for form in ({"role": "organiser"}, {"role": "scorer", "active": "1"}):  # disable / demote the last one
        refused = await organiser.form(f"/admin/accounts/{clerk.id}", form)
        assert refused.status_code == 409 and "最后一个启用的组织方账号" in text_of(refused.text)
    assert (await organiser.form("/admin/accounts/999999", {"role": "scorer"})).status_code == 404
    session.expire_all()
    assert [(a.username, a.role, a.active, a.password_hash) for a in await auth.list_accounts(session)] == before
    assert (await organiser.get("/admin")).status_code == 200  # still signed in
