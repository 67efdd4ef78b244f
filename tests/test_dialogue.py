"""The image-dialogue family: exact ground truth, accumulating instructions that never conflict,
an oracle that is perfect, and answer extraction tolerant of the instructions."""

import itertools

import gymnasium as gym
import numpy as np
import pytest

from mmturn.vision.dialogue.answers import Answer, is_correct, numbers_in
from mmturn.vision.dialogue.dialogue import build_dialogue
from mmturn.vision.dialogue.instruction_pool import POOL, conflicts
from mmturn.vision.dialogue.realize import realize
from mmturn.vision.dialogue.scenes import GENERATORS
from mmturn.vision.dialogue.scoring import score_reply
from mmturn.vision.instructions import verify


@pytest.mark.parametrize("seed", range(25))
def test_oracle_reply_is_correct_and_follows_every_active_instruction(seed):
    episode = build_dialogue(np.random.default_rng(seed))
    assert len(episode.turns) == 20
    for turn in episode.turns:
        scores = score_reply(turn.hints.oracle_reply, turn.target).scores
        assert scores["accuracy"] == 1.0
        assert scores.get("pif", 1.0) == 1.0 and scores.get("prompt_loose", 1.0) == 1.0


def test_instructions_accumulate_never_conflict_and_are_recorded_per_turn():
    for seed in range(25):
        turns = build_dialogue(np.random.default_rng(seed)).turns
        previous: list = []
        for turn in turns:
            active = [tuple(i) for i in turn.target["instructions"]]
            assert [tuple(i) for i in previous] == active[: len(previous)]  # only ever grows, in order
            assert len(active) - len(previous) <= 1
            if len(active) > len(previous):
                assert "Instruction:" in turn.parts[-1].text
            for (a, _), (b, _) in itertools.combinations(active, 2):
                assert not conflicts(a, b), (a, b)
            previous = active


def test_conflict_table_is_symmetric_and_covers_case_pairs():
    ids = list(POOL)
    assert all(conflicts(a, b) == conflicts(b, a) for a in ids for b in ids)
    assert conflicts("change_case:english_lowercase", "change_case:english_capital")
    assert conflicts("detectable_format:json_format", "sentence:end_mark")
    assert not conflicts("detectable_format:json_format", "keywords:existence")


def test_images_vary_in_size_and_ground_truth_matches_drawing():
    rng = np.random.default_rng(0)
    sides = {GENERATORS[k](rng).image.shape[0] for k in GENERATORS for _ in range(3)}
    assert min(sides) >= 256 and max(sides) <= 1024 and len(sides) > 5
    scene = GENERATORS["shapes"](np.random.default_rng(5))
    for obj in scene.facts["objects"]:  # the centre pixel of each shape has (about) its colour
        from mmturn.vision.drawing import COLOURS

        pixel = scene.image[int(obj["y"]), int(obj["x"])].astype(int)
        assert np.abs(pixel - np.array(COLOURS[obj["colour"]])).max() <= 13


def test_multi_image_dialogues_introduce_images_at_different_turns():
    episode = build_dialogue(np.random.default_rng(3))
    intro = [i for i, t in enumerate(episode.turns) if any(p.kind == "image" for p in t.parts)]
    assert intro[0] == 0 and len(intro) >= 2
    assert any("Image 2" in t.parts[-1].text or "second image" in t.parts[-1].text for t in episode.turns)


def test_reminder_variant_restates_instructions_over_the_same_dialogue():
    plain = gym.make("mmturn/ImageDialogue-v0").unwrapped
    remind = gym.make("mmturn/ImageDialogue-v0", reminder=True).unwrapped
    plain.reset(seed=9)
    remind.reset(seed=9)
    for a, b in zip(plain.episode.turns, remind.episode.turns):
        assert a.target == b.target
        if a.target["instructions"]:
            assert "Reminder of all instructions" in b.parts[-1].text and "Reminder" not in a.parts[-1].text


