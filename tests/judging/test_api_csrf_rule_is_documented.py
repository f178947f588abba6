"""The judges' JSON API states its CSRF rule in the OpenAPI schema — the header, where its value
comes from, and which operations need it — and the rule holds as written."""
from tests.builders import FULL, sign_in_judge, sign_in_organiser


async def test_the_schema_names_the_header_and_the_operations_that_need_it(client, session):
    await sign_in_organiser(client, session)
    schema = (await client.get("/schema/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["csrf"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "x-csrftoken"
    assert "csrftoken" in scheme["description"] and "403" in scheme["description"]
    assert "x-csrftoken" in schema["info"]["description"]
    sheet = schema["paths"]["/api/judge/stages/{stage_id}/entries/{entry_id}"]
    assert sheet["put"]["security"] == [{"csrf": []}] and "security" not in sheet["get"]
    assert schema["paths"]["/api/judge/session"]["post"]["security"] == [{"csrf": []}]


async def test_a_write_without_the_header_is_refused_and_with_it_goes_through(client, contest):
    assert (await sign_in_judge(client, contest, "J02")).status_code == 200
    url = f"/api/judge/stages/{contest.practical.id}/entries/{contest.entries[0].id}"
    body = {"marks": FULL, "base_version": 0, "key": "csrf-doc"}
    assert (await client.put(url, json=body)).status_code == 403
    assert (await client.put(url, json=body, headers={"x-csrftoken": await client.csrf()})).status_code == 200
