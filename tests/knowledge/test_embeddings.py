"""/v1/embeddings through the official `openai` package: normalized 384-d MiniLM vectors, as floats and as the
SDK's default base64 encoding."""

import numpy as np
import openai
import pytest


def test_embeddings_with_openai_sdk(live_app, alice):
    client = openai.OpenAI(base_url=f"{live_app}/v1", api_key=alice["Authorization"].split()[1], max_retries=0)
    result = client.embeddings.create(
        model="all-MiniLM-L6-v2", input=["The cat sat on the mat.", "Solar panels"], encoding_format="float"
    )
    vectors = np.array([item.embedding for item in result.data])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert result.usage.prompt_tokens > 0
    same = client.embeddings.create(model="all-MiniLM-L6-v2", input="The cat sat on the mat.")  # SDK default: base64
    assert np.allclose(same.data[0].embedding, vectors[0], atol=1e-5)
    with pytest.raises(openai.UnprocessableEntityError):
        client.embeddings.create(model="no-such-embedding-model", input="hello", encoding_format="float")
