"""A plugin (loaded with --plugins / MMTURN_PLUGINS) whose env hangs on purpose: while the file named by
$MMTURN_TEST_HANG exists, the third step of episode 1 never returns ("once" in the file: only the
first time)."""

import os
import time
from dataclasses import replace
from pathlib import Path

from mmturn.tasks.registry import TASKS, register_env, register_task
from mmturn.vision.dialogue.env import ImageDialogueEnv


@register_env("HangingDialogue-v0")
class HangingDialogueEnv(ImageDialogueEnv):
    def _begin(self, options):
        self.index = options.get("index")
        return super()._begin(options)

    def step(self, action):
        marker = Path(os.environ.get("MMTURN_TEST_HANG", "/nonexistent"))
        if self.index == 1 and self.turn_index == 2 and marker.exists():
            if marker.read_text() == "once":
                marker.unlink()
            time.sleep(3600)  # the hang under test
        return super().step(action)


register_task(
    replace(
        TASKS.get("mmmt-if"),
        name="hanging-dialogue",
        env_id="mmturn/HangingDialogue-v0",
        env_kwargs={"num_turns": 4},
        seed_name="",
        in_default_run=False,
    )
)
