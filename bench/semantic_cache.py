"""Semantic cache on a replay of real-looking help-desk traffic: hit rate, false hits on near misses, latency.

    .venv/bin/python -m bench.semantic_cache [--model smollm2-135m-instruct|tiny] [--tokens 64]

Runs the real API and generation worker (subprocesses, private Redis and SQLite, bench/common.py) and asks
every question as the first turn of a new conversation at temperature 0, one after another, as one user:
each seed question first (a miss that fills the cache), then its paraphrases (should hit) and its near misses,
the same question with another number or name (must not hit). Latency is the client's wall time from the
request to the `done` event. Before the replay, the pairs' cosine distances (all-MiniLM-L6-v2) are printed
with how many near misses the distance alone would let through: what the threshold and the name/number
guard are calibrated on.
"""

import argparse
import json
import statistics
import time

import httpx

from bench.common import SMOLLM, machine_note, sign_up, stack

# (seed question, paraphrases, near misses)
TRAFFIC: list[tuple[str, list[str], list[str]]] = [
    (
        "How do I reset my password?",
        ["How can I reset my password?", "What are the steps to reset my password?"],
        ["How do I reset my PIN?"],
    ),
    (
        "How many vacation days do employees get after 5 years?",
        ["After 5 years, how many vacation days does an employee get?"],
        ["How many vacation days do employees get after 10 years?", "How many vacation days after 3 years?"],
    ),
    (
        "What is the capital of France?",
        ["Which city is the capital of France?", "What's France's capital city?"],
        ["What is the capital of Spain?", "What is the capital of Germany?"],
    ),
    (
        "What does error code E42 mean?",
        ["What does the error code E42 mean?", "What is the meaning of error code E42?"],
        ["What does error code E43 mean?", "What does error code E24 mean?"],
    ),
    (
        "How do I connect to the VPN from Windows?",
        ["How can I connect to the VPN on Windows?"],
        ["How do I connect to the VPN from Linux?", "How do I connect to the VPN from macOS?"],
    ),
    (
        "Who is the manager of the Berlin office?",
        ["Who manages the Berlin office?"],
        ["Who is the manager of the Munich office?", "Who is the manager of the Paris office?"],
    ),
    (
        "What is the price of the Pro plan for 10 users?",
        ["How much does the Pro plan cost for 10 users?"],
        ["What is the price of the Pro plan for 50 users?", "What is the price of the Team plan for 10 users?"],
    ),
    (
        "When does the office open on Monday?",
        ["What time does the office open on Monday?"],
        ["When does the office open on Saturday?"],
    ),
    (
        "How long does shipping to Canada take?",
        ["How many days does shipping to Canada take?"],
        ["How long does shipping to Mexico take?", "How long does shipping to Japan take?"],
    ),
    (
        "What is the maximum upload size in MB?",
        ["What is the largest file size I can upload in MB?"],
        [],
    ),
    (
        "How do I export my data as CSV?",
        ["How can I export my data to CSV?", "How do I download my data as a CSV file?"],
        ["How do I export my data as JSON?"],
    ),
    (
        "What is the refund policy for orders over 100 dollars?",
        ["What's the refund policy for orders above 100 dollars?"],
        ["What is the refund policy for orders over 500 dollars?"],
    ),
    (
        "Does the Model X2 support Bluetooth?",
        ["Is Bluetooth supported on the Model X2?"],
        ["Does the Model X3 support Bluetooth?", "Does the Model X2 support Wi-Fi 6?"],
    ),
    (
        "Explain the difference between RAM and ROM.",
        ["What is the difference between RAM and ROM?"],
        ["Explain the difference between RAM and VRAM."],
    ),
    (
        "東京の本社の住所は？",
        ["東京本社の住所は何ですか？"],
        ["大阪の本社の住所は？", "東京の2号館の住所は？"],
    ),
    (
        "How many days of sick leave do I get per year?",
        ["How many sick days do I get each year?"],
        ["How many days of parental leave do I get per year?"],
    ),
]
TARGETS = {"false_hit_rate": 0.01, "speedup": 10.0}


def pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    paraphrases = [(seed, p) for seed, ps, _ in TRAFFIC for p in ps]
    near_misses = [(seed, n) for seed, _, ns in TRAFFIC for n in ns]
    return paraphrases, near_misses


