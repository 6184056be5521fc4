"""NUL characters (which PostgreSQL refuses in text) are dropped from whatever is stored, on both backends:
from the API's writes and from a worker's (the sync engine), in ORM and Core statements alike."""

from sqlalchemy import select, update

from app.kernel.db import sync_session_factory
from app.kernel.models import Conversation
from tests.helpers import auth_headers


async def test_text_with_nul_characters_is_stored_without_them(client, settings):
    headers = await auth_headers(client, "alice")
    body = {"title": "Tr\x00ip", "system_prompt": "Be\x00 brief."}
    created = await client.post("/api/v1/conversations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert (created.json()["title"], created.json()["system_prompt"]) == ("Trip", "Be brief.")
    url = f"/api/v1/conversations/{created.json()['id']}"
    renamed = await client.patch(url, json={"title": "\x00Paris\x00"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Paris"

    with sync_session_factory(settings.database_url)() as session:  # as a worker writes
        session.execute(update(Conversation).values(title="Lyon\x00\x00"))
        session.commit()
        assert session.scalar(select(Conversation.title)) == "Lyon"
    assert (await client.get(url, headers=headers)).json()["title"] == "Lyon"
