"""AndroidWorld-style goals over the eight apps: 43 parameterised templates (information retrieval
with an answer, state changes, composites across apps, and infeasible requests). This module holds the
``Goal`` type, its helpers and the settings, contacts, messages and calendar templates; goals_tools.py
the clock, notes, files, shopping-list and cross-app ones. Each goal carries
a success check on the final app state (set up so that it does not hold at the start) and the plan the
oracle follows, as steps over what is on screen (``Step``); the planner turns a step into a concrete
action on the current screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from mmturn.embodied.gui.app_data import TOGGLES, clock_time
from mmturn.embodied.gui.apps import APP_CLASSES, App

# ("open", app title) | ("tap", text) | ("icon", description) | ("toggle", row text) | ("type", field hint, text)
# | ("answer", text)
Step = tuple


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
    return Goal(
        name,
        question,
        [("open", _title(app)), *before, ("answer", answer)],
        lambda a: True,
        answer=answer,
        complexity=complexity,
        apps=(app,),
    )


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
    return Goal(
        name, f"Turn {'on' if on else 'off'} {t}.", plan, lambda a: a["settings"].toggles[t] == on, apps=("settings",)
    )


goal("SettingsTurnOn")(lambda rng, apps: _set_toggle(rng, apps, True, "SettingsTurnOn"))
goal("SettingsTurnOff")(lambda rng, apps: _set_toggle(rng, apps, False, "SettingsTurnOff"))


@goal("SettingsTwoToggles")
def _two_toggles(rng, apps):
    a, b = (str(x) for x in rng.choice(TOGGLES, size=2, replace=False))
    apps["settings"].toggles.update({a: False, b: True})
    plan = [("open", "Settings"), ("toggle", a), ("toggle", b)]
    return Goal(
        "SettingsTwoToggles",
        f"Turn on {a} and turn off {b}.",
        plan,
        lambda x: x["settings"].toggles[a] and not x["settings"].toggles[b],
        complexity=1.5,
        apps=("settings",),
    )


@goal("SettingsQuery")
def _settings_query(rng, apps):
    t = _choice(rng, TOGGLES)
    return _ask(
        "SettingsQuery", "settings", f"Is {t} on? Answer yes or no.", "yes" if apps["settings"].toggles[t] else "no"
    )


@goal("SettingsInfeasible")
def _settings_infeasible(rng, apps):
    t = _choice(rng, ("NFC", "Hotspot", "Battery saver", "Night light"))
    return _infeasible("SettingsInfeasible", "settings", f"Turn on {t}.")


# ---------------------------------------------------------------- contacts
@goal("ContactsAdd")
def _contacts_add(rng, apps):
    name, phone = _new_name(rng, apps["contacts"].people), f"555-{int(rng.integers(1000, 9999))}"
    plan = [
        ("open", "Contacts"),
        ("icon", "Create contact"),
        ("type", "Name", name),
        ("type", "Phone", phone),
        ("tap", "Save"),
    ]
    return Goal(
        "ContactsAdd",
        f"Create a contact {name} with phone {phone}.",
        plan,
        lambda a: a["contacts"].people.get(name) == phone,
        complexity=1.5,
        apps=("contacts",),
    )


@goal("ContactsDelete")
def _contacts_delete(rng, apps):
    name = _choice(rng, apps["contacts"].people)
    return _delete("ContactsDelete", "contacts", "people", name, "contact", f"Delete the contact {name}.")


@goal("ContactsPhone")
def _contacts_phone(rng, apps):
    name = _choice(rng, apps["contacts"].people)
    return _ask(
        "ContactsPhone",
        "contacts",
        f"What is {name}'s phone number? Answer with the number.",
        apps["contacts"].people[name],
    )


@goal("ContactsCount")
def _contacts_count(rng, apps):
    return _ask(
        "ContactsCount",
        "contacts",
        "How many contacts are saved? Answer with a number.",
        str(len(apps["contacts"].people)),
    )


@goal("ContactsDeleteMissing")
def _contacts_missing(rng, apps):
    return _infeasible(
        "ContactsDeleteMissing", "contacts", f"Delete the contact {_new_name(rng, apps['contacts'].people)}."
    )


# ---------------------------------------------------------------- messages
@goal("MessagesSend")
def _messages_send(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    text = _choice(rng, ("On my way", "See you soon", "Call me later", "Thanks a lot"))
    plan = [("open", "Messages"), ("tap", name), ("type", "Text message", text)]
    return Goal(
        "MessagesSend",
        f"Send the message '{text}' to {name}.",
        plan,
        lambda a: f"Me: {text}" in a["messages"].threads[name]["messages"],
        apps=("messages",),
    )


@goal("MessagesUnreadFrom")
def _messages_unread(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    return _ask(
        "MessagesUnreadFrom",
        "messages",
        f"How many unread messages are there from {name}? Answer with a number.",
        str(apps["messages"].threads[name]["unread"]),
    )


@goal("MessagesUnreadTotal")
def _messages_total(rng, apps):
    return _ask(
        "MessagesUnreadTotal",
        "messages",
        "How many unread messages are there in total? Answer with a number.",
        str(sum(t["unread"] for t in apps["messages"].threads.values())),
        complexity=1.5,
    )


@goal("MessagesRead")
def _messages_read(rng, apps):
    name = _choice(rng, apps["messages"].threads)
    apps["messages"].threads[name]["unread"] = max(1, apps["messages"].threads[name]["unread"])
    return Goal(
        "MessagesRead",
        f"Open the conversation with {name} so that it is read.",
        [("open", "Messages"), ("tap", name)],
        lambda a: a["messages"].threads[name]["unread"] == 0,
        apps=("messages",),
    )


@goal("MessagesInfeasible")
def _messages_missing(rng, apps):
    name = _new_name(rng, apps["messages"].threads)
    return _infeasible(
        "MessagesInfeasible", "messages", f"Read the latest message in the existing conversation with {name}."
    )


# ---------------------------------------------------------------- calendar
@goal("CalendarAdd")
def _calendar_add(rng, apps):
    title = _choice(rng, ("Dinner", "Haircut", "Piano lesson", "Standup", "Car service"))
    time = _new_time(rng, apps["calendar"].events.values())
    plan = [
        ("open", "Calendar"),
        ("icon", "Create event"),
        ("type", "Title", title),
        ("type", "Time (H:MM)", time),
        ("tap", "Save"),
    ]
    return Goal(
        "CalendarAdd",
        f"Create a calendar event '{title}' at {time}.",
        plan,
        lambda a: a["calendar"].events.get(title) == time,
        complexity=1.5,
        apps=("calendar",),
    )


@goal("CalendarTime")
def _calendar_time(rng, apps):
    title = _choice(rng, apps["calendar"].events)
    return _ask(
        "CalendarTime",
        "calendar",
        f"At what time is '{title}'? Answer with the time (H:MM).",
        apps["calendar"].events[title],
    )


@goal("CalendarCount")
def _calendar_count(rng, apps):
    return _ask(
        "CalendarCount",
        "calendar",
        "How many events are in the calendar? Answer with a number.",
        str(len(apps["calendar"].events)),
    )


@goal("CalendarDelete")
def _calendar_delete(rng, apps):
    title = _choice(rng, apps["calendar"].events)
    return _delete("CalendarDelete", "calendar", "events", title, "event", f"Delete the event '{title}'.")


@goal("CalendarInfeasible")
def _calendar_missing(rng, apps):
    return _infeasible(
        "CalendarInfeasible",
        "calendar",
        f"Move the event '{_choice(rng, ('Opera', 'Marathon', 'Wedding'))}' one hour later.",
    )


from mmturn.embodied.gui import goals_tools as _tools  # noqa: E402,F401  (registers the remaining templates)
