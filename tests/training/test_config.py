import subprocess
import sys
from pathlib import Path

import pytest

from app.kernel.training.config import TrainConfig, default_target_modules
from app.kernel.training.errors import ConfigError, TrainingError

BAD = [
    ({"method": "full"}, "method"),
    ({"rank": 0}, "rank"),
    ({"rank": -4}, "rank"),
    ({"alpha": 0}, "alpha"),
    ({"dropout": 1.0}, "dropout"),
    ({"learning_rate": 0}, "learning_rate"),
    ({"learning_rate": 0.5}, "learning_rate"),
    ({"epochs": 0}, "epochs"),
    ({"max_steps": 0}, "max_steps"),
    ({"batch_size": 0}, "batch_size"),
    ({"grad_accum": 2.5}, "grad_accum"),
    ({"max_seq_len": 8}, "max_seq_len"),
    ({"eval_fraction": 0.9}, "eval_fraction"),
    ({"target_modules": []}, "target_modules"),
    ({"seed": -1}, "seed"),
]


@pytest.mark.parametrize(("values", "field"), BAD, ids=[field for _, field in BAD])
def test_invalid_setting_names_its_field(values, field):
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**values).validate()
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, TrainingError | ValueError)


def test_max_seq_len_is_checked_against_the_model_context():
    TrainConfig(max_seq_len=2048).validate(max_context=2048)
    with pytest.raises(ConfigError, match="max_seq_len: must be between 16 and 2048 .*context length"):
        TrainConfig(max_seq_len=4096).validate(max_context=2048)


def test_from_dict_skips_nulls_and_rejects_unknown_keys():
    config = TrainConfig.from_dict({"method": "qlora", "rank": 4, "max_steps": None, "target_modules": None})
    assert (config.method, config.rank, config.max_steps) == ("qlora", 4, None)
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_dict({"rnak": 4})
    assert caught.value.field == "rnak"


def test_default_target_modules_per_architecture():
    assert default_target_modules("llama") == ["q_proj", "v_proj"]
    assert default_target_modules("qwen2") == ["q_proj", "v_proj"]
    assert default_target_modules("chatglm") == ["query_key_value"]
    with pytest.raises(ConfigError, match="target_modules: no default for architecture 'mamba'"):
        default_target_modules("mamba")


def test_api_side_modules_do_not_import_torch():
    """The API process validates uploads and settings but never imports torch."""
    code = (
        "import sys, app.kernel.training.config, app.kernel.training.dataset, worker.training.metadata;"
        "print('torch' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
