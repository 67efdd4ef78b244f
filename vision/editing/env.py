"""Multi-turn image editing envs (EdiVal-Agent style): a start image and 3-8 successive edit
instructions, each applied by the model to its own previous output. The action is the model's
reply as an interleaved turn; its last image is the edited image. A reply without an image fails
the turn (scored 0, the image stays as it was)."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mmturn.assets import ASSETS
from mmturn.tasks.datasets import DatasetError, check_image, load_image, read_jsonl, require
from mmturn.tasks.env import MultiTurnEnv
from mmturn.tasks.registry import SCORERS, register_env
from mmturn.tasks.types import Action, Episode, Hints, Part, TurnResult
from mmturn.vision.claims import Claim
from mmturn.vision.detectors import DetectionCache
from mmturn.vision.editing.ops import BACKGROUND, OPS, TEXT, edit_sequence, start_scene
from mmturn.vision.editing.scene import EditScene
from mmturn.vision.editing.scoring import FAILED, fit, score_edit

# the instruction is the turn's last text part: image-editing models take it alone as their prompt
FIRST = "Edit this image as instructed and reply with the edited image.\nInstruction: "
NEXT = "Now edit your last image.\nInstruction: "


@dataclass(frozen=True)
class EditStep:
    instruction: str
    claims: tuple[Claim, ...]
    touched: tuple[str, ...]
    op: str = ""
    state: dict[str, Any] | None = None  # the exact scene after this edit (procedural episodes): what the oracle draws


class _EditEnv(MultiTurnEnv):
    image_actions = True

    def __init__(
        self,
        detector: str = "shapes",
        clip_model: str | None = None,
        clip_pretrained: str | None = None,
        clip_config: str | None = None,
        threshold: float = 0.1,
        device: str = "cpu",
    ) -> None:
        super().__init__()
        self.detector = detector
        self.clip_args = (clip_model, clip_pretrained, clip_config, device) if clip_model else None
        self.detections = DetectionCache(threshold=threshold, device=device)

    @cached_property
    def clip(self):
        return SCORERS.get("clip")(*self.clip_args) if self.clip_args else None

    @abstractmethod
    def make_episode(self, options: dict[str, Any]) -> tuple[str, Part, list[EditStep]]:
        """(episode id, start image, the edit steps) of the episode ``options`` asks for."""

    def _begin(self, options: dict[str, Any]) -> tuple[dict, Hints]:
        episode_id, self.start, self.steps = self.make_episode(options)
        self.episode = Episode(episode_id, [], {"ops": [s.op for s in self.steps]})
        self.current, self._reply_image = self.start, None
        return {"parts": (self.start, Part.of_text(FIRST), Part.of_text(self.steps[0].instruction))}, self._hints(0)

    def _hints(self, index: int) -> Hints:
        """The oracle's edited image is the exact scene after this edit (procedural episodes only)."""
        state = self.steps[index].state
        return Hints(
            oracle_images=(Part.of_image(EditScene.from_dict(state).render()),) if state else (), edits_image=True
        )

    def parse_parts(self, parts: tuple[Part, ...]) -> Action:
        images = [p for p in parts if p.kind == "image"]
        text = "".join(p.text for p in parts if p.kind == "text")
        self._reply_image = images[-1] if images else None
        if not images:
            return Action(text, "no_image", error="the reply has no image")
        return Action(text, "image", {"digest": images[-1].digest, "size": list(images[-1].image.shape[:2])})

    def parse_action(self, text: str) -> Action:
        self._reply_image = None
        return Action(text, "no_image", error="the reply has no image")

    def _advance(self, action: Action) -> tuple[TurnResult, dict, bool, bool, Hints]:
        if self.turn_index >= len(self.steps):
            return TurnResult({}, {}, error="episode already finished"), self.empty_observation(), True, False, Hints()
        step = self.steps[self.turn_index]
        target = {
            "instruction": step.instruction,
            "op": step.op,
            "claims": [c.to_dict() for c in step.claims],
            "touched": list(step.touched),
        }
        if self._reply_image is None:
            result = TurnResult(
                {k: v for k, v in FAILED.items() if step.claims or k not in ("follow", "claims")},
                target,
                error=action.error,
            )
        else:
            after = Part.of_image(fit(self._reply_image.image, self.current.image))
            result = score_edit(
                self.current, after, self.start, step.claims, step.touched, self.detector, self.detections, self.clip
            )
            result.target, result.details["resized"] = target, after.image.shape != self._reply_image.image.shape
            self.current = after
        nxt = self.turn_index + 1
        if nxt >= len(self.steps):
            return result, self.empty_observation(), True, False, Hints()
        return (
            result,
            {"parts": (Part.of_text(NEXT), Part.of_text(self.steps[nxt].instruction))},
            False,
            False,
            self._hints(nxt),
        )

    def reward(self, result: TurnResult) -> float:
        return float(result.scores.get("follow", result.scores.get("consistency", 0.0)))


