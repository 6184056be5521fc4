"""The API's torch-free chat-template renderer (app/kernel/training/tokens.py) against transformers' own.

The API counts a dataset's tokens with it; the trainer encodes the same samples with transformers. They must
agree, or the lengths the upload reports differ from what training sees.
"""

import pytest
from transformers import AutoTokenizer

from app.kernel.training.encoding import encode_chat
from app.kernel.training.tokens import ChatTokenizer

CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "数字 1 + 2 = ?  Ünïcödé, tabs\tand\nnew lines"},
    ],
    [{"role": "user", "content": "  leading and trailing spaces  "}, {"role": "assistant", "content": "ok"}],
]


@pytest.fixture(scope="module", params=["smollm2", "tiny"])
def model_dir(request, smol_model_dir, tiny_model_dir):
    return smol_model_dir if request.param == "smollm2" else tiny_model_dir


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=["one-turn", "multi-turn-unicode", "spaces"])
@pytest.mark.parametrize("generation_prompt", [False, True])
def test_rendered_text_and_token_ids_equal_transformers(model_dir, conversation, generation_prompt):
    ours, theirs = ChatTokenizer(model_dir), AutoTokenizer.from_pretrained(model_dir)
    rendered = theirs.apply_chat_template(conversation, tokenize=False, add_generation_prompt=generation_prompt)
    assert ours.apply_chat_template(conversation, add_generation_prompt=generation_prompt) == rendered
    assert ours.encode(rendered) == theirs.encode(rendered, add_special_tokens=False)


@pytest.mark.parametrize("conversation", CONVERSATIONS[1:], ids=["multi-turn-unicode", "spaces"])
def test_training_labels_equal_transformers(model_dir, conversation):
    ours, theirs = ChatTokenizer(model_dir), AutoTokenizer.from_pretrained(model_dir)
    assert encode_chat(ours, conversation) == encode_chat(theirs, conversation)
