"""Build the model's message list from the stored conversation branch the answer belongs to."""

from sqlalchemy.orm import Session

from app.kernel.models import Conversation, Message

ANSWERED = ("done", "cancelled")


def branch_messages(session: Session, assistant: Message) -> list[Message]:
    """The chain user → assistant → ... ending at this answer's question, oldest first (regenerate-aware)."""
    chain: list[Message] = []
    current = session.get(Message, assistant.parent_id) if assistant.parent_id else None
    while current is not None:
        chain.append(current)
        current = session.get(Message, current.parent_id) if current.parent_id else None
    return list(reversed(chain))


def prompt_messages(session: Session, conversation: Conversation, assistant: Message) -> list[dict[str, str]]:
    """System prompt, earlier turns (failed or empty answers left out), then the new question."""
    messages = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    for message in branch_messages(session, assistant):
        if message.role == "assistant" and (message.status not in ANSWERED or not message.content):
            continue
        messages.append({"role": message.role, "content": message.content})
    return messages
