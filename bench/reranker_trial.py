"""Can a cross-encoder reranker be made here from weights we have? Fine-tune all-MiniLM-L6-v2 into one on
questions generated from this machine's manual pages, then rerank bench/kbeval_dev's tune part with it, side by
side with the production ranking.

No PyPI package ships a cross-encoder's weights (BENCHMARKS.md, "The relevance decision"), so this tries issue 19's
other way: a conversion you can reproduce. Each training group is a question, its passage and five negatives
(three BM25 neighbours from other pages, two random passages). Questions come from a page's NAME line ("How do I
list directory contents?"), its options ("What does the --all option of ls do?") and, inverse-cloze style, a
sentence of the page (cut out of its passage half the time). Pages of the tools in any bench corpus are left out.
Loss: softmax over each group. Checkpoints are evaluated as they are written.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.reranker_trial [--groups 1600] [--checkpoint-every 800]
"""

import random
import re
import tempfile
import time
from pathlib import Path

import bm25s
import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from bench.common import bench_args
from bench.corpus_render import parse_man, render_man, write_txt
from worker.rag.bm25 import tokenize
from worker.rag.embedder import get_embedder, resolve_model
from worker.rag.eval import index_corpus, load_golden
from worker.rag.index import Hit, KnowledgeIndex
from worker.rag.loaders import load
from worker.rag.splitter import split_sections

BENCH = Path(__file__).resolve().parent
MINILM = "all-MiniLM-L6-v2"
SECTIONS = ("1", "5", "7", "8")
LEFT_OUT = ("git", "pg_", "ssh", "scp", "sftp", "dpkg", "apt", "deb", "postgres", "psql", "gcloud")
NEGATIVES, HARD = 5, 3
CANDIDATES = 30  # fused hits reranked per question
MAX_LENGTH = 256


def manual_pages() -> list[Path]:
    """Installed manual pages, less those of any tool a bench corpus is about (and gcloud's 16,000)."""
    corpus_tools = {
        re.sub(r"_readme$", "", p.stem).lower()
        for corpus in ("kbeval", "kbeval_dev", "kbeval_unseen")
        for p in (BENCH / corpus / "corpus").iterdir()
    }
    pages = []
    for section in SECTIONS:
        for path in sorted(Path(f"/usr/share/man/man{section}").glob("*.gz")):
            name = path.name.split(".")[0].lower()
            if not path.is_symlink() and name not in corpus_tools and not name.startswith(LEFT_OUT):
                pages.append(path)
    return pages


def page_questions(blocks, passages: list[str], rng: random.Random) -> list[tuple[str, int, str | None]]:
    """(question, index of its passage, sentence to cut out of that passage or None) for one page."""
    command = blocks[0].text.split("(")[0].lower()
    found = []
    name = next((b.text for a, b in zip(blocks, blocks[1:], strict=False) if a.text == "NAME"), "")
    summary = re.split(r"\s[-\u2014]+\s", name, maxsplit=1)[-1].rstrip(".") if " - " in name else ""
    if len(summary.split()) >= 3:
        lowered = summary[0].lower() + summary[1:]
        noun = lowered.split()[0] in ("a", "an", "the") or lowered.split()[0].endswith(("er", "or", "ion", "s"))
        templates = (
            [f"Which program is {lowered}?", f"What is {command}?", lowered]
            if noun
            else [f"How do I {lowered}?", f"Which command can I use to {lowered}?", f"What does {command} do?"]
        )
        found.append((rng.choice(templates), 0, None))
    options = [
        (a.text, b.text) for a, b in zip(blocks, blocks[1:], strict=False) if a.kind == "term" and b.kind == "text"
    ]
    options = [(flag, text) for flag, text in options if flag.startswith("-") and len(text.split()) >= 4]
    for flag, text in rng.sample(options, min(3, len(options))):
        flag = max(re.split(r",\s*", flag), key=len).split("=")[0].split("[")[0]
        sentence = re.split(r"(?<=[.;])\s", text)[0].rstrip(".;")
        at = next((n for n, p in enumerate(passages) if flag in p and sentence[:40] in p), None)
        if at is None:
            continue
        does = sentence[0].lower() + sentence[1:]
        templates = [
            f"What does the {flag} option of {command} do?",
            f"How can I get {command} to {does}?",
            f"In {command}, which option will {does}?",
            f"{does}?",
            f"{command} {flag}",
        ]
        found.append((rng.choice(templates), at, None))
    long = [n for n, p in enumerate(passages[1:], 1) if len(p.split()) > 60]
    for at in rng.sample(long, min(2, len(long))):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", passages[at]) if 8 <= len(s.split()) <= 30]
        if sentences:
            sentence = rng.choice(sentences)
            found.append((sentence, at, sentence if rng.random() < 0.5 else None))
    return found


