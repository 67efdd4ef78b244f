"""Image-dialogue envs: synthetic MMMT-IF-style dialogues, and users' dialogue datasets."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from mmturn.assets import ASSETS
from mmturn.tasks.datasets import DatasetError, load_image
from mmturn.tasks.env import DialogueEnv
from mmturn.tasks.registry import SCORERS, register_env
from mmturn.tasks.types import Episode, Hints, Part, Turn, TurnResult
from mmturn.vision.dialogue.dialogue import build_dialogue, candidates, instruction_text, reminder_text
from mmturn.vision.dialogue.loaders import LOADERS, DialogueSpec
from mmturn.vision.dialogue.realize import plain_reply, realize
from mmturn.vision.dialogue.scoring import DIALOGUE_SCORERS, score_reply


class _ImageDialogue(DialogueEnv):
    scorers: tuple[str, ...] = DIALOGUE_SCORERS
    _visual_args: tuple = (None, None)  # (detector, CLIP model args) for open-ended description turns

    def configure_visual(
        self,
        detector: str | None,
        clip_model: str | None,
        clip_pretrained: str | None,
        clip_config: str | None,
        device: str,
    ) -> None:
        """Score description turns also by ``detector`` claims and, given an open_clip model, CLIPScore."""
        self._visual_args = (detector, (clip_model, clip_pretrained, clip_config, device) if clip_model else None)

    @cached_property
    def visual(self) -> tuple:
        detector, clip = self._visual_args
        return tuple(
            s for s in (detector and SCORERS.get("detector")(detector), clip and SCORERS.get("clip")(*clip)) if s
        )

    def find_image(self, digest: str) -> Part | None:
        """An image of the current episode by content hash (``mmturn score`` reads them from the run folder)."""
        episode = getattr(self, "episode", None)
        return (
            next((p for t in episode.turns for p in t.parts if p.kind == "image" and p.digest == digest), None)
            if episode
            else None
        )

    def score(self, reply: str, target: dict[str, Any]) -> TurnResult:
        result = score_reply(reply, target, self.scorers)
        image = (
            self.find_image(target["image"]) if target.get("describe") and target.get("image") and self.visual else None
        )
        if image is not None:
            for scorer in self.visual:
                score = scorer(reply, {"image": image, "labels": target["answer"]["choices"]})
                result.scores.update(score.values)
                result.details.update(score.details)
        return result


@register_env("ImageDialogue-v0")
class ImageDialogueEnv(_ImageDialogue):
    """Synthetic 20-turn dialogues over procedural images with accumulating global instructions.
    ``reminder=True`` restates every active instruction at the end of each turn (MMMT-IF's ablation:
    the instructions are repeated there, not moved)."""

    def __init__(
        self,
        num_turns: int = 20,
        num_images: tuple[int, int] = (2, 5),
        instruction_turns: int = 10,
        max_instructions: int = 6,
        reminder: bool = False,
        kinds: tuple[str, ...] | None = None,
        scorers: tuple[str, ...] = DIALOGUE_SCORERS,
        detector: str | None = "shapes",
        clip_model: str | None = None,
        clip_pretrained: str | None = None,
        clip_config: str | None = None,
        device: str = "cpu",
    ) -> None:
        super().__init__()
        self.scorers = tuple(scorers)
        self.configure_visual(detector, clip_model, clip_pretrained, clip_config, device)
        self.config = dict(
            num_turns=num_turns,
            num_images=tuple(num_images),
            instruction_turns=instruction_turns,
            max_instructions=max_instructions,
            reminder=reminder,
            kinds=tuple(kinds) if kinds else None,
        )

    def make_episode(self, options: dict[str, Any]) -> Episode:
        return build_dialogue(self.np_random, **self.config)


@register_env("DialogueDataset-v0")
class DialogueDatasetEnv(_ImageDialogue):
    """A user's dialogues (``format``: jsonl, mmdu or mmmt-if-csv); ``reset(options={"index": i})``
    plays dialogue i; images are read from inside ``image_root`` (default: the file's folder)."""

    def __init__(
        self,
        path: str,
        format: str = "jsonl",
        image_root: str | None = None,
        reminder: bool = False,
        scorers: tuple[str, ...] = DIALOGUE_SCORERS,
    ) -> None:
        super().__init__()
        self.scorers = tuple(scorers)
        if format not in LOADERS:
            raise ValueError(f"unknown dialogue format {format!r}; known: {', '.join(LOADERS)}")
        self.path = Path(path)
        self.root = Path(image_root) if image_root else self.path.parent
        self.format, self.reminder = format, reminder

    @staticmethod
    def example_kwargs() -> dict[str, Any]:
        """Arguments that make this env playable from shipped data (the env checker test uses them)."""
        return {"path": str(ASSETS / "samples" / "dialogue" / "dialogues.jsonl")}

    @cached_property
    def specs(self) -> list[DialogueSpec]:
        specs = LOADERS[self.format](self.path, self.root)
        if not specs:
            raise DatasetError(self.path, None, None, "no dialogues in the dataset")
        return specs

    def dataset_size(self) -> int:
        return len(self.specs)

    def make_episode(self, options: dict[str, Any]) -> Episode:
        spec = self.specs[self.record_index(options, len(self.specs))]
        active: list = []
        turns = []
        for k, t in enumerate(spec.turns):
            active = active + t.new_instructions
            parts = [
                Part.of_image(load_image(self.root, ref, self.path, None, f"{spec.source} turn {k}"))
                for ref in t.images
            ]
            lead = (
                "".join(instruction_text(iid, kw) + "\n" for iid, kw in t.new_instructions)
                if self.format == "jsonl"
                else ""
            )
            text = lead + t.text + (reminder_text(active) if self.reminder and active else "")
            parts.append(Part.of_text(text))
            answer_text = t.answer.text if t.answer else (t.reference or "")
            oracle = realize(answer_text, [tuple(i) for i in active]) or plain_reply(answer_text)
            target = {
                "answer": t.answer.to_json() if t.answer else None,
                "instructions": [list(i) for i in active],
                "question": t.text,
                "reference": t.reference,
            }
            hints = Hints(
                oracle_reply=oracle,
                answer_text=answer_text,
                candidates=tuple(candidates(t.answer, self.np_random)) if t.answer else (answer_text,),
                newest_instruction=tuple(active[-1]) if active else None,
            )
            turns.append(Turn(tuple(parts), target, hints))
        return Episode(id=spec.id, turns=turns, meta={"source": spec.source})
