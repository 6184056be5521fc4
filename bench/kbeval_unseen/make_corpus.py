"""Write corpus/ of the unseen evaluation set from licensed documentation installed on a Debian/Ubuntu machine.

True pages: OpenSSH client manual pages (BSD/ISC) and PostgreSQL 15 backup tool manual pages (PostgreSQL
licence). Noise: other PostgreSQL, OpenSSL (Apache-2.0), curl, jq, zstd, xz, sqlite3 and Redis manual pages,
and the READMEs of permissively licensed Python packages (from their wheel METADATA). Manual pages are
rendered with man(1) and written as TXT, Markdown, HTML, DOCX or PDF; the text is the manual's, reformatted.
Needs man-db, openssh-client, postgresql-client-15, openssl, curl, jq, zstd, xz-utils, sqlite3, redis-tools,
fonts-dejavu and the project's .venv (python-docx, fpdf2). Run `python -m bench.kbeval_unseen.make_corpus`.
"""

import email
import shutil
import sys
from pathlib import Path

from bench.corpus_render import debian_copyrights, write_man_page

CORPUS = Path(__file__).resolve().parent / "corpus"
MAN = Path("/usr/share/man")
PG_MAN = Path("/usr/share/postgresql/15/man")

# (file name in corpus/, manual page source); the extension picks the format.
TRUE_PAGES = [
    ("ssh.txt", MAN / "man1/ssh.1.gz"),
    ("ssh_config.html", MAN / "man5/ssh_config.5.gz"),
    ("ssh-keygen.pdf", MAN / "man1/ssh-keygen.1.gz"),
    ("ssh-agent.md", MAN / "man1/ssh-agent.1.gz"),
    ("ssh-add.docx", MAN / "man1/ssh-add.1.gz"),
    ("ssh-copy-id.md", MAN / "man1/ssh-copy-id.1.gz"),
    ("ssh-keyscan.txt", MAN / "man1/ssh-keyscan.1.gz"),
    ("scp.docx", MAN / "man1/scp.1.gz"),
    ("sftp.html", MAN / "man1/sftp.1.gz"),
    ("ssh-keysign.pdf", MAN / "man8/ssh-keysign.8.gz"),
    ("pg_dump.pdf", PG_MAN / "man1/pg_dump.1.gz"),
    ("pg_dumpall.docx", PG_MAN / "man1/pg_dumpall.1.gz"),
    ("pg_restore.html", PG_MAN / "man1/pg_restore.1.gz"),
    ("pg_basebackup.md", PG_MAN / "man1/pg_basebackup.1.gz"),
    ("pg_receivewal.txt", PG_MAN / "man1/pg_receivewal.1.gz"),
    ("pg_verifybackup.pdf", PG_MAN / "man1/pg_verifybackup.1.gz"),
    ("pg_isready.txt", PG_MAN / "man1/pg_isready.1.gz"),
    ("pg_checksums.md", PG_MAN / "man1/pg_checksums.1.gz"),
    ("pg_upgrade.html", PG_MAN / "man1/pg_upgrade.1.gz"),
    ("pg_archivecleanup.docx", PG_MAN / "man1/pg_archivecleanup.1.gz"),
]

_PG_NOISE = {
    "vacuumdb.pdf": "vacuumdb",
    "reindexdb.docx": "reindexdb",
    "pg_ctl.html": "pg_ctl",
    "initdb.md": "initdb",
    "createdb.txt": "createdb",
    "clusterdb.txt": "clusterdb",
    "pg_amcheck.html": "pg_amcheck",
    "pg_waldump.md": "pg_waldump",
    "pg_rewind.pdf": "pg_rewind",
    "pg_controldata.txt": "pg_controldata",
    "pg_resetwal.docx": "pg_resetwal",
    "dropdb.txt": "dropdb",
    "createuser.md": "createuser",
    "dropuser.txt": "dropuser",
    "oid2name.html": "oid2name",
    "vacuumlo.txt": "vacuumlo",
    "pg_test_fsync.md": "pg_test_fsync",
    "pg_test_timing.txt": "pg_test_timing",
    "pg_recvlogical.pdf": "pg_recvlogical",
}
_PG_SQL_NOISE = {
    "sql-copy.html": "COPY",
    "sql-vacuum.md": "VACUUM",
    "sql-create-tablespace.txt": "CREATE_TABLESPACE",
    "sql-alter-system.docx": "ALTER_SYSTEM",
    "sql-create-role.txt": "CREATE_ROLE",
    "sql-grant.html": "GRANT",
    "sql-create-index.pdf": "CREATE_INDEX",
    "sql-explain.md": "EXPLAIN",
    "sql-lock.txt": "LOCK",
    "sql-truncate.docx": "TRUNCATE",
    "sql-create-database.md": "CREATE_DATABASE",
    "sql-checkpoint.txt": "CHECKPOINT",
}
_OPENSSL_NOISE = {
    "openssl-genpkey.md": "genpkey",
    "openssl-req.html": "req",
    "openssl-x509.pdf": "x509",
    "openssl-s_client.txt": "s_client",
    "openssl-enc.docx": "enc",
    "openssl-dgst.md": "dgst",
    "openssl-rsa.txt": "rsa",
    "openssl-pkcs12.html": "pkcs12",
    "openssl-verify.txt": "verify",
    "openssl-ca.pdf": "ca",
    "openssl-rand.md": "rand",
    "openssl-passwd.txt": "passwd",
    "openssl-pkey.docx": "pkey",
    "openssl-ec.txt": "ec",
    "openssl-ecparam.md": "ecparam",
    "openssl-speed.html": "speed",
    "openssl-ocsp.txt": "ocsp",
    "openssl-crl.md": "crl",
    "openssl-smime.txt": "smime",
    "openssl-genrsa.docx": "genrsa",
    "openssl-s_server.html": "s_server",
    "openssl-version.txt": "version",
    "openssl-list.md": "list",
    "openssl-kdf.pdf": "kdf",
    "openssl-dhparam.txt": "dhparam",
}
_TOOL_NOISE = {
    "curl.html": "curl.1",
    "jq.md": "jq.1",
    "zstd.pdf": "zstd.1",
    "xz.txt": "xz.1",
    "sqlite3.docx": "sqlite3.1",
    "redis-cli.txt": "redis-cli.1",
    "redis-server.md": "redis-server.1",
    "redis-benchmark.html": "redis-benchmark.1",
    "redis-check-aof.txt": "redis-check-aof.1",
    "redis-check-rdb.txt": "redis-check-rdb.1",
}
NOISE_PAGES = [
    *((name, PG_MAN / f"man1/{page}.1.gz") for name, page in _PG_NOISE.items()),
    *((name, PG_MAN / f"man7/{page}.7.gz") for name, page in _PG_SQL_NOISE.items()),
    *((name, MAN / f"man1/openssl-{page}.1ssl.gz") for name, page in _OPENSSL_NOISE.items()),
    *((name, MAN / f"man1/{page}.gz") for name, page in _TOOL_NOISE.items()),
]