@pytest.mark.parametrize(
    "reply,answer,ok",
    [
        ("the answer is seven", Answer("number", 7.0), True),
        ('{"answer": "7", "note": "8"}', Answer("number", 7.0), True),
        ('```json\n{"answer": 12}\n```', Answer("number", 12.0), True),
        ("SECTION 1\nThe answer is 4.", Answer("number", 4.0), True),
        ("It is 8, not 7", Answer("number", 7.0), False),
        ("1,234 items", Answer("number", 1234.0), True),
        ("THE COLOUR IS RED!", Answer("exact", "red", ("red", "blue")), True),
        ("red or blue", Answer("exact", "blue", ("red", "blue")), False),
        ("**Blue**", Answer("exact", "blue", ("red", "blue")), True),
        ("gray and pink", Answer("set", ["gray", "pink"], ("gray", "pink", "red")), True),
        ("gray, pink and red", Answer("set", ["gray", "pink"], ("gray", "pink", "red")), False),
        ("it reads PLANET", Answer("exact", "planet"), True),
        ("it reads planetary", Answer("exact", "planet"), False),
        ("Yes!", Answer("yesno", True), True),
        ("no, yes", Answer("yesno", True), False),
        ("it shows 3:05", Answer("time", "3:05"), True),
        ("option (b)", Answer("choice", "B", ("A) cat", "B) dog")), True),
        ("a dog", Answer("choice", "B", ("A) cat", "B) dog")), True),
        ("", Answer("number", 0.0), False),
        ("[10, 10, 30, 30]", Answer("box", [10, 10, 30, 30]), True),
        ("The box is 12 12 31 29", Answer("box", [10, 10, 30, 30]), True),
        ('{"answer": "[11, 9, 30, 31]"}', Answer("box", [10, 10, 30, 30]), True),
        ("[40, 40, 60, 60]", Answer("box", [10, 10, 30, 30]), False),
        ("10, 10", Answer("box", [10, 10, 30, 30]), False),
    ],
)
def test_answer_extraction(reply, answer, ok):
    assert is_correct(answer, reply) is ok


def test_number_words():
    assert numbers_in("twenty-one, then 3 and forty two") == [21.0, 3.0, 42.0]


def test_realizer_never_claims_a_reply_that_fails_verification():
    rng = np.random.default_rng(0)
    ids = list(POOL)
    for _ in range(200):
        chosen = []
        for iid in rng.permutation(ids)[:4]:
            if not any(conflicts(str(iid), c) for c, _ in chosen):
                chosen.append((str(iid), POOL[str(iid)](rng)))
        reply = realize("42", chosen)
        if reply is not None:
            assert all(verify(i, kw, reply) for i, kw in chosen)
            assert is_correct(Answer("number", 42.0), reply)


def test_shape_boxes_in_the_ground_truth_match_the_pixels():
    from mmturn.vision.detectors import detect_shapes
    from mmturn.vision.geometry import iou

    for seed in range(10):
        scene = GENERATORS["shapes"](np.random.default_rng(seed))
        found = detect_shapes(scene.image)
        for obj in scene.facts["objects"]:
            label = f"{obj['colour']} {obj['shape']}"
            assert max(iou(obj["box"], d.box) for d in found if d.label == label) >= 0.8
        boxes = [q for q in scene.qas if q.answer.kind == "box"]
        assert all(q.answer.value in [o["box"] for o in scene.facts["objects"]] for q in boxes)


def test_description_turns_count_hallucinated_objects():
    from mmturn.vision.dialogue.answers import chair_i
    from mmturn.vision.dialogue.scoring import score_reply

    truth = Answer("set", ["blue square", "red circle"], ("red circle", "blue square", "green star", "red square"))
    assert chair_i(truth, "a red circle, a blue square and a green star") == pytest.approx(1 / 3)
    assert chair_i(truth, "I see nothing") is None and chair_i(truth, "red circle and blue square") == 0.0
    target = {"answer": truth.to_json(), "describe": True, "instructions": []}
    assert score_reply("a red square and a red circle", target).scores["chair_i"] == 0.5
    assert "chair_i" not in score_reply("a red square", {**target, "describe": False}).scores
    scene = GENERATORS["shapes"](np.random.default_rng(2))
    (describe,) = [q for q in scene.qas if q.describe]
    assert set(describe.answer.value) == {f"{o['colour']} {o['shape']}" for o in scene.facts["objects"]}


def test_which_shapes_changed_between_two_images_is_asked_and_answered_exactly():
    import gymnasium as gym

    env = gym.make("mmturn/ImageDialogue-v0", kinds=("shapes", "clock")).unwrapped
    asked = 0
    for seed in range(40):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            target = env.episode.turns[env.turn_index].target
            if "changed between the images" in target["question"]:
                asked += 1
                facts = [m["facts"]["objects"] for m in env.episode.meta["images"] if m["kind"] == "shapes"]
                labels = [{f"{o['colour']} {o['shape']}" for o in objs} for objs in facts]
                assert set(target["answer"]["value"]) <= set().union(*labels)
                assert env.score("none of them", target).scores["accuracy"] == 0.0
            _, _, done, _, info = env.step(info["hints"].oracle_reply)
            if "changed between the images" in target["question"]:
                assert info["scores"]["accuracy"] == 1.0
    assert asked >= 3
