"""Figures a python-tool snippet drew with matplotlib, rendered as PNG in memory inside the sandboxed child.

The forkserver preloads this module (worker/sandbox/parent.py), so children start with matplotlib on the Agg
backend and its font cache already read: nothing is written to disk (the child may not write files), and an
unprivileged child never has to read the interpreter's files. The caps keep one answer's images small enough
to stream as a `tool` event and to store with the message; the parent checks them again (`python_tool`).
"""

import dataclasses
import io
import os
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# matplotlib reopens font files in every forked child; its Last Resort fallback lives in the virtualenv, which the
# sandbox's unprivileged user may not be able to read (a checkout under a 0700 /tmp), while system fonts it can.
matplotlib.rcParams["font.enable_last_resort"] = False
from matplotlib import font_manager, pyplot  # noqa: E402 - the backend must be chosen first

FONT_DIR = Path("/var/tmp") / f"localmind-matplotlib-fonts-{matplotlib.__version__}"
"""matplotlib's bundled fonts, copied where the sandbox user can open them (world-traversable /var/tmp)."""
MAX_FIGURES = 3
MAX_PNG_BYTES = 256 * 1024
MAX_PIXELS = 1600 * 1200
DPI = 100.0


def _render(figure) -> bytes:
    """PNG bytes at DPI; a figure larger than MAX_PIXELS is shrunk to fit first (its fonts stay legible)."""
    width, height = figure.get_size_inches()
    scale = min(1.0, (MAX_PIXELS / max(width * height * DPI**2, 1e-6)) ** 0.5)
    if scale < 1.0:
        figure.set_size_inches(width * scale, height * scale)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def drawn_figures() -> tuple[list[bytes], list[str]]:
    """Every open figure as PNG (up to MAX_FIGURES of at most MAX_PNG_BYTES), and a note for each left out."""
    images: list[bytes] = []
    notes: list[str] = []
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        if len(images) == MAX_FIGURES:
            notes.append(f"figure {number} left out: at most {MAX_FIGURES} figures are returned")
            continue
        try:
            png = _render(figure)
        except Exception as exc:  # noqa: BLE001 - a figure that cannot be drawn is reported, not fatal
            notes.append(f"figure {number} could not be drawn: {type(exc).__name__}: {exc}")
            continue
        finally:
            pyplot.close(figure)
        if len(png) > MAX_PNG_BYTES:
            notes.append(f"figure {number} left out: {len(png) // 1024} KiB as PNG, over {MAX_PNG_BYTES // 1024} KiB")
        else:
            images.append(png)
    return images, notes


def _fonts_the_sandbox_can_open() -> None:
    """Point matplotlib's font list at FONT_DIR copies of its bundled fonts. It reopens font files in every forked
    child, and the bundled ones sit in the virtualenv, which the unprivileged sandbox user may not be able to
    enter (a checkout under a 0700 /tmp)."""
    bundled = Path(matplotlib.get_data_path(), "fonts", "ttf").resolve()
    FONT_DIR.mkdir(mode=0o755, exist_ok=True)
    entries = []
    for entry in font_manager.fontManager.ttflist:
        source = Path(entry.fname)
        if source.parent == bundled:
            copy = FONT_DIR / source.name
            if not copy.is_file():
                staged = copy.with_name(f".{copy.name}.{os.getpid()}")
                shutil.copyfile(source, staged)
                staged.chmod(0o644)
                os.replace(staged, copy)
            entry = dataclasses.replace(entry, fname=str(copy))
        entries.append(entry)
    font_manager.fontManager.ttflist = entries


def _warm_up() -> None:
    """Draw one titled figure at import (in the forkserver): pyplot's backend, the font list and the default font
    are loaded here, because a sandboxed child may neither write matplotlib's font cache nor read those files."""
    figure = pyplot.figure()
    figure.gca().set_title("warm-up")
    _render(figure)
    pyplot.close(figure)


_fonts_the_sandbox_can_open()
_warm_up()