def calibrate(limit: float) -> None:
    """The pairs' distances and how many near misses the distance alone (without the guard) would serve."""
    from worker.jobs.generation.cache_identifiers import identifiers
    from worker.rag.embedder import get_embedder

    embedder = get_embedder("all-MiniLM-L6-v2")

    def distance(a: str, b: str) -> float:
        return 1.0 - float(embedder.encode_query(a) @ embedder.encode_query(b))

    paraphrases, near_misses = pairs()
    para = sorted(distance(a, b) for a, b in paraphrases)
    near = sorted(distance(a, b) for a, b in near_misses)
    within = [(a, b) for a, b in near_misses if distance(a, b) <= limit]
    guarded = [(a, b) for a, b in within if identifiers(a).matches(identifiers(b))]
    print(f"paraphrase distance: median {statistics.median(para):.3f}, max {para[-1]:.3f}")
    print(f"near-miss distance:  min {near[0]:.3f}, median {statistics.median(near):.3f}")
    print(f"paraphrases within {limit}: {sum(d <= limit for d in para)}/{len(para)}")
    print(f"near misses within {limit}: {len(within)}/{len(near)}; left by the name/number guard: {len(guarded)}")
    for a, b in guarded:
        print(f"  guard misses: {a!r} ~ {b!r}")


def ask(http: httpx.Client, headers: dict, question: str, tokens: int) -> tuple[float, dict]:
    conversation = http.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    body = {"content": question, "params": {"temperature": 0, "max_new_tokens": tokens}}
    started = time.perf_counter()
    message: dict = {}
    with http.stream("POST", f"/api/v1/conversations/{conversation}/messages", json=body, headers=headers) as r:
        r.raise_for_status()
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "done":
                message = json.loads(line[5:])["message"]
    return time.perf_counter() - started, message


def replay(base_url: str, tokens: int) -> dict[str, list]:
    headers = sign_up(base_url, "bench-cache")
    results: dict[str, list] = {"seed": [], "paraphrase": [], "near_miss": [], "repeat": []}
    with httpx.Client(base_url=base_url, timeout=300) as http:
        ask(http, headers, "Warm up the model and the embedder.", tokens)
        for seed, paraphrases, near_misses in TRAFFIC:
            for kind, questions in (("seed", [seed]), ("paraphrase", paraphrases), ("near_miss", near_misses)):
                for question in questions:
                    seconds, message = ask(http, headers, question, tokens)
                    hit = bool((message.get("params") or {}).get("semantic_cache", {}).get("hit"))
                    results[kind].append((question, seconds, hit))
        for seed, _, _ in TRAFFIC:  # the same questions again later in the day
            seconds, message = ask(http, headers, seed, tokens)
            hit = bool((message.get("params") or {}).get("semantic_cache", {}).get("hit"))
            results["repeat"].append((seed, seconds, hit))
    return results


def report(results: dict[str, list]) -> None:
    every = [r for rows in results.values() for r in rows]
    hits = [s for _, s, hit in every if hit]
    misses = [s for _, s, hit in every if not hit]
    false_hits = [q for q, _, hit in results["near_miss"] if hit]
    para_hits = sum(hit for _, _, hit in results["paraphrase"])
    repeat_hits = sum(hit for _, _, hit in results["repeat"])
    false_rate = len(false_hits) / len(results["near_miss"])
    speedup = statistics.median(misses) / statistics.median(hits) if hits and misses else float("nan")
    print(f"questions: {len(every)}; hit rate {len(hits) / len(every):.1%} ({len(hits)})")
    print(f"paraphrase hits {para_hits}/{len(results['paraphrase'])}, repeats {repeat_hits}/{len(results['repeat'])}")
    print(f"false hits on near misses: {len(false_hits)}/{len(results['near_miss'])} = {false_rate:.1%}")
    for question in false_hits:
        print(f"  false hit: {question!r}")
    hit_ms, miss_ms = statistics.median(hits) * 1000, statistics.median(misses) * 1000
    print(f"median latency: hit {hit_ms:.1f} ms, miss {miss_ms:.1f} ms")
    print(f"speedup on hits: {speedup:.1f}x")
    ok = false_rate <= TARGETS["false_hit_rate"] and speedup >= TARGETS["speedup"]
    print(f"targets (false hits <= 1%, >= 10x): {'met' if ok else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=[SMOLLM, "tiny"], default=SMOLLM)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    from app.kernel.settings import get_settings

    print(machine_note())
    calibrate(get_settings().semantic_cache_max_distance)
    with stack("bench-semcache-") as env:
        env.start_redis()
        env.serve_model(args.model)
        report(replay(env.base_url, args.tokens))


if __name__ == "__main__":
    main()
