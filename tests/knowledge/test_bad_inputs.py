"""Refused uploads answer the documented 4xx and leave the knowledge base untouched; odd files fail with a reason."""

import http.client
from urllib.parse import urlsplit

import httpx

from tests.knowledge.conftest import MAX_UPLOAD_MB, index_ok, search, upload, watch

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
CORRUPT_PDF = b"%PDF-1.4\n1 0 obj garbage\n%%EOF"
REFUSED = [
    (("tool.exe", EXE), 415, "unsupported_type"),
    (("photo.png", PNG), 415, "unsupported_type"),
    (("blob", PNG), 415, "unsupported_type"),
    (("notes.pdf", b"plain text named like a PDF"), 415, "type_mismatch"),
    (("readme.txt", PNG), 415, "type_mismatch"),
    (("empty.txt", b""), 422, "empty_file"),
    (("../", b"a name that sanitises to nothing"), 422, "invalid_filename"),
]


def _declared_oversize_status(base_url: str, path: str, headers: dict) -> tuple[int, dict]:
    """Declare a body over the limit but send only its first bytes: the answer must not wait for the rest."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("POST", path)
    connection.putheader("Authorization", headers["Authorization"])
    connection.putheader("Content-Type", "multipart/form-data; boundary=xyz")
    connection.putheader("Content-Length", str((MAX_UPLOAD_MB + 9) * 1024 * 1024))
    connection.endheaders(b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n')
    response = connection.getresponse()
    body = httpx.Response(response.status, content=response.read()).json()
    connection.close()
    return response.status, body


def test_refused_uploads_touch_nothing(http, alice, kb, kb_settings, live_app):
    good = index_ok(http, alice, kb["id"], ("good.txt", b"Alpacas hum softly when they are content."))[0]
    for file, status, code in REFUSED:
        response = upload(http, alice, kb["id"], file)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), file[0]
    mixed = upload(http, alice, kb["id"], ("fine.txt", b"Llamas spit when annoyed."), ("tool.exe", EXE))
    assert mixed.status_code == 415 and mixed.json()["error"]["details"] == {"filename": "tool.exe"}

    status, body = _declared_oversize_status(live_app, f"/api/v1/knowledge-bases/{kb['id']}/documents", alice)
    assert status == 413 and f"{MAX_UPLOAD_MB} MB" in body["error"]["message"]
    big = upload(http, alice, kb["id"], ("big.txt", b"x" * (MAX_UPLOAD_MB * 1024 * 1024 + 1)))
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"

    documents = http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()
    assert [d["id"] for d in documents] == [good["id"]]
    assert len(list(kb_settings.uploads_dir.iterdir())) == 1
    assert "Alpacas" in search(http, alice, kb["id"], "alpacas hum", "bm25")[0]["text"]


def test_traversal_name_is_stored_safely_and_corrupt_pdf_fails(http, alice, kb, kb_settings):
    response = upload(
        http, alice, kb["id"], ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/sh"), ("broken.pdf", CORRUPT_PDF)
    )
    assert response.status_code == 201, response.text
    passwd, broken = response.json()
    assert passwd["filename"] == "passwd"
    assert watch(http, alice, passwd["id"])[-1].event == "done"
    assert [p.parent for p in kb_settings.uploads_dir.iterdir()] == [kb_settings.uploads_dir] * 2
    assert not (kb_settings.model_store_dir / "etc").exists()

    error = watch(http, alice, broken["id"])[-1]
    assert error.event == "error" and error.data["code"] == "corrupt_pdf"
    failed = http.get(f"/api/v1/documents/{broken['id']}", headers=alice).json()
    assert failed["status"] == "failed" and "broken.pdf is damaged" in failed["error"]
    replayed = watch(http, alice, broken["id"])
    assert replayed[-1].event == "error" and replayed[-1].data["code"] == "corrupt_pdf"
    assert http.get(f"/api/v1/documents/{passwd['id']}", headers=alice).json()["status"] == "indexed"


async def test_body_without_length_is_cut_at_the_limit(kb_settings):
    """No Content-Length (chunked): the stream is counted while it is written and cut at the limit."""
    from app.main import create_app
    from tests.helpers import auth_headers

    app = create_app(kb_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = await auth_headers(client, "carol")
            kb = (await client.post("/api/v1/knowledge-bases", json={"name": "K"}, headers=headers)).json()

            async def body():
                yield b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
                for _ in range(MAX_UPLOAD_MB * 16 + 1):
                    yield b"x" * 65536
                yield b"\r\n--xyz--\r\n"

            headers["Content-Type"] = "multipart/form-data; boundary=xyz"
            response = await client.post(
                f"/api/v1/knowledge-bases/{kb['id']}/documents", content=body(), headers=headers
            )
    assert response.status_code == 413, response.text
    assert list(kb_settings.uploads_dir.iterdir()) == []
