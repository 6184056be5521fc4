"""Write corpus/ of the development evaluation set (the one ranking is tuned on) from installed Debian manuals.

True pages: ten git commands and ten dpkg/APT manual pages. Noise: other git commands and concept pages, other
dpkg, dpkg-dev, APT and debconf pages, deb-*(5) formats and short GNU tool pages (GPL-2/GPL-2+/GPL-3+, GNU
manuals under the GFDL; BSD-2-Clause for debconf). Rendered by bench/corpus_render.py like bench/kbeval_unseen.
Needs man-db, git-man, dpkg, dpkg-dev, apt, debconf, findutils, sed, make, diffutils, coreutils, fonts-dejavu
and the project's .venv. Run `python -m bench.kbeval_dev.make_corpus`.
"""

import re
import shutil
import sys
from itertools import cycle
from pathlib import Path

from bench.corpus_render import debian_copyrights, write_man_page

CORPUS = Path(__file__).resolve().parent / "corpus"
MAN = Path("/usr/share/man")
# Licences the Debian copyright files refer to /usr/share/common-licenses for, whose texts must go with copies.
COMMON_LICENCES = ["GPL-2", "GPL-3", "GFDL-1.3"]

# (file name in corpus/, manual page); the extension picks the format: 4 pages of each.
TRUE_PAGES = [
    ("git-commit.txt", "git-commit(1)"),
    ("git-rebase.html", "git-rebase(1)"),
    ("git-stash.md", "git-stash(1)"),
    ("git-cherry-pick.docx", "git-cherry-pick(1)"),
    ("git-bisect.pdf", "git-bisect(1)"),
    ("git-worktree.txt", "git-worktree(1)"),
    ("git-reset.md", "git-reset(1)"),
    ("git-tag.html", "git-tag(1)"),
    ("git-clean.pdf", "git-clean(1)"),
    ("git-blame.docx", "git-blame(1)"),
    ("dpkg.pdf", "dpkg(1)"),
    ("dpkg-query.txt", "dpkg-query(1)"),
    ("dpkg-deb.docx", "dpkg-deb(1)"),
    ("apt-get.html", "apt-get(8)"),
    ("apt-cache.md", "apt-cache(8)"),
    ("apt-mark.txt", "apt-mark(8)"),
    ("dpkg-divert.md", "dpkg-divert(1)"),
    ("apt-config.docx", "apt-config(8)"),
    ("sources.list.html", "sources.list(5)"),
    ("apt_preferences.pdf", "apt_preferences(5)"),
]

# Noise pages (a page without a section is in section 1), written in turn in the formats of NOISE_FORMATS. The
# longest candidates (git-config, git-log, git-diff, git-checkout, git-branch, gitfaq, rsync, find, grep, tar,
# gawk, ...) are left out to keep the corpus under 1 MB of extracted text.
NOISE_GROUPS = {
    "other git commands: hard negatives (git-revert beside cherry-pick, git-annotate beside blame, ...)": """
        git-revert git-restore git-switch git-am git-reflog git-annotate git-cherry git-rm git-mv git-gc
        git-describe git-notes git-init git-remote git-rerere git-range-diff git-show-branch git-merge-base
        git-archive git-bundle git-apply git-grep git-prune git-mergetool git-difftool git-count-objects
        git-ls-files git-ls-tree git-cat-file git-fsck git-repack git-commit-tree git-update-ref git-symbolic-ref
        git-check-ignore git-credential-store git-credential-cache git-request-pull git-verify-commit
        git-verify-tag git-hook git-name-rev git-whatchanged git-replace git-merge-file git-help
    """,
    "git concept and file-format pages": """
        gitignore(5) gitmodules(5) gitmailmap(5) gitcli(7) giteveryday(7) gitcredentials(7) gitnamespaces(7)
        gitsubmodules(7)
    """,
    "other APT, dpkg, dpkg-dev and debconf pages": """
        apt(8) apt-key(8) apt-cdrom(8) apt-secure(8) apt_auth.conf(5) apt-patterns(7) apt-transport-http
        apt-transport-https apt-transport-mirror dpkg-split dpkg-statoverride dpkg-trigger dpkg-realpath
        dpkg-maintscript-helper dpkg-fsys-usrunmess(8) dpkg.cfg(5) dpkg-name dpkg-scanpackages dpkg-scansources
        dpkg-vendor dpkg-checkbuilddeps dpkg-architecture dpkg-parsechangelog dpkg-genchanges dpkg-gencontrol
        dpkg-mergechangelogs dpkg-distaddfile dpkg-reconfigure(8) dpkg-preconfigure(8)
    """,
    "Debian package file formats": """
        deb(5) deb-control(5) deb-conffiles(5) deb-md5sums(5) deb-postinst(5) deb-preinst(5) deb-prerm(5)
        deb-postrm(5) deb-triggers(5) deb-split(5) deb-old(5) deb-origin(5) deb-changelog(5) deb-substvars(5)
        deb822(5)
    """,
    "GNU tools": "sed make diff diff3 xargs sort cp ls",
}
NOISE_FORMATS = ("txt", "md", "html", "txt", "pdf", "md", "docx")


def man_source(page: str) -> Path:
    """The installed file of a manual page named `name(section)`, or `name` for section 1."""
    name, section = re.fullmatch(r"([^()]+)(?:\((\d)\))?", page).groups()  # type: ignore[union-attr]
    return MAN / f"man{section or 1}" / f"{name}.{section or 1}.gz"


def noise_pages() -> list[tuple[str, str]]:
    """(file name, manual page) of every noise page, the formats taken in turn."""
    pages = [page for group in NOISE_GROUPS.values() for page in group.split()]
    return [(f"{page.split('(')[0]}.{ext}", page) for page, ext in zip(pages, cycle(NOISE_FORMATS))]


def write_notices(path: Path, pages: list[str]) -> None:
    """The Debian copyright file of every package the pages come from, then the licence texts they refer to."""
    parts = [
        "Copyright and licence notices of the documents in corpus/ (written by make_corpus.py): reformatted copies\n"
        "of Debian manual pages. The Debian copyright file of each package they come from, then the full texts\n"
        "of the licences those files refer to in /usr/share/common-licenses."
    ]
    parts += debian_copyrights(man_source(page) for page in pages)
    for licence in COMMON_LICENCES:
        text = (Path("/usr/share/common-licenses") / licence).read_text(encoding="utf-8")
        parts.append(f"===== {licence} (/usr/share/common-licenses/{licence}) =====\n\n{text}")
    path.write_text("\n\n".join(part.strip() for part in parts) + "\n", encoding="utf-8")


def main() -> int:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir()
    pages = [*TRUE_PAGES, *noise_pages()]
    for name, page in pages:
        write_man_page(man_source(page), CORPUS / name)
    write_notices(CORPUS.parent / "NOTICES.txt", [page for _, page in pages])
    size = sum(p.stat().st_size for p in CORPUS.iterdir())
    noise = len(pages) - len(TRUE_PAGES)
    print(f"{len(pages)} files ({len(TRUE_PAGES)} true pages, {noise} noise pages), {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
