"""Which MiniWob++ tasks the web family plays: every task of the installed ``miniwob`` package that the
action space can express (those left out, and why, are listed here and in the README), named subsets,
and each task's step budget."""

from __future__ import annotations

from functools import cache

from mmturn.embodied.web.oracle import SOLVERS

DRAG = "needs a drag (mouse down, move, up), which the GUI action space does not have"
LEFT_OUT = {
    **dict.fromkeys(
        (
            "drag-box drag-circle drag-cube drag-items drag-items-grid drag-shapes drag-shapes-2 drag-single-shape "
            "drag-sort-numbers draw-circle draw-line highlight-text highlight-text-2 resize-textarea use-slider "
            "use-slider-2 use-colorwheel use-colorwheel-2 bisect-angle right-angle text-editor"
        ).split(),
        DRAG,
    ),
    "copy-paste": "needs Ctrl+C / Ctrl+V",
    "copy-paste-2": "needs Ctrl+C / Ctrl+V",
    "chase-circle": "real time: the target moves while the clock runs, and the clock is stopped between steps",
    "moving-items": "real time: the items move while the clock runs",
    "simon-says": "real time: a sequence is shown with a timer",
}
DEFAULT_BUDGET = 10
BUDGETS = {"click-checkboxes-large": 25, "click-checkboxes": 12, "click-checkboxes-transfer": 12}
SAMPLE = ("click-test", "click-button", "enter-text", "click-checkboxes")  # the no-argument run's sample


@cache
def all_tasks() -> tuple[str, ...]:
    """The installed package's tasks (FlightWoB's, which need a web server, aside), those left out removed."""
    from miniwob.selenium_instance import HTML_DIR

    names = sorted(p.stem for p in (HTML_DIR / "miniwob").glob("*.html"))
    return tuple(n for n in names if n not in LEFT_OUT)


SUBSETS = {"all": all_tasks, "oracle": lambda: tuple(sorted(SOLVERS)), "sample": lambda: SAMPLE}


def subset_tasks(subset: str, tasks: tuple[str, ...] | None) -> tuple[str, ...]:
    """``tasks`` if given (each checked), else the named subset."""
    if tasks:
        known = set(all_tasks())
        unknown = [t for t in tasks if t not in known]
        if unknown:
            why = "; ".join(f"{t}: {LEFT_OUT[t]}" for t in unknown if t in LEFT_OUT)
            raise ValueError(f"unknown or unsupported MiniWob tasks {unknown}" + (f" ({why})" if why else ""))
        return tuple(tasks)
    if subset not in SUBSETS:
        raise ValueError(f"subset must be one of {', '.join(SUBSETS)}, got {subset!r}")
    return SUBSETS[subset]()