@register_env("ImageEditing-v0")
class ImageEditingEnv(_EditEnv):
    """Procedural scenes edited 3-8 times (``turns``: a (low, high) range or a number) with ops drawn
    from ``ops`` (add, remove, recolour, move, replace, count, background, text)."""

    def __init__(self, turns: tuple[int, int] | int = (3, 8), ops: tuple[str, ...] = tuple(OPS), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.turns = (int(turns), int(turns)) if isinstance(turns, (int, float, str)) else tuple(int(t) for t in turns)
        unknown = [o for o in ops if o not in OPS]
        if unknown:
            raise ValueError(f"unknown edit ops {unknown}; known: {', '.join(OPS)}")
        self.ops = tuple(ops)

    def make_episode(self, options: dict[str, Any]) -> tuple[str, Part, list[EditStep]]:
        scene = start_scene(self.np_random)
        edits = edit_sequence(
            scene, self.np_random, int(self.np_random.integers(self.turns[0], self.turns[1] + 1)), self.ops
        )
        steps = [EditStep(e.instruction, e.claims, e.touched, e.op, e.after.to_dict()) for e in edits]
        return f"edit-{scene.noise_seed}", Part.of_image(scene.render()), steps


@register_env("EditingDataset-v0")
class EditingDatasetEnv(_EditEnv):
    """Users' edit sequences, JSONL: ``{"id", "image": path, "turns": [{"instruction", "claims": [{"kind",
    "label", "value"}]}]}`` (claims optional: without them a turn scores consistency and quality only).
    Claims about objects are checked by ``detector`` (``shapes``, or the local path of an OWL-ViT /
    OWLv2 / Grounding DINO model); images are read only from inside ``image_root``."""

    def __init__(self, path: str, image_root: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)
        self.root = Path(image_root) if image_root else self.path.parent

    @staticmethod
    def example_kwargs() -> dict[str, Any]:
        return {"path": str(ASSETS / "samples" / "editing" / "edits.jsonl")}

    @cached_property
    def records(self) -> list[tuple[int, str, str, list[EditStep]]]:
        out = []
        for line, rec in read_jsonl(self.path):
            image = require(rec, "image", str, self.path, line)
            check_image(self.root, image, self.path, line, "image")
            turns = require(rec, "turns", list, self.path, line)
            if not turns:
                raise DatasetError(self.path, line, "turns", "an edit sequence needs at least one turn")
            steps = [self._step(t, line, f"turns[{k}]") for k, t in enumerate(turns)]
            out.append((line, str(rec.get("id", line)), image, steps))
        if not out:
            raise DatasetError(self.path, None, None, "no edit sequences in the dataset")
        return out

    def _step(self, turn: Any, line: int, where: str) -> EditStep:
        if not isinstance(turn, dict):
            raise DatasetError(self.path, line, where, "must be an object")
        instruction = require(turn, "instruction", str, self.path, line, f"{where}.")
        claims = turn.get("claims", [])
        if not isinstance(claims, list):
            raise DatasetError(self.path, line, f"{where}.claims", "must be a list")
        parsed = []
        for k, c in enumerate(claims):
            try:
                parsed.append(Claim.from_dict(c))
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise DatasetError(self.path, line, f"{where}.claims[{k}]", f"not a valid claim: {e}") from None
        marks = {"text": TEXT, "background": BACKGROUND}
        touched = tuple(dict.fromkeys(marks.get(c.kind, c.label) for c in parsed))
        return EditStep(instruction, tuple(parsed), touched)

    def dataset_size(self) -> int:
        return len(self.records)

    def make_episode(self, options: dict[str, Any]) -> tuple[str, Part, list[EditStep]]:
        line, rid, image, steps = self.records[self.record_index(options, len(self.records))]
        return rid, Part.of_image(load_image(self.root, image, self.path, line, "image")), steps
