"""Check the labelled questions of the development set against its corpus and write questions.jsonl.

Each answerable question carries, for each file it lists, the passage of that file which answers it; the passage
must occur (whitespace aside) in the text that worker.rag.loaders extracts from the rendered file. Each
unanswerable question carries terms its answer would need, which must occur in no document. Splits alternate
tune/heldout within each kind. Run `python -m bench.kbeval_dev.make_questions` after make_corpus.
"""

import json
import re
import sys
from pathlib import Path

from bench.kbeval_dev.make_corpus import CORPUS, TRUE_PAGES
from worker.rag.loaders import load

QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.jsonl"
KINDS = ["direct", "paraphrase", "two_doc", "zh", "zh_no_latin", "unanswerable"]

COMMIT, REBASE, STASH, PICK = "git-commit.txt", "git-rebase.html", "git-stash.md", "git-cherry-pick.docx"
BISECT, WORKTREE, RESET, TAG = "git-bisect.pdf", "git-worktree.txt", "git-reset.md", "git-tag.html"
CLEAN, BLAME, DPKG, QUERY = "git-clean.pdf", "git-blame.docx", "dpkg.pdf", "dpkg-query.txt"
DEB, GET, CACHE, MARK = "dpkg-deb.docx", "apt-get.html", "apt-cache.md", "apt-mark.txt"
DIVERT, CONFIG, SOURCES, PREFS = "dpkg-divert.md", "apt-config.docx", "sources.list.html", "apt_preferences.pdf"

