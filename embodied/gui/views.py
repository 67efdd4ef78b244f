"""A small view-tree model of Android UI and its accessibility tree as AndroidWorld exposes it.

Screens are laid out top-down by ``ScreenBuilder`` in pixels of the target resolution (designed at
1080 px wide and scaled), so bounds are exact for grounding and for the accessibility tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

ANDROID = "android.widget."


@dataclass
class View:
    # statusbar, appbar, title, icon_button, list, list_item, switch, checkbox, button, fab, tab, text_field,
    # dialog, keyboard, key, navbar, launcher_icon, text
    kind: str
    bounds: tuple[int, int, int, int]  # x1, y1, x2, y2 in screen pixels
    text: str = ""
    desc: str = ""  # content description (icons)
    rid: str = ""  # resource id
    icon: str | None = None
    clickable: bool = False
    editable: bool = False
    scrollable: bool = False
    checkable: bool = False
    checked: bool = False
    focused: bool = False
    selected: bool = False
    subtitle: str = ""
    children: list["View"] = field(default_factory=list)

    @property
    def android_class(self) -> str:
        return ANDROID + {
            "switch": "Switch",
            "checkbox": "CheckBox",
            "button": "Button",
            "fab": "ImageButton",
            "icon_button": "ImageButton",
            "text_field": "EditText",
            "list_item": "LinearLayout",
            "tab": "TextView",
            "key": "Button",
            "dialog": "FrameLayout",
            "appbar": "FrameLayout",
            "statusbar": "FrameLayout",
            "navbar": "FrameLayout",
            "title": "TextView",
            "text": "TextView",
            "list": "ListView",
            "launcher_icon": "TextView",
            "keyboard": "FrameLayout",
        }.get(self.kind, "View")

    def walk(self) -> Iterator["View"]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def center(self) -> tuple[int, int]:
        x1, y1, x2, y2 = self.bounds
        return (x1 + x2) // 2, (y1 + y2) // 2


def accessibility_tree(root: View) -> list[dict[str, Any]]:
    """AndroidWorld's UI elements: one entry per view, in tree order, with its index."""
    nodes = []
    for index, v in enumerate(root.walk()):
        x1, y1, x2, y2 = v.bounds
        nodes.append(
            {
                "index": index,
                "class_name": v.android_class,
                "text": v.text or None,
                "content_description": v.desc or None,
                "resource_id": v.rid or None,
                "bbox_pixels": {"x_min": x1, "y_min": y1, "x_max": x2, "y_max": y2},
                "is_clickable": v.clickable,
                "is_editable": v.editable,
                "is_scrollable": v.scrollable,
                "is_checkable": v.checkable,
                "is_checked": v.checked,
                "is_focused": v.focused,
                "is_selected": v.selected,
            }
        )
    return nodes


