"""Eight Android-style apps as deterministic state machines: settings, contacts, messages, calendar,
clock, notes, files and a shopping list. Each app's state is seeded; ``build`` lays out the current
page and registers what each element does, so screens, accessibility trees and clicks agree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mmturn.embodied.gui.app_data import (
    EVENTS,
    FILE_NAMES,
    GROCERIES,
    NOTE_TITLES,
    SETTING_PAGES,
    TOGGLES,
    clock_time,
    person,
    pick,
)
from mmturn.embodied.gui.views import ScreenBuilder

if TYPE_CHECKING:
    from mmturn.embodied.gui.device import Device, Page


class App:
    name = title = package = icon = ""

    def __init__(self, rng: np.random.Generator) -> None:
        self.seed_state(rng)

    def seed_state(self, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def build(self, page: "Page", b: ScreenBuilder, dev: "Device") -> None:
        raise NotImplementedError

    def _frame(
        self, page: "Page", b: ScreenBuilder, dev: "Device", title: str | None = None, actions=(), back: bool = False
    ) -> dict[str, Any]:
        bar = b.app_bar(title or self.title, list(actions), back=back)
        views = {v.icon: v for v in bar.children if v.kind == "icon_button"}
        if "back" in views:
            dev.on(views["back"], dev.back)
        return views

    def _rows(
        self,
        page: "Page",
        b: ScreenBuilder,
        dev: "Device",
        rows: list[dict],
        handlers: list,
        fab=None,
        fab_handler=None,
        bottom=None,
    ) -> None:
        bottom = bottom if bottom is not None else dev.bottom(b)
        container, shown = b.list(rows, bottom, scroll=page.scroll)
        first = (
            rows.index(next(r for r in rows if r["text"] == container.children[0].text)) if container.children else 0
        )
        page.scroll = first
        for k, item in enumerate(container.children):
            row_handler, widget_handler = handlers[first + k]
            if row_handler:
                dev.on(item, row_handler)
            for child in item.children:
                dev.on(child, widget_handler or row_handler)
        if fab:
            dev.on(b.fab(*fab, bottom=bottom), fab_handler)

    def _detail(
        self, page: "Page", b: ScreenBuilder, dev: "Device", items: dict[str, str], noun: str, row: dict[str, Any]
    ) -> None:
        """An item's page: its title, a delete button (confirmed by a dialog) and one row of details."""
        key = page.params["key"]
        icons = self._frame(page, b, dev, key, actions=[("delete", f"Delete {noun}")], back=True)
        dev.on(
            icons["delete"],
            lambda: dev.confirm(f"Delete {noun}?", key, "Delete", lambda: (items.pop(key, None), dev.close_page())),
        )
        self._rows(page, b, dev, [{"text": items.get(key, ""), **row}], [(None, None)])

    def _form(
        self, page: "Page", b: ScreenBuilder, dev: "Device", title: str, fields: list[tuple[str, str]], save
    ) -> None:
        self._frame(page, b, dev, title, back=True)
        for name, hint in fields:
            dev.text_field(b, name, hint)

        def submit() -> None:
            values = {name: page.fields.get(name, "").strip() for name, _ in fields}
            if all(values.values()):
                save(values)
                dev.close_page()

        dev.on(b.buttons(["Save"])[0], submit)
        dev.bottom(b)


class Settings(App):
    name, title, package, icon = "settings", "Settings", "com.android.settings", "settings"

    def seed_state(self, rng):
        self.toggles = {t: bool(rng.integers(2)) for t in TOGGLES}

    def build(self, page, b, dev):
        if page.name == "sub":
            self._frame(page, b, dev, page.params["title"], back=True)
            self._rows(
                page,
                b,
                dev,
                [{"text": f"{page.params['title']} options", "icon": "settings", "name": "info"}],
                [(None, None)],
            )
            return
        self._frame(page, b, dev, actions=[("search", "Search settings")])
        rows = [
            {
                "text": t,
                "widget": "switch",
                "checked": self.toggles[t],
                "icon": {"Wi-Fi": "wifi", "Bluetooth": "bluetooth"}.get(t, "settings"),
                "name": t.lower().replace(" ", "_").replace("-", ""),
            }
            for t in TOGGLES
        ]
        rows += [{"text": p, "icon": "settings", "name": p.lower().split()[0]} for p in SETTING_PAGES]
        flip = [(lambda t=t: self.toggles.__setitem__(t, not self.toggles[t]), None) for t in TOGGLES]
        pages = [(lambda p=p: dev.open(self.name, "sub", title=p), None) for p in SETTING_PAGES]
        self._rows(page, b, dev, rows, flip + pages)