# (question, kind, evidence): evidence is {file: passage that answers} or, when unanswerable, (terms...).
QUESTIONS: list[tuple[str, str, dict[str, str] | tuple[str, ...]]] = [
    # direct: the page's own words
    (
        "What does the --no-verify option of git commit skip?",
        "direct",
        {COMMIT: "By default, the pre-commit and commit-msg hooks are run. When any of --no-verify or -n is given"},
    ),
    (
        'What does git rebase --autosquash do with commits whose message starts with "fixup!"?',
        "direct",
        {REBASE: 'When the commit log message begins with "squash! ..." or "fixup! ..." or "amend! ..."'},
    ),
    (
        "Is the stash entry removed when git stash pop fails with conflicts?",
        "direct",
        {STASH: "Applying the state can fail with conflicts; in this case, it is not removed from the stash list."},
    ),
    (
        "What does the -x option of git cherry-pick add to the commit message?",
        "direct",
        {PICK: 'append a line that says "(cherry picked from commit ...)" to the original commit message'},
    ),
    (
        "Which exit code should a git bisect run script return when the current source code cannot be tested?",
        "direct",
        {BISECT: "The special exit code 125 should be used when the current source code cannot be tested."},
    ),
    (
        "What does git worktree add --lock do?",
        "direct",
        {WORKTREE: "Keep the worktree locked after creation. This is the equivalent of git worktree lock after"},
    ),
    (
        "What does git reset --soft do to the index and the working tree?",
        "direct",
        {RESET: "Does not touch the index file or the working tree at all (but resets the head to <commit>"},
    ),
    (
        "How do I make a GPG-signed tag with git tag?",
        "direct",
        {TAG: "Make a GPG-signed tag, using the default e-mail address"},
    ),
    (
        "Does git clean remove ignored files when given the -x option?",
        "direct",
        {CLEAN: "if the -x option is specified, ignored files are also removed."},
    ),
    (
        "What does git blame --ignore-rev do?",
        "direct",
        {BLAME: "Ignore changes made by the revision when assigning blame, as if the change never happened."},
    ),
    (
        "Does dpkg --remove delete the conffiles of a package?",
        "direct",
        {DPKG: "Remove an installed package. This removes everything except conffiles"},
    ),
    (
        "How do I list the files installed by a package with dpkg-query?",
        "direct",
        {QUERY: "List files installed to your system from package-name."},
    ),
    (
        "Which compression type does dpkg-deb use by default when building a package?",
        "direct",
        {DEB: "zstd (since dpkg 1.21.18) and none (default is xz)."},
    ),
    (
        "What does apt-get autoremove do?",
        "direct",
        {GET: "autoremove is used to remove packages that were automatically installed to satisfy dependencies"},
    ),
    (
        "What does apt-cache madison show?",
        "direct",
        {CACHE: "It displays available versions of a package"},
    ),
    (
        "How do I list the manually installed packages with apt-mark?",
        "direct",
        {MARK: "it will print a list of manually installed packages instead."},
    ),
    (
        "What is a deb-src line in sources.list needed for?",
        "direct",
        {SOURCES: "A deb-src line is required to fetch source indexes."},
    ),
    (
        "What does a Pin-Priority of 1000 or more do in apt_preferences?",
        "direct",
        {PREFS: "P >= 1000 causes a version to be installed even if this constitutes a downgrade of the package"},
    ),
    # paraphrase: how someone who does not know the option's name asks
    (
        "I just saved my work in version control but forgot a file and mistyped the message. How do I redo "
        "that last save instead of adding another one?",
        "paraphrase",
        {COMMIT: "Replace the tip of the current branch by creating a new commit."},
    ),
    (
        "I'm halfway through replaying my branch onto the newest main and it has gone badly. How do I get "
        "back to exactly where I was before I began?",
        "paraphrase",
        {REBASE: "To check out the original <branch> and remove the .git/rebase-apply working files"},
    ),
    (
        "I need to switch branches right now but have half-done edits, including brand new files git has never "
        "seen. How do I put all of it aside, the new files too?",
        "paraphrase",
        {STASH: "all untracked files are also stashed and then cleaned up with git clean."},
    ),
    (
        "How do I bring over just one bug fix from a colleague's branch onto mine without merging their whole branch?",
        "paraphrase",
        {PICK: "Given one or more existing commits, apply the change each one introduces, recording a new commit"},
    ),
    (
        "The build broke somewhere in the last few hundred commits. Can git help me find the culprit by "
        "testing the halfway points for me?",
        "paraphrase",
        {BISECT: "uses a binary search algorithm to find which commit in your project"},
    ),
    (
        "Can I have two branches open at the same time in two separate folders, from a single clone?",
        "paraphrase",
        {WORKTREE: "allowing you to check out more than one branch at a time."},
    ),
    (
        "I saved my changes into history too early. How do I take back that last commit but keep everything I "
        "edited so I can redo it properly?",
        "paraphrase",
        {RESET: "This is most often done when you remembered what you just committed is incomplete"},
    ),
    (
        "Should the label I put on a public version record who made it and a message, or simply point at the commit?",
        "paraphrase",
        {TAG: "Annotated tags are meant for release while lightweight tags are meant for private or temporary"},
    ),
    (
        "Before wiping the build junk git doesn't track out of my checkout, can I preview what would be deleted?",
        "paraphrase",
        {CLEAN: "actually remove anything, just show what would be done."},
    ),
    (
        "We moved a function into another file. Can the per-line authorship still credit the person who first "
        "wrote it rather than whoever moved it?",
        "paraphrase",
        {BLAME: "detect lines moved or copied from other files that were modified in the same commit."},
    ),
    (
        "An upgrade was interrupted by a power cut and packages are left half set up. Which low-level command "
        "finishes setting all of them up?",
        "paraphrase",
        {DPKG: "all unpacked but unconfigured packages are configured."},
    ),
    (
        "Which installed package put /usr/bin/rsync on my machine?",
        "paraphrase",
        {QUERY: "Search for packages that own files corresponding to the given patterns."},
    ),
    (
        "I downloaded a Debian package file. How can I see what would land on disk without installing it?",
        "paraphrase",
        {DEB: "Lists the contents of the filesystem tree archive portion of the package archive."},
    ),
    (
        "My disk is filling up with downloaded installers of software that is already installed. How do I "
        "get rid of them?",
        "paraphrase",
        {GET: "clean clears out the local repository of retrieved package files."},
    ),
    (
        "How can I see which other packages rely on a given library package?",
        "paraphrase",
        {CACHE: "rdepends shows a listing of each reverse dependency a package has."},
    ),
    (
        "How do I freeze one program at its current version so that system updates leave it alone?",
        "paraphrase",
        {MARK: "which will prevent the package from being automatically installed, upgraded or removed."},
    ),
    (
        "I changed a file that came with a package and want my copy to survive upgrades instead of being "
        "overwritten. How?",
        "paraphrase",
        {DIVERT: "This can be used by an admin to install a locally modified version."},
    ),
    (
        "I added the testing archive to get one newer program, but want everything else to stay on stable. "
        "How do I tell the package manager that?",
        "paraphrase",
        {PREFS: "cause APT to assign a priority higher than the default (500) to all package versions belonging"},
    ),
    # two_doc: each half answered by a different page
    (
        "When git bisect has found the bad commit, how do I go back to where I started, and how do I then copy "
        "the fix commit onto the release branch with git cherry-pick?",
        "two_doc",
        {
            BISECT: "to clean up the bisection state and return to the original HEAD",
            PICK: "Given one or more existing commits, apply the change each one introduces",
        },
    ),
    (
        "How do I put my uncommitted work aside with git stash, and check out an existing hotfix branch in a "
        "separate directory with git worktree?",
        "two_doc",
        {
            STASH: "Save your local modifications to a new stash entry and roll them back to HEAD",
            WORKTREE: "To instead work on an existing branch in a new worktree, use git worktree add <path> <branch>.",
        },
    ),
    (
        "How do I delete untracked build files with git clean and throw away every change to tracked files "
        "with git reset?",
        "two_doc",
        {
            CLEAN: "Cleans the working tree by recursively removing files that are not under version control",
            RESET: "Any changes to tracked files in the working tree since <commit> are discarded.",
        },
    ),
    (
        "How do I make a fixup commit with git commit, and have git rebase squash it into its target automatically?",
        "two_doc",
        {
            COMMIT: 'Create a new commit which "fixes up" <commit> when applied with git rebase --autosquash.',
            REBASE: 'When the commit log message begins with "squash! ..." or "fixup! ..."',
        },
    ),
    (
        "How do I GPG-sign a commit with git commit, and make a GPG-signed release tag with git tag?",
        "two_doc",
        {
            COMMIT: "GPG-sign commits. The keyid argument is optional and defaults to the committer identity",
            TAG: "Make a GPG-signed tag, using the default e-mail address",
        },
    ),
    (
        "How do I find which package owns a file with dpkg-query, and then put that package on hold with apt-mark?",
        "two_doc",
        {
            QUERY: "Search for packages that own files corresponding to the given patterns.",
            MARK: "hold is used to mark a package as held back",
        },
    ),
    (
        "How do I see which version APT would pick and why with apt-cache policy, and how do I pin a package "
        "to a version in apt_preferences?",
        "two_doc",
        {
            CACHE: "policy is meant to help debug issues relating to the preferences file.",
            PREFS: 'The specific form assigns a priority (a "Pin-Priority") to one or more specified packages',
        },
    ),
    (
        "How do I write a repository line with options in sources.list, and then install a package from that "
        "release with apt-get --target-release?",
        "two_doc",
        {
            SOURCES: "deb [ option1=value1 option2=value2 ] uri suite [component1] [component2] [...]",
            GET: "it creates a default pin at priority 990 using the specified release string.",
        },
    ),
    (
        "How do I unpack a .deb into a directory with dpkg-deb to look at it, and then install it with dpkg?",
        "two_doc",
        {
            DEB: "Extracts the filesystem tree from a package archive into the specified directory.",
            DPKG: "Install the package. If --recursive or -R option is specified",
        },
    ),
    # zh: Chinese with a Latin-script command or option name
    (
        "git stash pop 和 git stash apply 有什么区别？",
        "zh",
        {STASH: "Remove a single stashed state from the stash list and apply it on top of the current working tree"},
    ),
    (
        "git worktree prune 命令是做什么用的？",
        "zh",
        {WORKTREE: "Prune worktree information in $GIT_DIR/worktrees."},
    ),
    (
        "怎样用 git tag 删除一个已经存在的标签？",
        "zh",
        {TAG: "Delete existing tags with the given names."},
    ),
    (
        "apt-get 的 --no-install-recommends 选项有什么作用？",
        "zh",
        {GET: "Do not consider recommended packages as a dependency for installing."},
    ),
    (
        "apt-config dump 命令会输出什么？",
        "zh",
        {CONFIG: "Just show the contents of the configuration space."},
    ),
    (
        "sources.list 里的 Signed-By 选项是做什么的？",
        "zh",
        {SOURCES: "is an option to require a repository to pass apt-secure(8) verification with a certain set of keys"},
    ),
    # zh_no_latin: Chinese without a single Latin letter
    (
        "怎样用二分查找在提交历史里定位是哪一次提交引入了缺陷？",
        "zh_no_latin",
        {BISECT: "uses a binary search algorithm to find which commit in your project"},
    ),
    (
        "怎样撤销最近一次提交，但保留暂存区和工作区里的所有修改？",
        "zh_no_latin",
        {RESET: "Does not touch the index file or the working tree at all"},
    ),
    (
        "怎样删除工作目录里没有被版本控制跟踪的文件？",
        "zh_no_latin",
        {CLEAN: "Cleans the working tree by recursively removing files that are not under version control"},
    ),
    (
        "怎样查看一个软件包依赖哪些其他软件包？",
        "zh_no_latin",
        {CACHE: "depends shows a listing of each dependency a package has"},
    ),
    (
        "怎样把一个软件包标记为自动安装，让它在不再被需要时被自动删除？",
        "zh_no_latin",
        {MARK: "auto is used to mark a package as being automatically installed"},
    ),
    (
        "要彻底删除一个软件包连同它的配置文件，应该用哪个底层命令？",
        "zh_no_latin",
        {DPKG: "Purge an installed or already removed package. This removes everything, including conffiles"},
    ),
    # unanswerable: not in the corpus; the terms an answer would need occur in no document
    ("How do I open a merge request on GitLab from the command line?", "unanswerable", ("GitLab", "merge request")),
    ("How do I set up Git LFS to store large binary files outside the repository?", "unanswerable", ("LFS",)),
    ("How do I convert a Mercurial repository to git?", "unanswerable", ("Mercurial",)),
    ("How do I stop a snap package from refreshing automatically?", "unanswerable", ("snapd", "snap")),
    ("How do I turn an RPM package into a .deb with alien?", "unanswerable", ("alien",)),
    (
        "How do I make Debian install security updates on its own every night?",
        "unanswerable",
        ("unattended-upgrades", "unattended-upgrade"),
    ),
    ("How do I add the Flathub remote to Flatpak?", "unanswerable", ("Flatpak", "Flathub")),
    (
        "How do I sign my commits with an SSH key instead of a GPG key?",
        "unanswerable",
        ("gpg.format", "allowedSignersFile"),
    ),
    ("How do I install a package with yum on CentOS?", "unanswerable", ("yum", "CentOS")),
    ("怎样给 Docker 配置镜像加速器？", "unanswerable", ("Docker",)),
    ("如何用 BFG 从整个仓库历史里删除一个泄露的密码文件？", "unanswerable", ("BFG",)),
    ("怎样查看一个软件包在所有用户中的安装量统计？", "unanswerable", ("popularity-contest", "popcon")),
]


