"""What the eight apps are seeded with: people's names, groceries, note titles, files, events, settings."""

from __future__ import annotations

import numpy as np

FIRST = (
    "Ana",
    "Bob",
    "Chen",
    "Dara",
    "Elif",
    "Femi",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
)
LAST = ("Ruiz", "Smith", "Wang", "Okafor", "Yilmaz", "Costa", "Novak", "Sato", "Berg", "Khan")
GROCERIES = (
    "Milk",
    "Eggs",
    "Bread",
    "Apples",
    "Coffee",
    "Rice",
    "Tomatoes",
    "Cheese",
    "Butter",
    "Pasta",
    "Lemons",
    "Yogurt",
    "Honey",
    "Oats",
)
NOTE_TITLES = (
    "Meeting notes",
    "Gift ideas",
    "Packing list",
    "Recipe soup",
    "Book list",
    "Workout plan",
    "Trip budget",
    "Garden plan",
)
FILE_NAMES = (
    "report.pdf",
    "photo_0412.jpg",
    "budget.xlsx",
    "notes.txt",
    "slides.pptx",
    "invoice.pdf",
    "song.mp3",
    "thesis.pdf",
    "scan.pdf",
    "map.png",
)
EVENTS = (
    "Dentist",
    "Team sync",
    "Lunch with Ana",
    "Gym",
    "Project review",
    "Call Mom",
    "Yoga",
    "Flight to Rome",
    "Book club",
)
TOGGLES = ("Wi-Fi", "Bluetooth", "Airplane mode", "Dark theme", "Do not disturb")
SETTING_PAGES = (
    "Display",
    "Battery",
    "Sound & vibration",
    "Storage",
    "Location",
    "Security",
    "Apps",
    "Notifications",
    "About phone",
)


def person(rng: np.random.Generator) -> str:
    return f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"


def clock_time(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(6, 22))}:{int(rng.integers(0, 12)) * 5:02d}"


def pick(rng: np.random.Generator, pool: tuple, k: int) -> list[str]:
    return [str(pool[i]) for i in rng.choice(len(pool), size=min(k, len(pool)), replace=False)]