class Contacts(App):
    name, title, package, icon = "contacts", "Contacts", "com.android.contacts", "person"

    def seed_state(self, rng):
        names = sorted({person(rng) for _ in range(12)})
        self.people = {n: f"555-{int(rng.integers(1000, 9999))}" for n in names}

    def build(self, page, b, dev):
        if page.name == "new":
            return self._form(
                page,
                b,
                dev,
                "Create contact",
                [("name", "Name"), ("phone", "Phone")],
                lambda v: self.people.__setitem__(v["name"], v["phone"]),
            )
        if page.name == "detail":
            return self._detail(
                page, b, dev, self.people, "contact", {"subtitle": "Mobile", "icon": "person", "name": "phone"}
            )
        self._frame(page, b, dev, actions=[("search", "Search contacts")])
        names = sorted(self.people)
        rows = [{"text": n, "subtitle": self.people[n], "icon": "person", "name": "contact"} for n in names]
        self._rows(
            page,
            b,
            dev,
            rows,
            [(lambda n=n: dev.open(self.name, "detail", key=n), None) for n in names],
            fab=("add", "Create contact"),
            fab_handler=lambda: dev.open(self.name, "new"),
        )


class Messages(App):
    name, title, package, icon = "messages", "Messages", "com.google.android.apps.messaging", "message"

    def seed_state(self, rng):
        names = sorted({person(rng) for _ in range(10)})
        self.threads = {
            n: {
                "unread": int(rng.integers(0, 4)),
                "messages": [f"Message {k + 1} from {n.split()[0]}" for k in range(int(rng.integers(1, 4)))],
            }
            for n in names
        }

    def build(self, page, b, dev):
        if page.name == "thread":
            name = page.params["name"]
            thread = self.threads[name]
            thread["unread"] = 0  # opening a conversation reads it
            self._frame(page, b, dev, name, back=True)

            def send() -> None:
                text = page.fields.get("compose", "").strip()
                if text:
                    thread["messages"].append(f"Me: {text}")
                    page.fields["compose"] = ""

            dev.text_field(b, "compose", "Text message", submit=send)
            dev.on(b.buttons(["Send"])[0], send)
            self._rows(
                page,
                b,
                dev,
                [{"text": m, "icon": "message", "name": "message"} for m in thread["messages"]],
                [(None, None)] * len(thread["messages"]),
            )
            return
        self._frame(page, b, dev, actions=[("search", "Search conversations")])
        names = sorted(self.threads)
        rows = [
            {"text": n, "subtitle": f"{self.threads[n]['unread']} unread", "icon": "message", "name": "conversation"}
            for n in names
        ]
        self._rows(page, b, dev, rows, [(lambda n=n: dev.open(self.name, "thread", name=n), None) for n in names])


class Calendar(App):
    name, title, package, icon = "calendar", "Calendar", "com.google.android.calendar", "calendar"

    def seed_state(self, rng):
        self.events = {e: clock_time(rng) for e in pick(rng, EVENTS, 6)}

    def build(self, page, b, dev):
        if page.name == "new":
            return self._form(
                page,
                b,
                dev,
                "New event",
                [("title", "Title"), ("time", "Time (H:MM)")],
                lambda v: self.events.__setitem__(v["title"], v["time"]),
            )
        if page.name == "detail":
            return self._detail(
                page, b, dev, self.events, "event", {"subtitle": "Today", "icon": "clock", "name": "time"}
            )
        self._frame(page, b, dev, actions=[("search", "Search events")])
        titles = sorted(self.events, key=lambda e: tuple(map(int, self.events[e].split(":"))))
        rows = [{"text": e, "subtitle": self.events[e], "icon": "calendar", "name": "event"} for e in titles]
        self._rows(
            page,
            b,
            dev,
            rows,
            [(lambda e=e: dev.open(self.name, "detail", key=e), None) for e in titles],
            fab=("add", "Create event"),
            fab_handler=lambda: dev.open(self.name, "new"),
        )


