"""Goal templates for the clock, notes, files and shopping-list apps, and goals across apps (see goals.py)."""

from __future__ import annotations

from mmturn.embodied.gui.app_data import GROCERIES, NOTE_TITLES
from mmturn.embodied.gui.goals import Goal, _ask, _choice, _delete, _infeasible, _new_time, goal


# ---------------------------------------------------------------- clock
@goal("ClockAddAlarm")
def _clock_add(rng, apps):
    time = _new_time(rng, apps["clock"].alarms)
    plan = [("open", "Clock"), ("icon", "Add alarm"), ("type", "Time (H:MM)", time), ("tap", "Save")]
    return Goal(
        "ClockAddAlarm",
        f"Set an alarm for {time}.",
        plan,
        lambda a: a["clock"].alarms.get(time) is True,
        apps=("clock",),
    )


def _alarm_switch(rng, apps, on: bool, name: str) -> Goal:
    time = _choice(rng, apps["clock"].alarms)
    apps["clock"].alarms[time] = not on
    plan = [("open", "Clock"), ("toggle", time)]
    return Goal(
        name,
        f"Turn {'on' if on else 'off'} the {time} alarm.",
        plan,
        lambda a: a["clock"].alarms.get(time) == on,
        apps=("clock",),
    )


goal("ClockEnableAlarm")(lambda rng, apps: _alarm_switch(rng, apps, True, "ClockEnableAlarm"))
goal("ClockDisableAlarm")(lambda rng, apps: _alarm_switch(rng, apps, False, "ClockDisableAlarm"))


@goal("ClockCountOn")
def _clock_count(rng, apps):
    return _ask(
        "ClockCountOn",
        "clock",
        "How many alarms are switched on? Answer with a number.",
        str(sum(apps["clock"].alarms.values())),
    )


@goal("ClockInfeasible")
def _clock_missing(rng, apps):
    return _infeasible(
        "ClockInfeasible", "clock", f"Turn off the existing {_new_time(rng, apps['clock'].alarms)} alarm."
    )


# ---------------------------------------------------------------- notes
@goal("NotesCreate")
def _notes_create(rng, apps):
    title = _choice(rng, set(NOTE_TITLES + ("Ideas", "Todo", "Quotes")) - set(apps["notes"].notes))
    body = _choice(rng, ("Buy stamps", "Call the bank", "Water plants", "Pay rent"))
    plan = [("open", "Notes"), ("icon", "New note"), ("type", "Title", title), ("type", "Note", body), ("tap", "Save")]
    return Goal(
        "NotesCreate",
        f"Create a note titled '{title}' that says '{body}'.",
        plan,
        lambda a: a["notes"].notes.get(title) == body,
        complexity=1.5,
        apps=("notes",),
    )


@goal("NotesDelete")
def _notes_delete(rng, apps):
    title = _choice(rng, apps["notes"].notes)
    return _delete("NotesDelete", "notes", "notes", title, "note", f"Delete the note '{title}'.")


@goal("NotesCount")
def _notes_count(rng, apps):
    return _ask("NotesCount", "notes", "How many notes are there? Answer with a number.", str(len(apps["notes"].notes)))


@goal("NotesRead")
def _notes_read(rng, apps):
    title = _choice(rng, apps["notes"].notes)
    return _ask(
        "NotesRead",
        "notes",
        f"What does the note '{title}' say? Answer with its text.",
        apps["notes"].notes[title],
        before=(("tap", title),),
    )


@goal("NotesInfeasible")
def _notes_missing(rng, apps):
    return _infeasible("NotesInfeasible", "notes", "Delete the note 'Tax return 1999'.")


# ---------------------------------------------------------------- files
@goal("FilesDelete")
def _files_delete(rng, apps):
    name = _choice(rng, apps["files"].files)
    return _delete("FilesDelete", "files", "files", name, "file", f"Delete the file {name}.")


@goal("FilesCountPdf")
def _files_count(rng, apps):
    return _ask(
        "FilesCountPdf",
        "files",
        "How many PDF files are there? Answer with a number.",
        str(sum(f.endswith(".pdf") for f in apps["files"].files)),
    )


@goal("FilesSize")
def _files_size(rng, apps):
    name = _choice(rng, apps["files"].files)
    return _ask("FilesSize", "files", f"What is the size of {name}? Answer like '123 KB'.", apps["files"].files[name])


