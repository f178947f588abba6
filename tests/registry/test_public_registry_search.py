"""The public registry as a family uses it: the search form sends its empty filters and is answered,
a name is found in Chinese, full pinyin (with or without spaces) and initials, the pager keeps the
filters, and nothing found says so with what to try; a bad filter is a 400 in Chinese."""
import re
from html import unescape

from tests.builders import craftsmen_file, registry_areas, wang_craftsmen
from tests.support import text_of


async def names_on(client, url: str) -> tuple[list[str], str]:
    response = await client.get(url)
    assert response.status_code == 200, (url, text_of(response.text)[:300])
    return re.findall(r'<a href="/registry/people/\d+">([^<]+)</a>', response.text), response.text


async def test_search_by_chinese_pinyin_and_initials_with_pages(client, organiser, session):
    await registry_areas(session)
    upload = {"file": ("名单.xlsx", craftsmen_file(wang_craftsmen(70)))}
    assert "已导入 72 人" in (await organiser.form("/admin/registry/import", files=upload)).text

    # The form as a browser sends it: every field, the empty ones empty.
    names, html = await names_on(client, "/registry/people?q=&tier=&area=&industry=&year=")
    assert len(names) == 50 and "（72 人）" in html
    names, _ = await names_on(client, "/registry/people?q=黄建华&tier=&area=&industry=&year=")
    assert names == ["黄建华"]
    for query in ("huangjianhua", "huang jian hua", "HJH", "hjh"):
        names, _ = await names_on(client, f"/registry/people?q={query}&tier=&area=&industry=&year=")
        assert names == ["黄建华"], (query, names)

    # 70 王 and one 汪 are "wang": two pages, and page 2 keeps the query and the filters.
    names, html = await names_on(client, "/registry/people?q=wang&tier=city&area=&industry=&year=2024")
    assert len(names) == 50 and "（71 人）" in html and "黄建华" not in names
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    second = unescape(re.search(r'href="\?([^"]+)"[^>]*>2<', pager).group(1))
    assert dict(p.split("=") for p in second.split("&")) == {"q": "wang", "tier": "city", "year": "2024", "page": "2"}
    names_2, _ = await names_on(client, f"/registry/people?{second}")
    assert len(names_2) == 21 and not set(names_2) & set(names)

    # Nothing found: said plainly, with what to try and a way back.
    _, html = await names_on(client, "/registry/people?q=zzz&tier=&area=&industry=&year=")
    empty = text_of(html.split('id="empty"')[1])
    assert "没有找到符合条件的工匠" in empty and "首字母" in empty and "清除全部筛选" in empty

    for bad, field in (("area=abc", "县(市、区)"), ("tier=boss", "层级"), ("year=20x4", "命名年度")):
        response = await client.get(f"/registry/people?{bad}")
        assert response.status_code == 400 and field in response.text, (bad, text_of(response.text)[:200])