class Clock(App):
    name, title, package, icon = "clock", "Clock", "com.google.android.deskclock", "alarm"

    TABS = ("Alarm", "Clock", "Timer")

    def seed_state(self, rng):
        self.alarms = {
            t: bool(rng.integers(2))
            for t in sorted({clock_time(rng) for _ in range(6)}, key=lambda t: tuple(map(int, t.split(":"))))
        }
        self.cities = {
            c: f"{int(rng.integers(0, 24))}:{int(rng.integers(0, 60)):02d}"
            for c in pick(rng, ("London", "Tokyo", "Lagos", "Lima", "Oslo", "Delhi"), 4)
        }

    def build(self, page, b, dev):
        if page.name == "new":
            return self._form(
                page, b, dev, "New alarm", [("time", "Time (H:MM)")], lambda v: self.alarms.__setitem__(v["time"], True)
            )
        self._frame(page, b, dev)
        tab = page.params.get("tab", "Alarm")
        for view in b.tabs(list(self.TABS), self.TABS.index(tab)):
            dev.on(view, lambda name=view.text: (page.params.__setitem__("tab", name), setattr(page, "scroll", 0)))
        if tab != "Alarm":
            rows = (
                [{"text": c, "subtitle": t, "icon": "clock", "name": "city"} for c, t in self.cities.items()]
                if tab == "Clock"
                else [{"text": "00:05:00", "subtitle": "Timer, not running", "icon": "alarm", "name": "timer"}]
            )
            return self._rows(page, b, dev, rows, [(None, None)] * len(rows))
        times = sorted(
            self.alarms, key=lambda t: tuple(map(int, t.split(":"))) if t.replace(":", "").isdigit() else (99, 0)
        )
        rows = [
            {
                "text": t,
                "subtitle": "On" if self.alarms[t] else "Off",
                "icon": "alarm",
                "widget": "switch",
                "checked": self.alarms[t],
                "name": "alarm",
            }
            for t in times
        ]
        flip = [(None, lambda t=t: self.alarms.__setitem__(t, not self.alarms[t])) for t in times]
        self._rows(page, b, dev, rows, flip, fab=("add", "Add alarm"), fab_handler=lambda: dev.open(self.name, "new"))


class Notes(App):
    name, title, package, icon = "notes", "Notes", "com.simplemobiletools.notes", "note"

    def seed_state(self, rng):
        self.notes = {t: f"{t} body" for t in pick(rng, NOTE_TITLES, 5)}

    def build(self, page, b, dev):
        if page.name == "new":
            return self._form(
                page,
                b,
                dev,
                "New note",
                [("title", "Title"), ("body", "Note")],
                lambda v: self.notes.__setitem__(v["title"], v["body"]),
            )
        if page.name == "detail":
            return self._detail(page, b, dev, self.notes, "note", {"icon": "note", "name": "body"})
        self._frame(page, b, dev, actions=[("search", "Search notes")])
        titles = sorted(self.notes)
        self._rows(
            page,
            b,
            dev,
            [{"text": t, "subtitle": "Note", "icon": "note", "name": "note"} for t in titles],
            [(lambda t=t: dev.open(self.name, "detail", key=t), None) for t in titles],
            fab=("edit", "New note"),
            fab_handler=lambda: dev.open(self.name, "new"),
        )


class Files(App):
    name, title, package, icon = "files", "Files", "com.google.android.documentsui", "folder"

    def seed_state(self, rng):
        self.files = {f: f"{int(rng.integers(10, 900))} KB" for f in pick(rng, FILE_NAMES, 8)}

    def build(self, page, b, dev):
        if page.name == "detail":
            return self._detail(page, b, dev, self.files, "file", {"subtitle": "Size", "icon": "file", "name": "size"})
        self._frame(page, b, dev, actions=[("search", "Search files")])
        names = sorted(self.files)
        self._rows(
            page,
            b,
            dev,
            [{"text": f, "subtitle": self.files[f], "icon": "file", "name": "file"} for f in names],
            [(lambda f=f: dev.open(self.name, "detail", key=f), None) for f in names],
        )


class Shopping(App):
    name, title, package, icon = "shopping", "Shopping list", "com.example.shoppinglist", "cart"

    def seed_state(self, rng):
        self.items = {g: bool(rng.integers(2)) for g in pick(rng, GROCERIES, 8)}

    def build(self, page, b, dev):
        icons = self._frame(page, b, dev, actions=[("delete", "Clear checked items")])
        dev.on(icons["delete"], lambda: [self.items.pop(k) for k in [k for k, v in self.items.items() if v]])

        def add() -> None:
            item = page.fields.get("add_item", "").strip()
            if item:
                self.items.setdefault(item, False)
                page.fields["add_item"] = ""

        dev.text_field(b, "add_item", "Add an item", submit=add)
        names = list(self.items)
        rows = [
            {"text": g, "icon": "cart", "widget": "checkbox", "checked": self.items[g], "name": "item"} for g in names
        ]
        self._rows(
            page, b, dev, rows, [(None, lambda g=g: self.items.__setitem__(g, not self.items[g])) for g in names]
        )


APP_CLASSES = {cls.name: cls for cls in (Settings, Contacts, Messages, Calendar, Clock, Notes, Files, Shopping)}


def make_apps(rng: np.random.Generator) -> dict[str, App]:
    return {name: cls(rng) for name, cls in APP_CLASSES.items()}
