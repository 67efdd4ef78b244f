"""Native tool calls: the env's actions offered as function tools (schemas generated from one definition),
a reply's tool_calls taken as the action, the next observation sent back as the tool message answering the
call (then the user turn), as the OpenAI protocol requires; the same through a local HF model's template."""

from __future__ import annotations

import json

import pytest

from mmturn.embodied.gui.formats.androidworld import ACTIONS
from mmturn.embodied.nav.env import nav_tool_action, nav_tools
from mmturn.tasks.cli import main
from mmturn.tasks.conversation import NOT_RUN, Conversation
from mmturn.tasks.env import episode_seed
from mmturn.tasks.models.hf import to_hf_conversation
from mmturn.tasks.models.openai_chat import to_openai_messages
from mmturn.tasks.registry import TASKS, load_builtins
from mmturn.tasks.tools import ToolCall, text_tool_calls
from mmturn.tasks.types import Part, Reply
from mmturn.testing.fake_openai import FakeOpenAIServer, ServerState

TEMPLATES = "templates='[\"MessagesSend\"]'"  # open an app, tap a contact, type into a field, declare completion


def oracle_calls(fmt: str) -> list[tuple[str, dict]]:
    """The oracle's actions for gui-tasks episode 0 as (function, arguments)."""
    load_builtins()
    task = TASKS.get("gui-tasks")
    env = task.make_env({"action_format": fmt, "templates": ("MessagesSend",)})
    _, info = env.reset(seed=episode_seed(0, task.episodes_key, 0), options={"index": 0})
    calls = []
    while True:
        reply = info["hints"].oracle_reply
        if fmt == "androidworld":
            data = json.loads(reply)
            calls.append((data.pop("action_type"), data))
        else:
            call = text_tool_calls(reply)[0]
            calls.append((call.name, json.loads(call.arguments)))
        _, _, terminated, truncated, info = env.step(reply)
        if terminated or truncated:
            return calls


def tool_message(k: int, name: str, arguments: dict) -> dict:
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": f"c{k}", "type": "function", "function": function}],
    }


@pytest.mark.parametrize("fmt", ["androidworld", "qwen3vl"])
def test_a_server_answering_with_tool_calls_drives_a_gui_episode(fmt, tmp_path):
    calls = oracle_calls(fmt)
    state = ServerState()
    first_name, first_args = calls[0]
    # a text reply in tool mode is still read as text: the first action comes as plain content
    first_text = json.dumps({"action_type": first_name, **first_args}) if fmt == "androidworld" else None
    state.replies = [
        {"role": "assistant", "content": first_text} if first_text else tool_message(0, *calls[0]),
        *(tool_message(k, name, args) for k, (name, args) in enumerate(calls[1:], 1)),
    ]
    out = tmp_path / "run"
    with FakeOpenAIServer(state) as server:
        args = f"base_url={server.base_url},tools=true,cache=none"
        code = main(
            ["run", "--no-progress", "--no-report", "--executor", "inline", "--tasks", "gui-tasks", "--limit", "1"]
            + ["--model", "openai", "--model-args", args, "--task-args", f"action_format={fmt},{TEMPLATES}"]
            + ["--output-dir", str(out)]
        )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["results"]["gui-tasks"]["success"] == 1.0 and results["results"]["gui-tasks"]["valid_actions"] == 1
    requests = state.requests
    assert len(requests) == len(calls)
    names = [t["function"]["name"] for t in requests[0]["tools"]]
    assert names == (list(ACTIONS) if fmt == "androidworld" else ["mobile_use"])
    assert all(r["tools"] == requests[0]["tools"] for r in requests)
    assert "<tools>" not in requests[0]["messages"][0]["content"][-1]["text"]  # the schemas go natively, once
    last = requests[-1]["messages"]
    for k in range(1, len(calls) - 1):  # every call is answered by a tool message with its id, then the screen
        at = next(i for i, m in enumerate(last) if m.get("tool_calls") and m["tool_calls"][0]["id"] == f"c{k}")
        tool, user = last[at + 1], last[at + 2]
        assert tool == {"role": "tool", "tool_call_id": f"c{k}", "content": tool["content"]} and tool["content"]
        assert user["role"] == "user" and [c["type"] for c in user["content"]] == ["image_url"]
    records = [json.loads(line) for line in (out / "samples" / "gui-tasks.jsonl").read_text().splitlines()]
    turns = [r for r in records if r["type"] == "turn"]
    assert [t["tool_calls"][0]["name"] for t in turns[1:]] == [name for name, _ in calls[1:]]


