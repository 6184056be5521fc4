"""The python tool (issue 23, item 3): real computations work; escape attempts (network, files, processes,
signals, ctypes, secrets in the environment) and resource abuse end as clear errors, the worker unharmed."""

import base64
import os
import socket
import time
from dataclasses import replace

import pytest

from tests.security import sandbox_targets as targets
from tests.security.test_sandbox import heartbeat
from worker.agent.runner import execute
from worker.agent.tools import all_tools
from worker.agent.tools.base import ToolEnv
from worker.agent.tools.figures import MAX_FIGURES, MAX_PNG_BYTES
from worker.agent.tools.python_tool import SANDBOX
from worker.agent.tools.python_tool import execute as run_snippet
from worker.sandbox import LimitExceeded, Limits, run, warm

PYTHON = all_tools()["python"]


@pytest.fixture(scope="module", autouse=True)
def _warm_sandbox():
    warm()


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """MODEL_STORE_DIR/scratch with one data file; the test's own directories stay private (0700)."""
    from app.kernel.settings import get_settings

    monkeypatch.setenv("MODEL_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "do-not-leak-" + "x" * 20)
    get_settings.cache_clear()
    path = tmp_path / "scratch"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    (path / "sales.csv").write_text("month,total\njan,10\nfeb,32\n")
    (path / "sales.csv").chmod(0o644)
    yield path
    get_settings.cache_clear()


def _python(code: str):
    return execute(PYTHON, {"code": code}, ToolEnv())


def test_a_data_question_reads_the_scratch_directory(scratch):
    code = "import csv, statistics\nrows = list(csv.DictReader(open('sales.csv')))\n"
    code += "print(statistics.mean(int(r['total']) for r in rows))\nimport numpy as np\nprint(np.arange(4).sum())"
    result = _python(code)
    assert result.event["ok"], result.event
    assert result.output.text == "21\n6"


ESCAPES = {
    "socket": ("import socket\nsocket.socket().connect(('127.0.0.1', 80))", "socket.__new__ is not allowed"),
    "resolve": ("import socket\nsocket.getaddrinfo('example.com', 80)", "socket.getaddrinfo is not allowed"),
    "write into scratch": ("open('sales.csv', 'a').write('x')", "cannot write files"),
    "write to /tmp": ("import os\nos.open('/tmp/escaped', os.O_CREAT | os.O_WRONLY)", "cannot write files"),
    "read outside": ("print(open('/etc/hostname').read())", "can only read files in its scratch directory"),
    "delete": ("import os\nos.remove('sales.csv')", "os.remove is not allowed"),
    "subprocess": ("import subprocess\nsubprocess.run(['id'])", "subprocess.Popen is not allowed"),
    "fork": ("import os\nos.fork()", "os.fork is not allowed"),
    "signal the worker": (f"import os\nos.kill({os.getpid()}, 9)", "os.kill is not allowed"),
    "ctypes": ("import ctypes\nctypes.CDLL(None).system(b'id')", "ctypes.dlopen is not allowed"),
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_escape_attempts_are_refused(scratch, name):
    code, refusal = ESCAPES[name]
    result = _python(code)
    assert refusal in result.output.text, result.output.text
    assert not os.path.exists("/tmp/escaped")
    assert (scratch / "sales.csv").read_text().endswith("feb,32\n")


def test_secrets_are_not_in_the_environment_and_the_user_is_unprivileged(scratch):
    text = _python("import os\nprint(sorted(os.environ), os.getuid())").output.text
    assert "SECRET_KEY" not in text and "do-not-leak" not in text
    assert text.endswith(str(0 if os.geteuid() != 0 else 65534))


def test_no_network_even_without_the_audit_hook(scratch):
    """The child's own network namespace (where the kernel allows one): a raw connect reaches nothing."""
    if not run(targets.can_unshare_network, limits=Limits(wall_s=5)):
        pytest.skip("no CAP_SYS_ADMIN: only the audit hook blocks sockets here")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert run(targets.connect, port, limits=Limits(wall_s=5)) == 0  # reachable without the namespace
        assert run(targets.connect, port, limits=Limits(wall_s=5, network=False)) != 0


def test_resource_abuse_ends_as_a_limit(scratch):
    started = time.perf_counter()
    with heartbeat() as gaps:
        result = _python("x = bytearray(4 * 1024**3)")
        assert result.event["error"] == "stopped: the code used more than 512 MiB of memory"
        loop = replace(SANDBOX, wall_s=1.5, cpu_s=1, workdir=str(scratch))
        with pytest.raises(LimitExceeded):
            run(run_snippet, "while True: pass", str(scratch), limits=loop)
        flood = _python("while True: print('x' * 1000)")
        assert flood.event["ok"] and flood.output.text.endswith("[output truncated]")
    assert time.perf_counter() - started < 15
    assert max(gaps) < 0.5
    assert _python("print(1 + 1)").output.text == "2"


PNG = b"\x89PNG\r\n\x1a\n"


def test_a_plot_comes_back_as_a_png_image(scratch):
    result = _python(
        "import csv\nimport matplotlib.pyplot as plt\n"
        "rows = list(csv.DictReader(open('sales.csv')))\n"
        "plt.plot([r['month'] for r in rows], [int(r['total']) for r in rows])\nplt.title('sales')\nprint('done')"
    )
    assert result.event["ok"], result.event
    [image] = result.event["images"]
    assert base64.b64decode(image).startswith(PNG) and len(base64.b64decode(image)) <= MAX_PNG_BYTES
    assert result.output.text == "done\n[figure 1 is shown to the user as an image]"


def test_figures_are_capped_in_number_and_size(scratch):
    many = _python("import matplotlib.pyplot as plt\nfor i in range(5):\n    plt.figure(); plt.plot([i, 1])")
    assert len(many.event["images"]) == MAX_FIGURES and "at most 3 figures" in many.output.text
    noise = _python(
        "import numpy as np, matplotlib.pyplot as plt\nplt.figure(figsize=(500, 500))\n"
        "plt.imshow(np.random.default_rng(0).random((1200, 1600)))"
    )
    assert "images" not in noise.event and "over 256 KiB" in noise.output.text, noise.output.text


def test_hostile_plots_cannot_write_huge_files(scratch):
    """Saving a figure, or writing around the audit hook, meets the no-writes rule and RLIMIT_FSIZE."""
    with heartbeat() as gaps:
        saved = _python("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('plot.png')")
        assert "cannot write files" in saved.output.text and not (scratch / "plot.png").exists()
        huge = _python("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('huge.png', dpi=3000)")
        assert huge.event["error"] == "stopped: the code used more than 512 MiB of memory"
        raw = _python("import os\nfd = os.open('/tmp/huge.bin', os.O_WRONLY | os.O_CREAT)\nos.write(fd, b'x' * 2**30)")
        assert "cannot write files" in raw.output.text
        drop = scratch / "drop"  # writable even by the unprivileged user: only RLIMIT_FSIZE stands in the way
        drop.mkdir(mode=0o777)
        drop.chmod(0o777)
        with pytest.raises(LimitExceeded, match="wrote a file"):
            run(targets.write_file, "drop/huge.bin", 64, limits=replace(SANDBOX, workdir=str(scratch)))
    assert max(gaps) < 0.5
    assert (drop / "huge.bin").stat().st_size == 0
