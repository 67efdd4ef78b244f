"""A simulated Android device: a launcher, an app page stack, text fields with a keyboard, dialogs,
scrolling, and AndroidWorld's action semantics. Each screen is rebuilt from app state, so the
screenshot, the accessibility tree and what a click does always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from mmturn.embodied.gui.render import render
from mmturn.embodied.gui.views import ScreenBuilder, View
from mmturn.tasks.types import Action

Handler = Callable[[], None]


@dataclass
class Page:
    app: str
    name: str = "main"
    params: dict[str, Any] = field(default_factory=dict)
    scroll: int = 0
    fields: dict[str, str] = field(default_factory=dict)


class Device:
    def __init__(
        self, apps: dict[str, Any], width: int = 1080, height: int = 2400, theme: str = "light", clock: str = "9:41"
    ) -> None:
        self.apps, self.width, self.height, self.theme, self.clock = apps, width, height, theme, clock
        self.stack: list[Page] = []
        self.focus: str | None = None
        self.dialog: dict[str, Any] | None = None  # {"title", "message", "buttons": {label: handler}}
        self.answer: str | None = None
        self.status: str | None = None
        self._screen: tuple[View, dict[int, Handler], dict[str, Handler]] | None = None

    # ---------------------------------------------------------------- building screens
    @property
    def page(self) -> Page | None:
        return self.stack[-1] if self.stack else None

    def on(self, view: View, handler: Handler) -> View:
        self._handlers[id(view)] = handler
        return view

    def text_field(self, b: ScreenBuilder, name: str, hint: str, submit: Handler | None = None) -> View:
        view = b.text_field(hint, self.page.fields.get(name, ""), focused=self.focus == name, name=name)
        self.on(view, lambda: self._focus(name))
        if submit is not None:
            self._submits[name] = submit
        return view

    def _focus(self, name: str) -> None:
        self.focus = name

    def screen(self) -> tuple[View, dict[int, Handler]]:
        if self._screen is None:
            self._handlers: dict[int, Handler] = {}
            self._submits: dict[str, Handler] = {}
            b = ScreenBuilder(
                self.width, self.height, self.apps[self.page.app].package if self.page else "com.android.launcher"
            )
            b.status_bar(self.clock)
            if self.page is None:
                self._launcher(b)
            else:
                self.apps[self.page.app].build(self.page, b, self)
            if self.dialog:
                box = b.dialog(self.dialog["title"], self.dialog["message"], list(self.dialog["buttons"]))
                for button in box.children:
                    self.on(button, self.dialog["buttons"][button.text])
            self._screen = (b.root, self._handlers, self._submits)
        root, handlers, _ = self._screen
        return root, handlers

    def bottom(self, b: ScreenBuilder) -> int:
        """Add the navigation bar (and the keyboard when a field is focused); return where content must stop."""
        top = b.nav_bar()
        for view in b.root.children[-1].children:
            self.on(view, {"nav_back": self.back, "nav_home": self.home, "nav_recent": lambda: None}[view.icon])
        if self.focus is not None:
            top = b.keyboard(top)
        return top

    def _launcher(self, b: ScreenBuilder) -> None:
        bottom = self.bottom(b)
        names = list(self.apps)
        cell_w, cell_h = self.width // 4, b.px(300)
        for k, name in enumerate(names):
            x, y = (k % 4) * cell_w, b.px(300) + (k // 4) * cell_h
            if y + cell_h > bottom:
                break
            icon = View(
                "launcher_icon",
                (x, y, x + cell_w, y + cell_h),
                text=self.apps[name].title,
                desc=self.apps[name].title,
                icon=self.apps[name].icon,
                clickable=True,
                rid=f"com.android.launcher:id/app_{name}",
            )
            b.root.children.append(self.on(icon, lambda name=name: self.open_app(name)))

    def screenshot(self, marks: bool = False) -> np.ndarray:
        return render(self.screen()[0], self.theme, marks)

    def changed(self) -> None:
        self._screen = None

    # ---------------------------------------------------------------- navigation used by apps and actions
    def open(self, app: str, page: str = "main", **params: Any) -> None:
        self.stack.append(Page(app, page, params))
        self.focus = None
        self.changed()

    def open_app(self, name: str) -> None:
        self.stack = [Page(name)]
        self.focus, self.dialog = None, None
        self.changed()

    def back(self) -> None:
        if self.dialog is not None:
            self.dialog = None
        elif self.focus is not None:
            self.focus = None
        elif self.stack:
            self.stack.pop()
        self.changed()

    def close_page(self) -> None:
        """Leave the current page (after a form is saved or an item deleted)."""
        self.focus, self.dialog = None, None
        if self.stack:
            self.stack.pop()
        self.changed()

    def home(self) -> None:
        self.stack, self.focus, self.dialog = [], None, None
        self.changed()

    def confirm(self, title: str, message: str, label: str, handler: Handler) -> None:
        def done() -> None:
            self.dialog = None
            handler()

        self.dialog = {"title": title, "message": message, "buttons": {"Cancel": self._close_dialog, label: done}}
        self.changed()

    def _close_dialog(self) -> None:
        self.dialog = None

    # ---------------------------------------------------------------- AndroidWorld actions
    def hit(self, x: float, y: float) -> View | None:
        """The topmost clickable view at (x, y): the last in drawing order; a dialog covers the rest."""
        root, handlers = self.screen()
        views = [v for v in root.walk() if id(v) in handlers]
        if self.dialog:
            views = [v for v in views if v.rid.startswith("android:id/button")]
        inside = [v for v in views if v.bounds[0] <= x <= v.bounds[2] and v.bounds[1] <= y <= v.bounds[3]]
        return inside[-1] if inside else None

    def act(self, action: Action) -> str | None:
        """Apply one parsed action; returns a note when it did nothing (logged, not an error)."""
        kind, args = action.kind, action.args
        if kind in ("click", "double_tap", "long_press") or (kind == "input_text" and "x" in args):
            view = self.hit(args["x"], args["y"])
            if view is None:
                if kind != "input_text":
                    return "nothing clickable there"
            else:
                self.screen()[1][id(view)]()
                self.changed()
        if kind == "input_text":
            if self.focus is None:
                return "no text field is focused"
            self.page.fields[self.focus] = args["text"]
            self._enter()
        elif kind == "keyboard_enter":
            self._enter()
        elif kind in ("scroll", "swipe") and self.page is not None:
            down = args["direction"] == ("down" if kind == "scroll" else "up")
            up = args["direction"] == ("up" if kind == "scroll" else "down")
            self.page.scroll = max(0, self.page.scroll + (4 if down else -4 if up else 0))
        elif kind == "navigate_back":
            self.back()
        elif kind == "navigate_home":
            self.home()
        elif kind == "open_app":
            name = next(
                (
                    n
                    for n, a in self.apps.items()
                    if a.title.lower() == args["app_name"].strip().lower() or n == args["app_name"].strip().lower()
                ),
                None,
            )
            if name is None:
                return f"no app named {args['app_name']!r}"
            self.open_app(name)
        elif kind == "answer":
            self.answer = args["text"]
        elif kind == "status":
            self.status = args["goal_status"]
            if "text" in args:  # a format whose finishing action carries the answer (UI-TARS' finished)
                self.answer = args["text"]
        self.changed()
        return None

    def _enter(self) -> None:
        """Enter on the focused field: its submit action, if it has one (the field keeps its text)."""
        self.screen()
        submit = self._screen[2].get(self.focus) if self.focus else None
        if submit is not None:
            submit()
        self.changed()
