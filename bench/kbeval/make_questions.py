"""Write questions.jsonl: the labelled questions of the evaluation set, alternately in the tune and held-out parts.

Each line: {"question", "documents": [file names that answer it; empty = unanswerable], "kind", "split"}.
Kinds: direct, paraphrase (few words shared with the page), two_doc (needs two pages), zh (Chinese question
over English pages; zh_no_latin: without a single Latin-script term), unanswerable (the corpus does not say).
Run `python bench/kbeval/make_questions.py`.
"""

import json
from pathlib import Path

INS, C, S = "harborlight_install.md", "harborlight_configuration.md", "harborlight_snapshots.html"
R, E, U = "harborlight_restore.txt", "harborlight_encryption.md", "harborlight_users.md"
T, P = "harborlight_troubleshooting.md", "harborlight_replication.html"
N, A = "harborlight_release_notes.txt", "harborlight_api.md"

QUESTIONS = [
    # direct
    ("How much RAM does Harborlight need?", [INS], "direct"),
    ("Which TCP port does the Harborlight web console listen on by default?", [INS], "direct"),
    ("What is the default value of max_connections?", [C], "direct"),
    ("Which compression algorithms can Harborlight storage use?", [C], "direct"),
    ("What is the default snapshot schedule?", [S], "direct"),
    ("How many monthly snapshots are kept by default?", [S], "direct"),
    ("How do I restore a single file from a snapshot?", [R], "direct"),
    ("What does the --verify option of hlctl restore check?", [R], "direct"),
    ("Which cipher encrypts Harborlight chunks?", [E], "direct"),
    ("How do I rotate the repository key?", [E], "direct"),
    ("What roles does Harborlight have?", [U], "direct"),
    ("What is the default storage quota per user?", [U], "direct"),
    ("What does error HL-409 mean?", [T], "direct"),
    ("Where is the Harborlight server log?", [T], "direct"),
    ("How do I limit the bandwidth used by replication?", [P], "direct"),
    ("How do I promote a replica after losing the primary site?", [P], "direct"),
    ("When was Harborlight 3.2 released?", [N], "direct"),
    ("Which flag was deprecated in version 3.1?", [N], "direct"),
    ("What is the Harborlight API rate limit per token?", [A], "direct"),
    ("Which webhook events does Harborlight send?", [A], "direct"),
    # paraphrase
    ("What kind of machine do I need to run it on?", [INS], "paraphrase"),
    ("How can I make backups happen automatically every night?", [S], "paraphrase"),
    ("How long do old copies stick around before they get deleted?", [S], "paraphrase"),
    ("I forgot my passphrase, can support get my files back?", [E], "paraphrase"),
    ("How do I log in with our company's identity provider?", [U], "paraphrase"),
    ("Sending files to the server is really sluggish, what can I tune?", [T], "paraphrase"),
    ("How do I keep a copy in another city in case the building burns down?", [P], "paraphrase"),
    ("How do I get the next batch of results when listing snapshots through the API?", [A], "paraphrase"),
    ("What happens when somebody uses up all their allotted space?", [U], "paraphrase"),
    ("How can I check that recovered files are not corrupted?", [R], "paraphrase"),
    ("Can I go directly from version 2 to the newest release?", [N], "paraphrase"),
    ("How many people can be connected simultaneously?", [C], "paraphrase"),
    # two documents
    ("Which ports must be opened in the firewall, and what does the replica section configure?", [INS, P], "two_doc"),
    ("What is the default number of upload threads and in which release did that default change?", [C, N], "two_doc"),
    ("What does error HL-507 mean and what is the per-user quota?", [T, U], "two_doc"),
    ("How are API tokens authenticated and how long does a token stay valid?", [A, U], "two_doc"),
    ("Is replication traffic encrypted, and how do I cap its bandwidth?", [E, P], "two_doc"),
    ("What does hlctl init create, and what recovery key does it print?", [INS, E], "two_doc"),
    # Chinese questions over English pages
    ("Harborlight 至少需要多少内存？", [INS], "zh"),
    ("Harborlight 默认的快照计划是什么时间？", [S], "zh"),
    ("如何用 hlctl 恢复单个文件？", [R], "zh"),
    ("HL-409 错误是什么意思？", [T], "zh"),
    ("API 每分钟的请求限制是多少？", [A], "zh"),
    ("如何轮换密钥 hlctl key rotate 需要多长时间？", [E], "zh"),
    ("忘记密码短语后数据还能恢复吗？", [E], "zh_no_latin"),
    ("复制延迟超过多少分钟会告警？", [P], "zh_no_latin"),
    # unanswerable: the corpus does not say
    ("Does Harborlight support LDAP directory integration?", [], "unanswerable"),
    ("How much does a Harborlight enterprise license cost?", [], "unanswerable"),
    ("Can Harborlight back up a running Microsoft SQL Server database?", [], "unanswerable"),
    ("What is the capital of Australia?", [], "unanswerable"),
    ("How do I install Harborlight on Windows Server?", [], "unanswerable"),
    ("Who founded the company that makes Harborlight?", [], "unanswerable"),
    ("What is the best recipe for chocolate chip cookies?", [], "unanswerable"),
    ("Harborlight 支持 Kubernetes 部署吗？", [], "unanswerable"),
]


def main() -> None:
    path = Path(__file__).resolve().parent / "questions.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n, (question, documents, kind) in enumerate(QUESTIONS):
            split = "tune" if n % 2 == 0 else "heldout"
            line = {"question": question, "documents": documents, "kind": kind, "split": split}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(QUESTIONS)} questions in {path}")


if __name__ == "__main__":
    main()
