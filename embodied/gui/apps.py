"""Eight Android-style apps whose main screens are built from seeded content: settings, contacts,
messages, calendar, clock, notes, files and a shopping list. Each screen names its groundable
elements with ScreenSpot-style instructions (by text, by icon meaning, or by function)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np

from mmturn.embodied.gui.views import ScreenBuilder, View

FIRST = ("Ana", "Bob", "Chen", "Dara", "Elif", "Femi", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Mo", "Nia", "Omar", "Pia")
LAST = ("Ruiz", "Smith", "Wang", "Okafor", "Yilmaz", "Costa", "Novak", "Sato", "Berg", "Khan")
GROCERIES = ("Milk", "Eggs", "Bread", "Apples", "Coffee", "Rice", "Tomatoes", "Cheese", "Butter", "Pasta", "Lemons", "Yogurt")
NOTES = ("Meeting notes", "Gift ideas", "Packing list", "Recipe: soup", "Book list", "Workout plan", "Trip budget", "Passwords hint")
FILES = ("Documents", "Downloads", "Pictures", "Music", "report.pdf", "photo_0412.jpg", "budget.xlsx", "notes.txt", "slides.pptx")
EVENTS = ("Dentist", "Team sync", "Lunch with Ana", "Gym", "Project review", "Call Mom", "Yoga", "Flight to Rome")


@dataclass
class Target:
    """A groundable element: the view and the instruction that names it."""

    view: View
    instruction: str
    kind: str  # "text" or "icon" (ScreenSpot's data_type)


@dataclass
class Screen:
    app: str
    root: View
    targets: list[Target]


def _name(rng: np.random.Generator) -> str:
    return f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"


def _time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(6, 22))}:{int(rng.integers(0, 12)) * 5:02d}"


def _screen(app: str, package: str, title: str, rows: list[dict], rng: np.random.Generator, width: int, height: int,
            actions: list[tuple[str, str]] = (), fab: tuple[str, str] | None = None, tabs: list[str] | None = None,
            field: str | None = None) -> tuple[ScreenBuilder, View, int]:
    b = ScreenBuilder(width, height, package)
    b.status_bar(_time(rng))
    b.app_bar(title, list(actions))
    if tabs:
        b.tabs(tabs, 0)
    if field:
        b.text_field(field, name="search_src_text" if "Search" in field else "add_item")
    bottom = b.nav_bar()
    scroll = int(rng.integers(0, max(1, len(rows) // 3)))
    container, _ = b.list(rows, bottom, scroll=scroll)
    fab_view = b.fab(*fab, bottom=bottom) if fab else None
    return b, fab_view, scroll


def _targets_from(root: View, icons: dict[str, str], fab_view: View | None, fab_instruction: str | None) -> list[Target]:
    targets = []
    for v in root.walk():
        if v.kind == "list_item":
            targets.append(Target(v, f"Open '{v.text}'", "text"))
        elif v.kind in ("switch", "checkbox"):
            targets.append(Target(v, f"Toggle the {v.kind} for '{v.desc}'", "icon"))
        elif v.kind == "tab":
            targets.append(Target(v, f"Go to the '{v.text}' tab", "text"))
        elif v.kind == "icon_button" and v.icon in icons:
            targets.append(Target(v, icons[v.icon], "icon"))
        elif v.kind == "text_field":
            targets.append(Target(v, f"Tap the text field '{v.desc}'", "text"))
    if fab_view is not None and fab_instruction:
        targets.append(Target(fab_view, fab_instruction, "icon"))
    counts = Counter(t.instruction for t in targets)
    return [t for t in targets if counts[t.instruction] == 1]  # an instruction must name one element


NAV_ICONS = {"nav_back": "Go back", "nav_home": "Go to the home screen", "nav_recent": "Show recent apps"}


def settings(rng, width, height) -> Screen:
    toggles = ("Wi-Fi", "Bluetooth", "Airplane mode", "Dark theme", "Do not disturb")
    pages = ("Display", "Battery", "Sound & vibration", "Storage", "Location", "Security", "Apps", "Notifications", "About phone")
    rows = [{"text": t, "widget": "switch", "checked": bool(rng.integers(2)), "icon": {"Wi-Fi": "wifi", "Bluetooth": "bluetooth"}.get(t, "settings"),
             "name": t.lower().replace(" ", "_").replace("-", "")} for t in toggles]
    rows += [{"text": p, "icon": "settings", "name": p.lower().split()[0]} for p in pages]
    b, fab, _ = _screen("settings", "com.android.settings", "Settings", rows, rng, width, height, actions=[("search", "Search settings")])
    return Screen("settings", b.root, _targets_from(b.root, {"search": "Search settings", **NAV_ICONS}, None, None))


def contacts(rng, width, height) -> Screen:
    names = sorted({_name(rng) for _ in range(14)})
    rows = [{"text": n, "subtitle": f"555-{int(rng.integers(1000, 9999))}", "icon": "person", "name": "contact"} for n in names]
    b, fab, _ = _screen("contacts", "com.android.contacts", "Contacts", rows, rng, width, height,
                        actions=[("search", "Search contacts"), ("more", "More options")], fab=("add", "Create contact"))
    return Screen("contacts", b.root, _targets_from(b.root, {"search": "Search contacts", "more": "Open more options", **NAV_ICONS}, fab, "Create a new contact"))


def messages(rng, width, height) -> Screen:
    rows = [{"text": _name(rng), "subtitle": f"{int(rng.integers(0, 4))} unread · {_time(rng)}", "icon": "message", "name": "conversation"} for _ in range(12)]
    b, fab, _ = _screen("messages", "com.google.android.apps.messaging", "Messages", rows, rng, width, height,
                        actions=[("search", "Search conversations"), ("more", "More options")], fab=("message", "Start chat"))
    return Screen("messages", b.root, _targets_from(b.root, {"search": "Search conversations", "more": "Open more options", **NAV_ICONS}, fab, "Start a new conversation"))


def calendar(rng, width, height) -> Screen:
    rows = [{"text": e, "subtitle": f"{_time(rng)} · Day {int(rng.integers(1, 29))}", "icon": "calendar", "name": "event"}
            for e in rng.permutation(EVENTS)]
    b, fab, _ = _screen("calendar", "com.google.android.calendar", "Calendar", rows, rng, width, height,
                        actions=[("search", "Search events"), ("calendar", "Jump to today")], fab=("add", "Create event"), tabs=["Day", "Week", "Month"])
    return Screen("calendar", b.root, _targets_from(b.root, {"search": "Search events", "calendar": "Jump to today", **NAV_ICONS}, fab, "Create a new event"))


def clock(rng, width, height) -> Screen:
    times = sorted({_time(rng) for _ in range(8)}, key=lambda t: tuple(map(int, t.split(":"))))
    rows = [{"text": t, "subtitle": ("Every day", "Weekdays", "Once")[int(rng.integers(3))], "icon": "alarm", "widget": "switch",
             "checked": bool(rng.integers(2)), "name": "alarm"} for t in times]
    b, fab, _ = _screen("clock", "com.google.android.deskclock", "Clock", rows, rng, width, height,
                        actions=[("more", "More options")], fab=("add", "Add alarm"), tabs=["Alarm", "Clock", "Timer", "Stopwatch"])
    return Screen("clock", b.root, _targets_from(b.root, {"more": "Open more options", **NAV_ICONS}, fab, "Add a new alarm"))


def notes(rng, width, height) -> Screen:
    rows = [{"text": n, "subtitle": f"Edited {_time(rng)}", "icon": "note", "name": "note"} for n in rng.permutation(NOTES)]
    b, fab, _ = _screen("notes", "com.simplemobiletools.notes", "Notes", rows, rng, width, height,
                        actions=[("search", "Search notes"), ("delete", "Delete note"), ("share", "Share note")], fab=("edit", "New note"))
    return Screen("notes", b.root, _targets_from(b.root, {"search": "Search notes", "delete": "Delete the note", "share": "Share the note", **NAV_ICONS}, fab, "Write a new note"))


def files(rng, width, height) -> Screen:
    rows = [{"text": f, "subtitle": "Folder" if "." not in f else f"{int(rng.integers(10, 900))} KB", "icon": "folder" if "." not in f else "file", "name": "file"}
            for f in FILES]
    b, fab, _ = _screen("files", "com.google.android.documentsui", "Files", rows, rng, width, height,
                        actions=[("search", "Search files"), ("more", "More options")])
    return Screen("files", b.root, _targets_from(b.root, {"search": "Search files", "more": "Open more options", **NAV_ICONS}, None, None))


def shopping(rng, width, height) -> Screen:
    items = [str(g) for g in rng.permutation(GROCERIES)[:10]]
    rows = [{"text": g, "subtitle": f"x{int(rng.integers(1, 5))}", "icon": "cart", "widget": "checkbox", "checked": bool(rng.integers(2)), "name": "item"} for g in items]
    b, fab, _ = _screen("shopping", "com.example.shoppinglist", "Shopping list", rows, rng, width, height,
                        actions=[("delete", "Clear checked items"), ("share", "Share list")], field="Add an item")
    return Screen("shopping", b.root, _targets_from(b.root, {"delete": "Remove the checked items", "share": "Share the list", **NAV_ICONS}, None, None))


APPS: dict[str, Callable[[np.random.Generator, int, int], Screen]] = {
    f.__name__: f for f in (settings, contacts, messages, calendar, clock, notes, files, shopping)
}