def test_without_tools_true_no_tools_are_sent(tmp_path):
    with FakeOpenAIServer() as server:
        code = main(
            ["run", "--no-progress", "--no-report", "--executor", "inline", "--tasks", "gui-tasks", "--limit", "1"]
            + ["--model", "openai", "--model-args", f"base_url={server.base_url},cache=none"]
            + ["--output-dir", str(tmp_path / "run"), "--task-args", TEMPLATES]
        )
        assert code == 0 and server.state.requests and all("tools" not in r for r in server.state.requests)


def test_conversation_answers_each_call_then_shows_the_screen():
    image = Part.of_image(__import__("numpy").zeros((4, 4, 3), "uint8"))
    conv = Conversation()
    conv.observe((image, Part.of_text("Goal: x. Act.")))
    conv.reply(Reply("", tool_calls=(ToolCall("click", '{"x": 1, "y": 2}', "a"), ToolCall("wait", "{}", "b"))))
    conv.observe((Part.of_text("Goal image:"), image, Part.of_text("Now:"), image, Part.of_text("Next action?")))
    roles = [(m.role, m.tool_call_id) for m in conv.messages]
    assert roles == [("user", None), ("assistant", None), ("tool", "a"), ("tool", "b"), ("user", None)]
    assert conv.messages[2].parts[0].text == "Next action?" and conv.messages[3].parts[0].text == NOT_RUN
    assert [p.kind for p in conv.messages[4].parts] == ["text", "image", "text", "image"]
    assert conv.window(1) == conv.messages[2:]  # a window never splits a call from its answer
    sent = to_openai_messages(conv.messages)
    assert sent[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "click", "arguments": '{"x": 1, "y": 2}'}},
            {"id": "b", "type": "function", "function": {"name": "wait", "arguments": "{}"}},
        ],
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "a", "content": "Next action?"}
    hf = to_hf_conversation(conv.messages)
    assert hf[1]["tool_calls"][0] == {"type": "function", "function": {"name": "click", "arguments": {"x": 1, "y": 2}}}


def test_navigation_offers_its_moves_as_tools():
    assert [t["function"]["name"] for t in nav_tools()] == ["move_forward", "turn_left", "turn_right", "stop"]
    assert [t["function"]["name"] for t in nav_tools(allow_questions=True)][-1] == "ask"
    assert nav_tool_action(ToolCall("turn_left")).kind == "TURN_LEFT"
    assert nav_tool_action(ToolCall("ask", '{"question": "where?"}'), True).args == {"question": "where?"}
    assert nav_tool_action(ToolCall("fly")).error.startswith("unknown function 'fly'")


def test_text_tool_calls_read_hermes_blocks():
    text = 'ok <tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call> <tool_call>{bad</tool_call>'
    assert text_tool_calls(text) == (ToolCall("f", '{"a": 1}', "call_0"),)
    assert text_tool_calls('<tool_call>{"name": "g", "arguments": {}}') == (ToolCall("g", "{}", "call_0"),)


@pytest.mark.slow
def test_tiny_hf_vlm_runs_with_tools_end_to_end(tiny_qwen_tools, tiny_qwen, tmp_path):
    """The tools reach the prompt through the model's own template (the same model and prompt whose template
    renders no tools is shorter by the schema), the model's decoded <tool_call> blocks become tool calls, and
    the episode plays to its end."""
    from mmturn.tasks.models.hf import HFModel

    tokens = {}
    for name, path in (("tools", tiny_qwen_tools), ("plain", tiny_qwen)):
        out = tmp_path / name
        args = f"pretrained={path},max_new_tokens=8,tools=true"
        code = main(
            ["run", "--no-progress", "--executor", "inline", "--tasks", "gui-tasks", "--limit", "1", "--history", "1"]
            + ["--model", "hf", "--model-args", args, "--task-args", f"action_format=qwen3vl,{TEMPLATES}"]
            + ["--output-dir", str(out)]
        )
        assert code == 0
        results = json.loads((out / "results.json").read_text())
        assert results["counts"]["gui-tasks"]["episodes"] == 1 and results["usage"]["gui-tasks"]["input_tokens"] > 0
        first = json.loads((out / "samples" / "gui-tasks.jsonl").read_text().splitlines()[0])
        tokens[name] = first["input_tokens"]
    assert tokens["tools"] > tokens["plain"] + 100  # the mobile_use schema was rendered into the prompt
    model = HFModel(pretrained=str(tiny_qwen_tools), tools=True)
    reply = model._reply('<tool_call>\n{"name": "mobile_use", "arguments": {"action": "wait"}}\n</tool_call>', 0, 1, 1)
    assert reply.text == "" and reply.tool_calls == (ToolCall("mobile_use", '{"action": "wait"}', "call_0"),)