def extracted_texts() -> dict[str, str]:
    """Every corpus file's text as the knowledge-base loader extracts it, whitespace collapsed."""
    texts = {}
    for path in sorted(CORPUS.iterdir()):
        document = load(path, path.name)
        texts[path.name] = normalise(" ".join(section.text for section in document.sections))
    return texts


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def problems(texts: dict[str, str]) -> list[str]:
    """What is wrong with the labels: passages not found, terms found, kinds and Latin letters out of place."""
    true_pages = {name for name, _ in TRUE_PAGES}
    found = []
    for question, kind, evidence in QUESTIONS:
        if kind not in KINDS:
            found.append(f"unknown kind {kind!r}: {question}")
        has_latin = bool(re.search(r"[A-Za-z]", question))
        if kind == "zh_no_latin" and has_latin or kind == "zh" and not has_latin:
            found.append(f"Latin letters do not fit the kind {kind}: {question}")
        if isinstance(evidence, dict):
            if (kind == "two_doc") != (len(evidence) == 2) or kind == "unanswerable":
                found.append(f"{len(evidence)} documents for a {kind} question: {question}")
            for name, passage in evidence.items():
                if name not in true_pages:
                    found.append(f"{name} is not a true page: {question}")
                elif normalise(passage) not in texts[name]:
                    found.append(f"passage not in {name}: {passage!r}")
        else:
            if kind != "unanswerable":
                found.append(f"terms instead of passages for a {kind} question: {question}")
            for term in evidence:
                pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
                found += [f"{term!r} occurs in {name}: {question}" for name, t in texts.items() if pattern.search(t)]
    return found


def records() -> list[dict]:
    """The JSONL records, splits alternating tune/heldout within each kind in the order of QUESTIONS."""
    seen = dict.fromkeys(KINDS, 0)
    out = []
    for question, kind, evidence in QUESTIONS:
        split = "tune" if seen[kind] % 2 == 0 else "heldout"
        seen[kind] += 1
        documents = list(evidence) if isinstance(evidence, dict) else []
        out.append({"question": question, "documents": documents, "kind": kind, "split": split})
    return out


def main() -> int:
    found = problems(extracted_texts())
    if found:
        print("\n".join(found), file=sys.stderr)
        return 1
    lines = [json.dumps(record, ensure_ascii=False) for record in records()]
    QUESTIONS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = {kind: sum(1 for _, k, _ in QUESTIONS if k == kind) for kind in KINDS}
    print(f"{len(lines)} questions checked and written: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
