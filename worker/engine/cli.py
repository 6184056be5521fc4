"""Model store CLI: `python -m worker.engine.cli models list` and `... models pull <id>` (progress bar)."""

import argparse
import sys
import threading

from tqdm import tqdm

from app.kernel.registry.errors import EngineError
from app.kernel.registry.model_files import describe_models
from worker.engine.store import pull_model


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def cmd_list(_args: argparse.Namespace) -> int:
    rows = [("ID", "BACKEND", "PRESENT", "LOADABLE", "SIZE", "SOURCE")]
    for info in describe_models():
        rows.append(
            (
                info.id,
                info.backend,
                "yes" if info.present else "no",
                "yes" if info.loadable else "no",
                _human(info.size_bytes) if info.present else "-",
                info.source,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    """A percent bar over the pull stages, ticking every second so long steps show elapsed time."""
    bar = tqdm(
        total=100,
        desc=f"pull {args.model_id}",
        unit="%",
        bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}",
    )
    done = threading.Event()

    def tick() -> None:
        while not done.wait(1.0):
            bar.refresh()

    def progress(stage: str, fraction: float) -> None:
        bar.set_description(f"{args.model_id}: {stage}")
        bar.update(max(0, round(fraction * 100) - bar.n))

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        path = pull_model(args.model_id, progress=progress)
    except EngineError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        done.set()
    bar.close()
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m worker.engine.cli", description="LocalMind model store")
    groups = parser.add_subparsers(dest="group", required=True)
    models = groups.add_parser("models", help="list and pull models")
    commands = models.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="catalogue entries and what is on disk").set_defaults(func=cmd_list)
    pull = commands.add_parser("pull", help="download/convert a model into the store")
    pull.add_argument("model_id")
    pull.set_defaults(func=cmd_pull)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