@goal("FilesInfeasible")
def _files_missing(rng, apps):
    return _infeasible("FilesInfeasible", "files", "Rename the file holiday.mov to trip.mov.")


# ---------------------------------------------------------------- shopping list
@goal("ShoppingAdd")
def _shopping_add(rng, apps):
    item = _choice(rng, set(GROCERIES) - set(apps["shopping"].items))
    plan = [("open", "Shopping list"), ("type", "Add an item", item)]
    return Goal(
        "ShoppingAdd",
        f"Add {item} to the shopping list.",
        plan,
        lambda a: item in a["shopping"].items,
        apps=("shopping",),
    )


def _shopping_mark(rng, apps, checked: bool, name: str) -> Goal:
    item = _choice(rng, apps["shopping"].items)
    apps["shopping"].items[item] = not checked
    plan = [("open", "Shopping list"), ("toggle", item)]
    verb = "Check off" if checked else "Uncheck"
    return Goal(
        name,
        f"{verb} {item} on the shopping list.",
        plan,
        lambda a: a["shopping"].items.get(item) == checked,
        apps=("shopping",),
    )


goal("ShoppingCheck")(lambda rng, apps: _shopping_mark(rng, apps, True, "ShoppingCheck"))
goal("ShoppingUncheck")(lambda rng, apps: _shopping_mark(rng, apps, False, "ShoppingUncheck"))


@goal("ShoppingCountOpen")
def _shopping_count(rng, apps):
    return _ask(
        "ShoppingCountOpen",
        "shopping",
        "How many items on the shopping list are not checked yet? Answer with a number.",
        str(sum(not v for v in apps["shopping"].items.values())),
    )


@goal("ShoppingClear")
def _shopping_clear(rng, apps):
    apps["shopping"].items[_choice(rng, apps["shopping"].items)] = True  # set-up: something to clear
    return Goal(
        "ShoppingClear",
        "Remove all checked items from the shopping list.",
        [("open", "Shopping list"), ("icon", "Clear checked items")],
        lambda a: not any(a["shopping"].items.values()),
        apps=("shopping",),
    )


@goal("ShoppingInfeasible")
def _shopping_missing(rng, apps):
    return _infeasible("ShoppingInfeasible", "shopping", "Order the shopping list for delivery.")


# ---------------------------------------------------------------- across apps
@goal("WifiAndAlarm")
def _wifi_alarm(rng, apps):
    time = _new_time(rng, apps["clock"].alarms)
    apps["settings"].toggles["Wi-Fi"] = False
    plan = [
        ("open", "Settings"),
        ("toggle", "Wi-Fi"),
        ("open", "Clock"),
        ("icon", "Add alarm"),
        ("type", "Time (H:MM)", time),
        ("tap", "Save"),
    ]
    return Goal(
        "WifiAndAlarm",
        f"Turn on Wi-Fi and set an alarm for {time}.",
        plan,
        lambda a: a["settings"].toggles["Wi-Fi"] and a["clock"].alarms.get(time) is True,
        complexity=2,
        apps=("settings", "clock"),
    )


@goal("MessagesGreet")
def _messages_greet(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    phone = apps["contacts"].people.get(name)
    text = "Hello" if phone is None else "Saved your number"
    plan = [("open", "Messages"), ("tap", name), ("type", "Text message", text)]
    return Goal(
        "MessagesGreet",
        f"Send '{text}' to {name} in Messages.",
        plan,
        lambda a: f"Me: {text}" in a["messages"].threads[name]["messages"],
        apps=("messages",),
    )


@goal("DarkThemeAndNote")
def _dark_note(rng, apps):
    title = _choice(rng, {"Ideas", "Todo", "Quotes"} - set(apps["notes"].notes))
    apps["settings"].toggles["Dark theme"] = False
    plan = [
        ("open", "Settings"),
        ("toggle", "Dark theme"),
        ("open", "Notes"),
        ("icon", "New note"),
        ("type", "Title", title),
        ("type", "Note", "done"),
        ("tap", "Save"),
    ]
    return Goal(
        "DarkThemeAndNote",
        f"Turn on Dark theme, then create a note titled '{title}' that says 'done'.",
        plan,
        lambda a: a["settings"].toggles["Dark theme"] and a["notes"].notes.get(title) == "done",
        complexity=2,
        apps=("settings", "notes"),
    )
