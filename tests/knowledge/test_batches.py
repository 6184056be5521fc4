"""Bulk uploads: many files and zipped folders in one request, bad files skipped with a reason, duplicates
reported, progress per batch, and the per-user indexing backlog limit."""

import io
import zipfile

from tests.knowledge.conftest import index_ok, search, wait_for

ALPACA = b"Alpacas hum when they are curious or worried."


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def post_batch(http, headers, kb_id, *files):
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return http.post(f"/api/v1/knowledge-bases/{kb_id}/batches", files=parts, headers=headers)


def test_folder_zip_and_loose_files_in_one_batch(http, alice, kb):
    [alpaca] = index_ok(http, alice, kb["id"], ("alpaca.txt", ALPACA))
    folder = zipped(
        {
            "manual/intro.md": b"# Intro\n\nThe Quokka router blinks amber while it updates its firmware.",
            "manual/deep/faq.txt": b"Reset the Quokka router by holding the pin button for ten seconds.",
            "manual/.DS_Store": b"\x00\x01",
            "__MACOSX/manual/._intro.md": b"\x00\x05",
            "manual/logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "manual/empty.txt": b"",
        }
    )
    created = post_batch(
        http,
        alice,
        kb["id"],
        ("notes.txt", b"The Quokka warranty lasts three years."),
        ("again.txt", ALPACA),
        ("folder.zip", folder),
        ("broken.zip", b"PK\x03\x04 not really a zip"),
    )
    assert created.status_code == 201, created.text
    batch = created.json()
    files = {f["filename"]: f for f in batch["files"]}
    assert list(files) == [
        "notes.txt",
        "again.txt",
        "manual/intro.md",
        "manual/deep/faq.txt",
        "manual/logo.png",
        "manual/empty.txt",
        "broken.zip",
    ], "hidden files and __MACOSX are not documents"
    assert files["again.txt"]["duplicate"] and files["again.txt"]["document_id"] == alpaca["id"]
    assert (files["manual/logo.png"]["status"], files["manual/logo.png"]["code"]) == ("skipped", "unsupported_type")
    assert files["manual/empty.txt"]["code"] == "empty_file" and files["broken.zip"]["code"] == "bad_archive"
    assert batch["total"] == 7 and batch["counts"]["skipped"] == 3

    url = f"/api/v1/knowledge-bases/{kb['id']}/batches/{batch['id']}"
    assert wait_for(lambda: http.get(url, headers=alice).json()["done"], timeout=120)
    final = http.get(url, headers=alice).json()
    assert final["counts"] == {"indexed": 4, "skipped": 3}, final
    assert "pin button" in search(http, alice, kb["id"], "how to reset the Quokka router", "bm25")[0]["text"]
    names = {d["filename"] for d in http.get(f"/api/v1/knowledge-bases/{kb['id']}/documents", headers=alice).json()}
    assert names == {"alpaca.txt", "notes.txt", "intro.md", "faq.txt"}, "no file lost, none doubled"
    assert http.get(f"/api/v1/knowledge-bases/{kb['id']}/batches/nope", headers=alice).status_code == 404


def test_limits_count_files_not_requests(http, alice, kb, kb_settings, model_store):
    kb_settings.rate_limit_uploads_per_window = 1  # one request per window, however many files it carries
    folder = zipped({f"docs/note{n:03d}.txt": f"Note {n} about topic {n * 7}.".encode() for n in range(25)})
    created = post_batch(http, alice, kb["id"], ("docs.zip", folder))
    assert created.status_code == 201, created.text
    assert sum(created.json()["counts"].values()) == 25 and "skipped" not in created.json()["counts"]
    kb_settings.rate_limit_uploads_per_window = 0

    kb_settings.max_queued_documents_per_user = 1  # any two new files pass it, whatever has indexed meanwhile
    uploads = model_store / "uploads"
    before = set(uploads.iterdir())
    flood = post_batch(http, alice, kb["id"], ("a.txt", b"one more"), ("b.txt", b"and another"))
    assert flood.status_code == 429 and flood.json()["error"]["code"] == "indexing_backlog", flood.text
    assert flood.headers["retry-after"]
    single = http.post(
        f"/api/v1/knowledge-bases/{kb['id']}/documents",
        files=[("files", (n, c, "text/plain")) for n, c in (("c.txt", b"x1"), ("d.txt", b"x2"))],
        headers=alice,
    )
    assert single.status_code == 429
    assert set(uploads.iterdir()) == before, "a refused upload leaves no file behind"

    kb_settings.max_files_per_upload = 3
    too_many = post_batch(http, alice, kb["id"], ("four.zip", zipped({f"{n}.txt": b"text" for n in range(4)})))
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many_files"
    bomb = post_batch(http, alice, kb["id"], ("bomb.zip", zipped({"zeros.txt": b"0" * 2_000_000})))
    assert bomb.json()["files"][0]["code"] == "suspicious_archive", bomb.text
    assert set(uploads.iterdir()) == before
