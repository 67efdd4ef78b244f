"""AndroidWorld-style goals over the eight apps: 43 parameterised templates (information retrieval
with an answer, state changes, composites across apps, and infeasible requests). Each goal carries
a success check on the final app state (set up so that it does not hold at the start) and the plan the oracle follows, as steps over what is on
screen (``Step``); the planner turns a step into a concrete action on the current screen."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from mmturn.embodied.gui.apps import APP_CLASSES, GROCERIES, NOTE_TITLES, TOGGLES, App, clock_time

Step = tuple  # ("open", app title) | ("tap", text) | ("icon", description) | ("toggle", row text) | ("type", field hint, text) | ("answer", text)


@dataclass
class Goal:
    template: str
    text: str
    plan: list[Step]
    check: Callable[[dict[str, App]], bool]
    answer: str | None = None  # information retrieval: the expected answer
    feasible: bool = True
    complexity: float = 1.0  # AndroidWorld: a step budget of 10 x complexity
    apps: tuple[str, ...] = field(default_factory=tuple)


def _choice(rng: np.random.Generator, items) -> str:
    items = sorted(items)
    return items[int(rng.integers(len(items)))]


def _new_name(rng: np.random.Generator, taken) -> str:
    for first in ("Zoe", "Yuri", "Xena", "Wade", "Vera", "Uma", "Theo", "Sven"):
        for last in ("Park", "Quinn", "Reyes", "Lund"):
            name = f"{first} {last}"
            if name not in taken and rng.random() < 0.5:
                return name
    return "Zed Quinn"


def _new_time(rng: np.random.Generator, taken) -> str:
    while (t := clock_time(rng)) in taken:
        pass
    return t


def _title(app: str) -> str:
    return APP_CLASSES[app].title


def _ask(name: str, app: str, question: str, answer: str, before: tuple = (), complexity: float = 1.0) -> Goal:
    """An information-retrieval goal: open the app (and ``before`` steps), then answer."""
    return Goal(name, question, [("open", _title(app)), *before, ("answer", answer)], lambda a: True, answer=answer,
                complexity=complexity, apps=(app,))


def _infeasible(name: str, app: str, text: str) -> Goal:
    """A goal the apps cannot do: the agent should look, then declare it infeasible."""
    return Goal(name, text, [("open", _title(app))], lambda a: True, feasible=False, apps=(app,))


def _delete(name: str, app: str, collection: str, item: str, noun: str, text: str) -> Goal:
    """Open the item, tap its delete button, confirm."""
    plan = [("open", _title(app)), ("tap", item), ("icon", f"Delete {noun}"), ("tap", "Delete")]
    return Goal(name, text, plan, lambda a: item not in getattr(a[app], collection), apps=(app,))


GOALS: dict[str, Callable[[np.random.Generator, dict[str, App]], Goal]] = {}


def goal(name: str):
    def wrap(fn):
        GOALS[name] = fn
        return fn
    return wrap


# ---------------------------------------------------------------- settings
def _set_toggle(rng, apps, on: bool, name: str) -> Goal:
    t = _choice(rng, TOGGLES)
    apps["settings"].toggles[t] = not on  # set-up: the goal is never already met
    plan = [("open", "Settings"), ("toggle", t)]
    return Goal(name, f"Turn {'on' if on else 'off'} {t}.", plan, lambda a: a["settings"].toggles[t] == on, apps=("settings",))


goal("SettingsTurnOn")(lambda rng, apps: _set_toggle(rng, apps, True, "SettingsTurnOn"))
goal("SettingsTurnOff")(lambda rng, apps: _set_toggle(rng, apps, False, "SettingsTurnOff"))


@goal("SettingsTwoToggles")
def _two_toggles(rng, apps):
    a, b = (str(x) for x in rng.choice(TOGGLES, size=2, replace=False))
    apps["settings"].toggles.update({a: False, b: True})
    plan = [("open", "Settings"), ("toggle", a), ("toggle", b)]
    return Goal("SettingsTwoToggles", f"Turn on {a} and turn off {b}.", plan,
                lambda x: x["settings"].toggles[a] and not x["settings"].toggles[b], complexity=1.5, apps=("settings",))


@goal("SettingsQuery")
def _settings_query(rng, apps):
    t = _choice(rng, TOGGLES)
    return _ask("SettingsQuery", "settings", f"Is {t} on? Answer yes or no.", "yes" if apps["settings"].toggles[t] else "no")


@goal("SettingsInfeasible")
def _settings_infeasible(rng, apps):
    t = _choice(rng, ("NFC", "Hotspot", "Battery saver", "Night light"))
    return _infeasible("SettingsInfeasible", "settings", f"Turn on {t}.")


# ---------------------------------------------------------------- contacts
@goal("ContactsAdd")
def _contacts_add(rng, apps):
    name, phone = _new_name(rng, apps["contacts"].people), f"555-{int(rng.integers(1000, 9999))}"
    plan = [("open", "Contacts"), ("icon", "Create contact"), ("type", "Name", name), ("type", "Phone", phone), ("tap", "Save")]
    return Goal("ContactsAdd", f"Create a contact {name} with phone {phone}.", plan,
                lambda a: a["contacts"].people.get(name) == phone, complexity=1.5, apps=("contacts",))


@goal("ContactsDelete")
def _contacts_delete(rng, apps):
    name = _choice(rng, apps["contacts"].people)
    return _delete("ContactsDelete", "contacts", "people", name, "contact", f"Delete the contact {name}.")


@goal("ContactsPhone")
def _contacts_phone(rng, apps):
    name = _choice(rng, apps["contacts"].people)
    return _ask("ContactsPhone", "contacts", f"What is {name}'s phone number? Answer with the number.", apps["contacts"].people[name])


@goal("ContactsCount")
def _contacts_count(rng, apps):
    return _ask("ContactsCount", "contacts", "How many contacts are saved? Answer with a number.", str(len(apps["contacts"].people)))


@goal("ContactsDeleteMissing")
def _contacts_missing(rng, apps):
    return _infeasible("ContactsDeleteMissing", "contacts", f"Delete the contact {_new_name(rng, apps['contacts'].people)}.")


# ---------------------------------------------------------------- messages
@goal("MessagesSend")
def _messages_send(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    text = _choice(rng, ("On my way", "See you soon", "Call me later", "Thanks a lot"))
    plan = [("open", "Messages"), ("tap", name), ("type", "Text message", text)]
    return Goal("MessagesSend", f"Send the message '{text}' to {name}.", plan,
                lambda a: f"Me: {text}" in a["messages"].threads[name]["messages"], apps=("messages",))


@goal("MessagesUnreadFrom")
def _messages_unread(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    return _ask("MessagesUnreadFrom", "messages", f"How many unread messages are there from {name}? Answer with a number.",
                str(apps["messages"].threads[name]["unread"]))


@goal("MessagesUnreadTotal")
def _messages_total(rng, apps):
    return _ask("MessagesUnreadTotal", "messages", "How many unread messages are there in total? Answer with a number.",
                str(sum(t["unread"] for t in apps["messages"].threads.values())), complexity=1.5)


@goal("MessagesRead")
def _messages_read(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    apps["messages"].threads[name]["unread"] = max(1, apps["messages"].threads[name]["unread"])
    return Goal("MessagesRead", f"Open the conversation with {name} so that it is read.", [("open", "Messages"), ("tap", name)],
                lambda a: a["messages"].threads[name]["unread"] == 0, apps=("messages",))


@goal("MessagesInfeasible")
def _messages_missing(rng, apps):
    name = _new_name(rng, apps["messages"].threads)
    return _infeasible("MessagesInfeasible", "messages", f"Read the latest message in the existing conversation with {name}.")


# ---------------------------------------------------------------- calendar
@goal("CalendarAdd")
def _calendar_add(rng, apps):
    title = _choice(rng, ("Dinner", "Haircut", "Piano lesson", "Standup", "Car service"))
    time = _new_time(rng, apps["calendar"].events.values())
    plan = [("open", "Calendar"), ("icon", "Create event"), ("type", "Title", title), ("type", "Time (H:MM)", time), ("tap", "Save")]
    return Goal("CalendarAdd", f"Create a calendar event '{title}' at {time}.", plan,
                lambda a: a["calendar"].events.get(title) == time, complexity=1.5, apps=("calendar",))


@goal("CalendarTime")
def _calendar_time(rng, apps):
    title = _choice(rng, apps["calendar"].events)
    return _ask("CalendarTime", "calendar", f"At what time is '{title}'? Answer with the time (H:MM).", apps["calendar"].events[title])


@goal("CalendarCount")
def _calendar_count(rng, apps):
    return _ask("CalendarCount", "calendar", "How many events are in the calendar? Answer with a number.", str(len(apps["calendar"].events)))


@goal("CalendarDelete")
def _calendar_delete(rng, apps):
    title = _choice(rng, apps["calendar"].events)
    return _delete("CalendarDelete", "calendar", "events", title, "event", f"Delete the event '{title}'.")


@goal("CalendarInfeasible")
def _calendar_missing(rng, apps):
    return _infeasible("CalendarInfeasible", "calendar", f"Move the event '{_choice(rng, ('Opera', 'Marathon', 'Wedding'))}' one hour later.")


# ---------------------------------------------------------------- clock
@goal("ClockAddAlarm")
def _clock_add(rng, apps):
    time = _new_time(rng, apps["clock"].alarms)
    plan = [("open", "Clock"), ("icon", "Add alarm"), ("type", "Time (H:MM)", time), ("tap", "Save")]
    return Goal("ClockAddAlarm", f"Set an alarm for {time}.", plan, lambda a: a["clock"].alarms.get(time) is True, apps=("clock",))


def _alarm_switch(rng, apps, on: bool, name: str) -> Goal:
    time = _choice(rng, apps["clock"].alarms)
    apps["clock"].alarms[time] = not on
    plan = [("open", "Clock"), ("toggle", time)]
    return Goal(name, f"Turn {'on' if on else 'off'} the {time} alarm.", plan, lambda a: a["clock"].alarms.get(time) == on, apps=("clock",))


goal("ClockEnableAlarm")(lambda rng, apps: _alarm_switch(rng, apps, True, "ClockEnableAlarm"))
goal("ClockDisableAlarm")(lambda rng, apps: _alarm_switch(rng, apps, False, "ClockDisableAlarm"))


@goal("ClockCountOn")
def _clock_count(rng, apps):
    return _ask("ClockCountOn", "clock", "How many alarms are switched on? Answer with a number.", str(sum(apps["clock"].alarms.values())))


@goal("ClockInfeasible")
def _clock_missing(rng, apps):
    return _infeasible("ClockInfeasible", "clock", f"Turn off the existing {_new_time(rng, apps['clock'].alarms)} alarm.")


# ---------------------------------------------------------------- notes
@goal("NotesCreate")
def _notes_create(rng, apps):
    title = _choice(rng, set(NOTE_TITLES + ("Ideas", "Todo", "Quotes")) - set(apps["notes"].notes))
    body = _choice(rng, ("Buy stamps", "Call the bank", "Water plants", "Pay rent"))
    plan = [("open", "Notes"), ("icon", "New note"), ("type", "Title", title), ("type", "Note", body), ("tap", "Save")]
    return Goal("NotesCreate", f"Create a note titled '{title}' that says '{body}'.", plan,
                lambda a: a["notes"].notes.get(title) == body, complexity=1.5, apps=("notes",))


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
    return _ask("NotesRead", "notes", f"What does the note '{title}' say? Answer with its text.", apps["notes"].notes[title], before=(("tap", title),))


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
    return _ask("FilesCountPdf", "files", "How many PDF files are there? Answer with a number.", str(sum(f.endswith(".pdf") for f in apps["files"].files)))


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
    return Goal("ShoppingAdd", f"Add {item} to the shopping list.", plan, lambda a: item in a["shopping"].items, apps=("shopping",))


def _shopping_mark(rng, apps, checked: bool, name: str) -> Goal:
    item = _choice(rng, apps["shopping"].items)
    apps["shopping"].items[item] = not checked
    plan = [("open", "Shopping list"), ("toggle", item)]
    verb = "Check off" if checked else "Uncheck"
    return Goal(name, f"{verb} {item} on the shopping list.", plan, lambda a: a["shopping"].items.get(item) == checked, apps=("shopping",))


goal("ShoppingCheck")(lambda rng, apps: _shopping_mark(rng, apps, True, "ShoppingCheck"))
goal("ShoppingUncheck")(lambda rng, apps: _shopping_mark(rng, apps, False, "ShoppingUncheck"))


@goal("ShoppingCountOpen")
def _shopping_count(rng, apps):
    return _ask("ShoppingCountOpen", "shopping", "How many items on the shopping list are not checked yet? Answer with a number.",
                str(sum(not v for v in apps["shopping"].items.values())))


@goal("ShoppingClear")
def _shopping_clear(rng, apps):
    apps["shopping"].items[_choice(rng, apps["shopping"].items)] = True  # set-up: something to clear
    return Goal("ShoppingClear", "Remove all checked items from the shopping list.", [("open", "Shopping list"), ("icon", "Clear checked items")],
                lambda a: not any(a["shopping"].items.values()), apps=("shopping",))


@goal("ShoppingInfeasible")
def _shopping_missing(rng, apps):
    return _infeasible("ShoppingInfeasible", "shopping", "Order the shopping list for delivery.")


# ---------------------------------------------------------------- across apps
@goal("WifiAndAlarm")
def _wifi_alarm(rng, apps):
    time = _new_time(rng, apps["clock"].alarms)
    apps["settings"].toggles["Wi-Fi"] = False
    plan = [("open", "Settings"), ("toggle", "Wi-Fi"), ("open", "Clock"), ("icon", "Add alarm"), ("type", "Time (H:MM)", time), ("tap", "Save")]
    return Goal("WifiAndAlarm", f"Turn on Wi-Fi and set an alarm for {time}.", plan,
                lambda a: a["settings"].toggles["Wi-Fi"] and a["clock"].alarms.get(time) is True, complexity=2, apps=("settings", "clock"))


@goal("MessagesGreet")
def _messages_greet(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    phone = apps["contacts"].people.get(name)
    text = "Hello" if phone is None else "Saved your number"
    plan = [("open", "Messages"), ("tap", name), ("type", "Text message", text)]
    return Goal("MessagesGreet", f"Send '{text}' to {name} in Messages.", plan,
                lambda a: f"Me: {text}" in a["messages"].threads[name]["messages"], apps=("messages",))


@goal("DarkThemeAndNote")
def _dark_note(rng, apps):
    title = _choice(rng, {"Ideas", "Todo", "Quotes"} - set(apps["notes"].notes))
    apps["settings"].toggles["Dark theme"] = False
    plan = [("open", "Settings"), ("toggle", "Dark theme"), ("open", "Notes"), ("icon", "New note"), ("type", "Title", title), ("type", "Note", "done"), ("tap", "Save")]
    return Goal("DarkThemeAndNote", f"Turn on Dark theme, then create a note titled '{title}' that says 'done'.", plan,
                lambda a: a["settings"].toggles["Dark theme"] and a["notes"].notes.get(title) == "done", complexity=2, apps=("settings", "notes"))