def training_groups(pages: list[Path], limit: int, rng: random.Random) -> list[list[str]]:
    """[question, passage, negative x NEGATIVES] lists, shuffled, at most `limit`."""
    count_tokens, max_tokens = get_embedder(MINILM).count_tokens, get_embedder(MINILM).max_tokens
    passages: list[str] = []
    questions: list[tuple[str, int, str | None, range]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in pages:
            try:
                blocks = parse_man(render_man(source))
            except Exception:  # a page man cannot render
                continue
            text_file = Path(tmp) / "page.txt"
            write_txt(blocks, text_file)
            document = load(text_file, text_file.name)
            chunks = [c.text for c in split_sections(list(document.sections), count_tokens, 180, 30, max_tokens)]
            document.close()
            own = range(len(passages), len(passages) + len(chunks))
            questions += [(q, own[at], cut, own) for q, at, cut in page_questions(blocks, chunks, rng)]
            passages += chunks
    retriever = bm25s.BM25()
    retriever.index([tokenize(p) or ["_"] for p in passages], show_progress=False)
    groups = []
    for question, at, cut, own in rng.sample(questions, min(limit, len(questions))):
        near, _ = retriever.retrieve([tokenize(question) or ["_"]], k=40, show_progress=False)
        others = [int(n) for n in near[0] if int(n) not in own][:30]
        negatives = rng.sample(others, min(HARD, len(others)))
        while len(negatives) < NEGATIVES:
            pick = rng.randrange(len(passages))
            if pick not in own and pick not in negatives:
                negatives.append(pick)
        positive = passages[at].replace(cut, " ").strip() if cut else passages[at]
        groups.append([question, positive, *(passages[n] for n in negatives)])
    return groups


def hit_text(hit: Hit) -> str:
    return f"{hit.heading}: {hit.text}" if hit.heading else hit.text


class Trial:
    """bench/kbeval_dev's tune part, indexed once: fused candidates per question, and rankings scored on them."""

    def __init__(self, index_dir: str):
        dev = BENCH / "kbeval_dev"
        index = KnowledgeIndex(index_dir, get_embedder(MINILM))
        self.documents = index_corpus(index, dev / "corpus")
        golden = [q for q in load_golden(dev / "questions.jsonl") if q.get("split") == "tune" and q["documents"]]
        self.rows = [(q, index.search(q["question"], mode="hybrid", k=CANDIDATES)) for q in golden]
        index.close()

    def metrics(self, orders: list[list[int]]) -> tuple[float, float]:
        """File-level recall@5 and MRR@5 when each question's candidates are taken in `orders`."""
        found, reciprocal = [], []
        for (question, hits), order in zip(self.rows, orders, strict=True):
            names: list[str] = []
            for n in order:
                if (name := self.documents[hits[n].document_id]) not in names:
                    names.append(name)
            top = names[:5]
            rank = next((r for r, name in enumerate(top, 1) if name in question["documents"]), None)
            found.append(all(name in top for name in question["documents"]))
            reciprocal.append(1 / rank if rank else 0.0)
        return float(np.mean(found)), float(np.mean(reciprocal))

    def report(self, label: str, model, tokenizer) -> None:
        started = time.perf_counter()
        scores = [cross_scores(model, tokenizer, q["question"], [hit_text(h) for h in hits]) for q, hits in self.rows]
        per_question = (time.perf_counter() - started) / len(self.rows)
        fused = [list(range(len(hits))) for _, hits in self.rows]
        rankings = {"fused (production)": fused, "cross-encoder alone": [list(np.argsort(-s)) for s in scores]}
        for weight in (0.5, 1.0):  # reciprocal rank fusion of the production order and the cross-encoder's
            rankings[f"fused + {weight} x cross-encoder (RRF)"] = [
                list(np.argsort(-(1 / (60 + np.arange(len(s))) + weight / (60 + np.argsort(np.argsort(-s))))))
                for s in scores
            ]
        print(f"\n{label}: {per_question:.2f} s per question to score {CANDIDATES} passages")
        for name, orders in rankings.items():
            recall, mrr = self.metrics(orders)
            print(f"  {name:<36} recall@5 {recall:.3f}  MRR@5 {mrr:.3f}")


def cross_scores(model, tokenizer, question: str, passages: list[str]) -> np.ndarray:
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        batch = tokenizer(
            [question] * len(passages),
            passages,
            truncation="only_second",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )
        return model(**batch).logits.float().view(-1).numpy()


def fine_tune(groups: list[list[str]], trial: Trial, every: int, groups_per_step: int = 4) -> None:
    source = resolve_model(MINILM)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1)
    steps = len(groups) // groups_per_step
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    started, smoothed = time.perf_counter(), None
    for step in range(steps):
        model.train()
        batch = groups[step * groups_per_step : (step + 1) * groups_per_step]
        pairs = [(group[0], passage) for group in batch for passage in group[1:]]
        encoded = tokenizer(
            [q for q, _ in pairs],
            [p for _, p in pairs],
            truncation="only_second",
            max_length=MAX_LENGTH,
            padding=True,
            return_tensors="pt",
        )
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(**encoded).logits.float().view(len(batch), -1)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        smoothed = loss.item() if smoothed is None else 0.95 * smoothed + 0.05 * loss.item()
        done = (step + 1) * groups_per_step
        if done % every == 0 or step == steps - 1:
            print(f"\n{done} groups trained, loss {smoothed:.3f}, {time.perf_counter() - started:.0f} s")
            model.eval()
            trial.report(f"after {done} groups", model, tokenizer)


def main() -> None:
    args = bench_args(
        __doc__,
        groups=dict(type=int, default=1600, help="training groups (a question with 6 passages each)"),
        checkpoint_every=dict(type=int, default=800, help="evaluate after this many groups"),
        threads=dict(type=int, default=2),
    )
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = random.Random(11)
    pages = manual_pages()
    started = time.perf_counter()
    groups = training_groups(pages, args.groups, rng)
    print(f"{len(pages)} manual pages -> {len(groups)} training groups in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory(prefix="reranker-trial-") as tmp:
        trial = Trial(tmp)
        fine_tune(groups, trial, args.checkpoint_every)


if __name__ == "__main__":
    main()
