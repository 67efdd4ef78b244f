"""The web oracle: for each MiniWob++ task it solves, the next action read from the page's DOM and the
task's fields (privileged: the env computes it for the ``oracle`` baseline, never for a model). Actions
are AndroidWorld JSON with points in CSS pixels of the task area."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

Action = dict[str, Any]


@dataclass
class Page:
    dom: Any  # miniwob.dom.DOMElement
    utterance: str
    fields: dict[str, str]
    memo: dict[str, Any] = field(default_factory=dict)  # the task, and "done": the oracle's actions carried out

    def elements(self) -> list[Any]:
        out, todo = [], [self.dom]
        while todo:
            e = todo.pop()
            out.append(e)
            todo.extend(reversed(e.children))
        return out

    def find(self, tag: str | None = None, text: str | None = None, cls: str | None = None, eid: str | None = None):
        return [
            e
            for e in self.elements()
            if (tag is None or e.tag == tag)
            and (text is None or (e.text or "").strip() == text)
            and (cls is None or cls in (e.classes or "").split())
            and (eid is None or e.id == eid)
        ]

    def target(self) -> str:
        return self.fields.get("target", "")


def click(e: Any) -> Action:
    return {"action_type": "click", "x": e.left + e.width / 2, "y": e.top + e.height / 2}


def type_into(e: Any, text: str) -> Action:
    return {**click(e), "action_type": "input_text", "text": text}


def fill(page: Page, pairs: list[tuple[Any, str]], submit: Any) -> Action:
    """Type each text into its field (unless it holds it already), then press the submit button."""
    for element, text in pairs:
        if (element.value or "") != text:
            return type_into(element, text)
    return click(submit)


def submit_button(page: Page) -> Any:
    return next(e for e in page.elements() if e.tag == "button" and (e.id == "subbtn" or e.text == "Submit"))


def _button(page: Page) -> Action:
    name = page.target() or re.search(r"button (\w+)", page.utterance).group(1)  # type: ignore[union-attr]
    return click(page.find("button", name)[0])


def label_text(e: Any) -> str:
    """An element's own text: its text, or its text-node children's."""
    return (e.text or " ".join(c.text or "" for c in e.children if c.tag == "t")).strip()


def _checkboxes(page: Page) -> Action:
    wanted = {v for k, v in page.fields.items() if k.startswith("target")}
    for label in page.find("label"):
        boxes = [c for c in label.children if c.tag in ("input_checkbox", "input_radio")]
        if boxes and label_text(label) in wanted and not boxes[0].value:
            return click(boxes[0])
    return click(submit_button(page))


def click_clear(target: Any, others: list[Any]) -> Action:
    """A click on a point of ``target`` that no other element (the buttons may overlap) covers."""
    for fy in (0.5, 0.2, 0.8, 0.1, 0.9):
        for fx in (0.5, 0.2, 0.8, 0.1, 0.9):
            x, y = target.left + fx * target.width, target.top + fy * target.height
            if not any(o.left <= x <= o.left + o.width and o.top <= y <= o.top + o.height for o in others):
                return {"action_type": "click", "x": x, "y": y}
    return click(target)


def _sequence(page: Page) -> Action:
    name = ("ONE", "TWO")[min(page.memo.get("done", 0), 1)]
    return click_clear(page.find("button", name)[0], [b for b in page.find("button") if b.text != name])


def _collapsible(page: Page) -> Action:
    header = page.find("h3")[0]
    if "ui-accordion-header-active" not in (header.classes or "").split():
        return click(header)
    return click(submit_button(page))


def _dialog(page: Page) -> Action:
    if page.target() in ("", "x"):
        return click(page.find(cls="ui-dialog-titlebar-close")[0])
    return click(page.find("button", page.target())[0])


def _read_table(page: Page) -> Action:
    cells = page.find("td")
    value = next(cells[i + 1].text for i, c in enumerate(cells[:-1]) if (c.text or "").strip() == page.target())
    return fill(page, [(page.find("input_text")[0], value)], submit_button(page))


WIDGETS = {
    "button": "button",
    "text": "input_text",
    "textarea": "textarea",
    "checkbox": "input_checkbox",
    "radio": "input_radio",
}

SOLVERS: dict[str, Callable[[Page], Action]] = {
    "click-test": lambda p: click(p.find("button")[0]),
    "click-test-2": _button,
    "click-test-transfer": _button,
    "click-button": _button,
    "unicode-test": _button,
    "click-button-sequence": _sequence,
    "click-link": lambda p: click(p.find("span", p.target(), cls="alink")[0]),
    "click-dialog": _dialog,
    "click-dialog-2": _dialog,
    "click-tab": lambda p: click(p.find("a", f"Tab #{p.target()}")[0]),
    "click-widget": lambda p: click(p.find(WIDGETS[p.target()])[0]),
    "click-checkboxes": _checkboxes,
    "click-checkboxes-large": _checkboxes,
    "click-checkboxes-transfer": _checkboxes,
    "click-option": _checkboxes,
    "click-collapsible": _collapsible,
    "click-collapsible-nodelay": _collapsible,
    "focus-text": lambda p: click(p.find("input_text")[0]),
    "focus-text-2": lambda p: click(p.find("input_text")[int(p.target()) - 1]),
    "enter-text": lambda p: fill(p, [(p.find("input_text")[0], p.target())], submit_button(p)),
    "enter-text-dynamic": lambda p: fill(p, [(p.find("input_text")[0], p.target())], submit_button(p)),
    "enter-text-2": lambda p: fill(
        p,
        [
            (
                p.find("input_text")[0],
                p.fields["text"].lower() if p.fields["case"] == "lower" else p.fields["text"].upper(),
            )
        ],
        submit_button(p),
    ),
    "enter-password": lambda p: fill(
        p, [(p.find(eid="password")[0], p.target()), (p.find(eid="verify")[0], p.target())], submit_button(p)
    ),
    "login-user": lambda p: fill(
        p,
        [(p.find(eid="username")[0], p.fields["username"]), (p.find(eid="password")[0], p.fields["password"])],
        submit_button(p),
    ),
    "read-table": _read_table,
}


def next_action(page: Page) -> Action | None:
    """The oracle's next action on this page, or None when it has no solver for the task or the page
    does not look as the solver expects."""
    solver = SOLVERS.get(page.memo.get("task", ""))
    if solver is None:
        return None
    try:
        return solver(page)
    except (IndexError, StopIteration, KeyError, AttributeError, ValueError):
        return None