# Python distributions whose README (wheel METADATA body) is a noise page; all MIT, BSD, Apache-2.0 or PSF.
README_NOISE = [
    "alembic",
    "amqp",
    "attrs",
    "celery",
    "charset-normalizer",
    "cloudpickle",
    "ConfigArgParse",
    "dill",
    "fastapi",
    "gevent",
    "h11",
    "httpcore",
    "httpx",
    "humanize",
    "idna",
    "joblib",
    "kombu",
    "loguru",
    "msgpack",
    "pandas",
    "psutil",
    "pyasn1",
    "python-dateutil",
    "python-dotenv",
    "pytz",
    "rich",
    "sortedcontainers",
    "sqlglot",
    "starlette",
    "sympy",
    "typer",
    "urllib3",
    "uvicorn",
    "websockets",
    "xxhash",
    "threadpoolctl",
    "pytest-timeout",
    "simpleeval",
    "locust",
    "defusedxml",
]


def write_readme(distribution: str) -> str:
    """The README of an installed distribution as .md (Markdown) or .txt (reStructuredText, plain); its name."""
    message = email.message_from_bytes((distribution_info(distribution) / "METADATA").read_bytes())
    markdown = "markdown" in str(message.get("Description-Content-Type", ""))
    name = f"{distribution.lower()}_readme.{'md' if markdown else 'txt'}"
    (CORPUS / name).write_text(str(message.get_payload()).strip() + "\n", encoding="utf-8")
    return name


def distribution_info(distribution: str) -> Path:
    """The .dist-info directory of an installed distribution."""
    for metadata in Path(sys.prefix).glob("lib/python*/site-packages/*.dist-info/METADATA"):
        if str(email.message_from_bytes(metadata.read_bytes())["Name"]).lower() == distribution.lower():
            return metadata.parent
    raise SystemExit(f"{distribution} is not installed in {sys.prefix}")


def write_notices(path: Path) -> None:
    """Copyright and licence texts of every source: Debian copyright files, Apache-2.0, wheel licence files."""
    parts = [
        "Copyright and licence notices of the documents in corpus/ (written by make_corpus.py).\n"
        "Manual pages: the Debian copyright file of each package they come from, then the Apache License 2.0\n"
        "that the OpenSSL manual pages are under. READMEs: the licence files of each Python distribution."
    ]
    parts += debian_copyrights(source for _, source in [*TRUE_PAGES, *NOISE_PAGES])
    apache = Path("/usr/share/common-licenses/Apache-2.0").read_text(encoding="utf-8")
    parts.append(f"===== Apache License 2.0 (/usr/share/common-licenses/Apache-2.0) =====\n\n{apache}")
    for distribution in README_NOISE:
        info = distribution_info(distribution)
        message = email.message_from_bytes((info / "METADATA").read_bytes())
        licence = message.get("License-Expression") or message.get("License") or ""
        classifiers = [c for c in message.get_all("Classifier") or [] if c.startswith("License ::")]
        header = f"===== Python distribution {message['Name']} {message['Version']}: {licence} {classifiers} ====="
        files = sorted(
            p for p in [*info.glob("*"), *info.glob("licenses/*")] if p.is_file() and _is_licence_file(p.name)
        )
        texts = [f"--- {p.relative_to(info)} ---\n{p.read_text(encoding='utf-8', errors='replace')}" for p in files]
        parts.append(
            "\n\n".join([header, *(texts or ["(the wheel ships no licence file; licence as declared above)"])])
        )
    path.write_text("\n\n".join(part.strip() for part in parts) + "\n", encoding="utf-8")


def _is_licence_file(name: str) -> bool:
    return any(word in name.upper() for word in ("LICEN", "COPYING", "NOTICE"))


def main() -> int:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir()
    for name, source in [*TRUE_PAGES, *NOISE_PAGES]:
        write_man_page(source, CORPUS / name)
    for distribution in README_NOISE:
        write_readme(distribution)
    write_notices(CORPUS.parent / "NOTICES.txt")
    files = sorted(CORPUS.iterdir())
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files ({len(TRUE_PAGES)} true pages), {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
