"""A tiny random causal LM with a real BPE tokenizer, for fast tests of everything that talks to a model.

`build_tiny_model(path)` writes a Hugging Face model directory (safetensors + tokenizer + chat template)
in well under a second; `register_tiny_model(registry, model_id, path)` makes it servable by the engine
through the same `dir:` loader as real models. Output is deterministic: same weights, same tokenizer.
"""

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from app.kernel.registry.registry import ModelRegistry
from app.kernel.registry.spec import ModelSpec

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CORPUS = """
LocalMind answers questions about documents on a laptop or a cluster. The capital of France is Paris.
The capital of Italy is Rome. Models are loaded once, cached, and shared by every request in a batch.
A tokenizer splits text into tokens; a model predicts the next token; the engine streams each token.
Users ask questions, assistants answer them, and the system prompt sets the rules of the conversation.
Numbers like 0 1 2 3 4 5 6 7 8 9 and symbols like + - * / = ( ) [ ] { } : ; , . ! ? are text too.
""".strip()
VOCAB_SIZE = 384
CONTEXT_LENGTH = 256


def build_tokenizer() -> PreTrainedTokenizerFast:
    """Byte-level BPE trained on a fixed corpus: encodes any text, decodes it back exactly."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS.splitlines() * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        chat_template=CHATML_TEMPLATE,
        model_max_length=CONTEXT_LENGTH,
    )


def _config(arch: str, tokenizer: PreTrainedTokenizerFast, hidden: int, layers: int):
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=CONTEXT_LENGTH,
        initializer_range=0.25,
        tie_word_embeddings=False,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    if arch == "llama":
        return LlamaConfig(**common), LlamaForCausalLM
    if arch == "qwen2":
        return Qwen2Config(**common), Qwen2ForCausalLM
    raise ValueError(f"unknown tiny arch {arch!r}; use 'llama' or 'qwen2'")


def build_tiny_model(path: Path | str, arch: str = "llama", hidden: int = 64, layers: int = 2) -> Path:
    """Write a random `arch` model (2 layers, 64 wide by default) plus tokenizer to `path`; returns `path`.

    The large `initializer_range` makes next-token logits peaked, so greedy output is stable under the
    small numeric differences of batched vs single-row attention.
    """
    path = Path(path)
    tokenizer = build_tokenizer()
    config, model_cls = _config(arch, tokenizer, hidden, layers)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = model_cls(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_tiny_adapter(model_dir: Path | str, path: Path | str, seed: int, rank: int = 4) -> Path:
    """Write a random (non-zero) LoRA adapter for the tiny model, so loading it visibly changes output."""
    from peft import LoraConfig, get_peft_model

    path = Path(path)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(r=rank, lora_alpha=rank * 4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        peft_model = get_peft_model(base, config)
    peft_model.save_pretrained(path)
    return path


def tiny_spec(model_id: str, path: Path | str, **overrides) -> ModelSpec:
    """A registry entry serving the tiny model directory at `path` through the `dir:` source."""
    fields = dict(
        id=model_id,
        display_name=f"Tiny test model ({model_id})",
        source=f"dir:{Path(path).resolve()}",
        backend="transformers",
        dtype="float32",
        device="cpu",
        context_length=CONTEXT_LENGTH,
    )
    fields.update(overrides)
    return ModelSpec(**fields)


def register_tiny_model(
    registry: ModelRegistry, model_id: str, path: Path | str, arch: str = "llama", **overrides
) -> ModelSpec:
    """Build the tiny model at `path` (unless already there) and add it to `registry` as `model_id`."""
    path = Path(path)
    if not (path / "config.json").exists():
        build_tiny_model(path, arch=arch)
    spec = tiny_spec(model_id, path, **overrides)
    registry.add(spec)
    return spec