class ScreenBuilder:
    """Stacks views from the top of a ``width`` x ``height`` screen; sizes are design pixels at 1080 wide."""

    def __init__(self, width: int = 1080, height: int = 2400, package: str = "com.android.app") -> None:
        self.width, self.height, self.package = width, height, package
        self.s = width / 1080
        self.y = 0
        self.root = View("screen", (0, 0, width, height))
        self.body: list[View] = []

    def px(self, v: float) -> int:
        return int(round(v * self.s))

    def rid(self, name: str) -> str:
        return f"{self.package}:id/{name}"

    def _add(self, view: View) -> View:
        self.root.children.append(view)
        return view

    def status_bar(self, clock: str) -> View:
        h = self.px(84)
        bar = self._add(View("statusbar", (0, 0, self.width, h), text=clock, rid="com.android.systemui:id/status_bar"))
        self.y = h
        return bar

    def app_bar(self, title: str, actions: list[tuple[str, str]] = (), back: bool = False) -> View:
        h = self.px(168)
        bar = self._add(View("appbar", (0, self.y, self.width, self.y + h), rid=self.rid("toolbar")))
        x = self.px(24)
        if back:
            bar.children.append(
                View(
                    "icon_button",
                    (x, self.y + self.px(30), x + self.px(108), self.y + self.px(138)),
                    desc="Navigate up",
                    icon="back",
                    clickable=True,
                    rid=self.rid("navigate_up"),
                )
            )
            x += self.px(132)
        bar.children.append(
            View(
                "title",
                (x + self.px(24), self.y + self.px(40), self.width // 2 + self.px(200), self.y + self.px(128)),
                text=title,
                rid=self.rid("title"),
            )
        )
        right = self.width - self.px(24)
        for icon, desc in reversed(list(actions)):
            bar.children.append(
                View(
                    "icon_button",
                    (right - self.px(108), self.y + self.px(30), right, self.y + self.px(138)),
                    desc=desc,
                    icon=icon,
                    clickable=True,
                    rid=self.rid(f"action_{icon}"),
                )
            )
            right -= self.px(120)
        self.y += h
        return bar

    def tabs(self, names: list[str], selected: int) -> list[View]:
        h, w = self.px(144), self.width // len(names)
        views = [
            self._add(
                View(
                    "tab",
                    (k * w, self.y, (k + 1) * w, self.y + h),
                    text=n,
                    clickable=True,
                    selected=k == selected,
                    rid=self.rid(f"tab_{k}"),
                )
            )
            for k, n in enumerate(names)
        ]
        self.y += h
        return views

    def text_field(self, hint: str, value: str = "", focused: bool = False, name: str = "input") -> View:
        m, h = self.px(48), self.px(150)
        view = self._add(
            View(
                "text_field",
                (m, self.y + self.px(24), self.width - m, self.y + self.px(24) + h),
                text=value,
                desc=hint,
                editable=True,
                clickable=True,
                focused=focused,
                rid=self.rid(name),
            )
        )
        self.y += h + self.px(48)
        return view

    def list(self, rows: list[dict[str, Any]], bottom: int, scroll: int = 0, row_height: int = 190) -> tuple[View, int]:
        """Rows (``text``, ``subtitle``, ``icon``, ``widget``: switch/checkbox, ``checked``, ``name``) from
        row ``scroll`` on (clamped so the last row ends the list), as many as fit above ``bottom``;
        returns the list view and how many rows are shown."""
        h = self.px(row_height)
        fit = max(1, (bottom - self.y) // h)
        scroll = max(0, min(scroll, len(rows) - fit))  # the list stops at its last row
        container = self._add(
            View("list", (0, self.y, self.width, bottom), scrollable=len(rows) > fit, rid=self.rid("list"))
        )
        y, shown = self.y, 0
        for row in rows[scroll:]:
            if y + h > bottom:
                break
            item = View(
                "list_item",
                (0, y, self.width, y + h),
                text=row["text"],
                subtitle=row.get("subtitle", ""),
                icon=row.get("icon"),
                clickable=True,
                rid=self.rid(row.get("name", "item")),
            )
            if widget := row.get("widget"):
                x2 = self.width - self.px(48)
                item.children.append(
                    View(
                        widget,
                        (x2 - self.px(150), y + h // 2 - self.px(48), x2, y + h // 2 + self.px(48)),
                        checkable=True,
                        checked=bool(row.get("checked")),
                        clickable=True,
                        desc=row["text"],
                        rid=self.rid(f"{row.get('name', 'item')}_{widget}"),
                    )
                )
            container.children.append(item)
            y += h
            shown += 1
        self.y = bottom
        return container, shown

    def buttons(self, labels: list[str]) -> list[View]:
        m, h = self.px(48), self.px(132)
        w = (self.width - m * (len(labels) + 1)) // len(labels)
        views = [
            self._add(
                View(
                    "button",
                    (m + k * (w + m), self.y + self.px(24), m + k * (w + m) + w, self.y + self.px(24) + h),
                    text=t,
                    clickable=True,
                    rid=self.rid(f"button_{t.lower().replace(' ', '_')}"),
                )
            )
            for k, t in enumerate(labels)
        ]
        self.y += h + self.px(48)
        return views

    def fab(self, icon: str, desc: str, bottom: int) -> View:
        size, m = self.px(168), self.px(48)
        return self._add(
            View(
                "fab",
                (self.width - m - size, bottom - m - size, self.width - m, bottom - m),
                desc=desc,
                icon=icon,
                clickable=True,
                rid=self.rid("fab"),
            )
        )

    def nav_bar(self) -> int:
        """The three-button navigation bar at the bottom; returns its top (where content must stop)."""
        h = self.px(132)
        top = self.height - h
        bar = self._add(View("navbar", (0, top, self.width, self.height), rid="com.android.systemui:id/navigation_bar"))
        third = self.width // 3
        for k, (icon, desc) in enumerate((("nav_back", "Back"), ("nav_home", "Home"), ("nav_recent", "Overview"))):
            c = third * k + third // 2
            bar.children.append(
                View(
                    "icon_button",
                    (c - self.px(66), top + self.px(12), c + self.px(66), self.height - self.px(12)),
                    desc=desc,
                    icon=icon,
                    clickable=True,
                    rid=f"com.android.systemui:id/{icon}",
                )
            )
        return top

    def dialog(self, title: str, message: str, labels: list[str]) -> View:
        m = self.px(90)
        top = self.height // 2 - self.px(330)
        box = self._add(
            View(
                "dialog",
                (m, top, self.width - m, top + self.px(660)),
                text=title,
                subtitle=message,
                rid="android:id/parentPanel",
            )
        )
        w = self.px(240)
        x2 = self.width - m - self.px(36)
        for label in reversed(labels):
            box.children.append(
                View(
                    "button",
                    (x2 - w, top + self.px(500), x2, top + self.px(620)),
                    text=label,
                    clickable=True,
                    rid=f"android:id/button_{label.lower()}",
                )
            )
            x2 -= w + self.px(24)
        return box

    def keyboard(self, top: int) -> int:
        """A QWERTY keyboard ending at ``top``; returns the keyboard's top edge."""
        rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
        kh = self.px(150)
        ktop = top - kh * 4
        kb = self._add(View("keyboard", (0, ktop, self.width, top), rid="com.android.inputmethod:id/keyboard"))
        kw = self.width // 10
        for r, keys in enumerate(rows):
            off = (self.width - kw * len(keys)) // 2
            for k, ch in enumerate(keys):
                kb.children.append(
                    View(
                        "key",
                        (off + k * kw, ktop + r * kh, off + (k + 1) * kw, ktop + (r + 1) * kh),
                        text=ch,
                        clickable=True,
                    )
                )
        kb.children.append(View("key", (kw * 2, ktop + 3 * kh, kw * 8, top), text=" ", desc="Space", clickable=True))
        kb.children.append(
            View("key", (kw * 8, ktop + 3 * kh, self.width, top), text="", desc="Enter", icon="enter", clickable=True)
        )
        return ktop
