"""The conversation a model is sent, built turn by turn: each observation becomes a user turn and each
reply an assistant turn. After a reply with tool calls, the next observation answers the call as the
OpenAI protocol requires: a ``tool`` message per call (the first carries the observation's trailing
text; an env takes one action a turn, so later calls are answered as not run), then a user turn with the
rest (its images and the text between them). ``window(n)`` keeps the last n observations and replies."""

from __future__ import annotations

from mmturn.tasks.types import Message, Part, Reply

NOT_RUN = "Not run: one action per turn; only the first call was carried out."


class Conversation:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.starts: list[int] = []  # where each observation's messages begin

    def observe(self, parts: tuple[Part, ...]) -> None:
        self.starts.append(len(self.messages))
        calls = self.messages[-1].tool_calls if self.messages else ()
        if not calls:
            self.messages.append(Message("user", parts))
            return
        k = len(parts)
        while k > 0 and parts[k - 1].kind == "text":
            k -= 1
        answer = "".join(p.text for p in parts[k:]) or "Done."
        self.messages.append(Message("tool", (Part.of_text(answer),), tool_call_id=calls[0].id))
        self.messages += [Message("tool", (Part.of_text(NOT_RUN),), tool_call_id=c.id) for c in calls[1:]]
        if parts[:k]:
            self.messages.append(Message("user", parts[:k]))

    def reply(self, reply: Reply) -> None:
        parts = reply.parts or (() if reply.tool_calls else (Part.of_text(""),))
        self.messages.append(Message("assistant", parts, reply.reasoning, reply.tool_calls))

    def window(self, history: int | None) -> list[Message]:
        """The messages of the last ``history`` observations (and the replies to them); None: all."""
        if history is None or len(self.starts) < history or history == 0:
            return list(self.messages)
        return self.messages[self.starts[-history] :]
