from app.kernel.registry.registry import get_registry
from tests.support.tiny_model import tiny_spec
from worker.engine import cli


def test_models_list_shows_catalogue_and_disk_state(capsys):
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["ID", "BACKEND", "PRESENT", "LOADABLE"]
    assert "smollm2-135m-instruct" in out and "qwen2.5-7b-instruct" in out


def test_models_pull_reports_errors_and_paths(capsys, tiny_dirs):
    assert cli.main(["models", "pull", "no-such-model"]) == 1
    assert "available models" in capsys.readouterr().err
    get_registry().add(tiny_spec("cli-tiny", tiny_dirs["llama"]))
    try:
        assert cli.main(["models", "pull", "cli-tiny"]) == 0
        assert str(tiny_dirs["llama"].resolve()) in capsys.readouterr().out
    finally:
        get_registry().remove("cli-tiny")
