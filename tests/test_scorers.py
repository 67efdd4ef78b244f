"""Visual scorers: CLIPScore as Hessel et al. define it on a tiny open_clip model loaded from disk,
feature caching by image hash, and box / point grounding."""

import numpy as np
import pytest

from mmturn.tasks.registry import SCORERS
from mmturn.tasks.types import Part


@pytest.fixture(scope="module")
def clip(tiny_clip):
    return SCORERS.get("clip")(**tiny_clip)


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    return [Part.of_image(rng.integers(0, 256, (40 + k, 50, 3), dtype=np.uint8)) for k in range(n)]


def test_clipscore_is_hessels_definition_on_the_raw_model(clip, tiny_clip):
    import open_clip
    import torch
    from PIL import Image

    parts, texts = images(3), ["a red box", "a photo of a barrel", "two cones"]
    ours = clip.clipscore(parts, texts)
    model, _, preprocess = open_clip.create_model_and_transforms(tiny_clip["model"], pretrained=tiny_clip["pretrained"])
    model.eval()
    tokenizer = open_clip.get_tokenizer(tiny_clip["model"])
    with torch.inference_mode():
        i = model.encode_image(torch.stack([preprocess(Image.fromarray(p.image)) for p in parts]))
        t = model.encode_text(tokenizer(texts))
    cos = torch.nn.functional.cosine_similarity(i, t).numpy()
    assert np.allclose(ours, 2.5 * np.maximum(cos, 0), atol=1e-5)
    assert ours.shape == (3,) and (ours >= 0).all() and (ours <= 2.5).all()


def test_image_features_are_batched_and_cached_by_content(clip, monkeypatch):
    parts = images(5, seed=1)
    first = clip.image_features(parts)
    calls = []
    original = clip.embedder.image_features
    monkeypatch.setattr(
        clip.embedder, "image_features", lambda imgs, bs=64: calls.append(len(imgs)) or original(imgs, bs)
    )
    copies = [Part.of_image(p.image.copy()) for p in parts]  # same pixels, new objects: still cached
    assert np.allclose(clip.image_features(copies), first) and calls == []
    clip.image_features(images(2, seed=2) + parts[:1])
    assert calls == [2]
    assert np.allclose(clip.image_similarity(parts[:2], copies[:2]), 1.0, atol=1e-5)


def test_grounding_scorer_boxes_points_and_garbage():
    score = SCORERS.get("grounding")
    target = {"box": [10, 10, 30, 30]}
    assert score("[10, 10, 30, 30]", target).values == {"iou": 1.0, "hit": 1.0}
    half = score("(20, 10), (40, 30)", target).values
    assert half["iou"] == pytest.approx(200 / 600) and half["hit"] == 1.0
    assert score("click at 30, 30", target).values == {"iou": 0.0, "hit": 1.0}  # an edge is inside
    assert score("no idea", target).values == {"iou": 0.0, "hit": 0.0}


def test_description_turns_get_detector_claims_and_clipscore(tiny_clip):
    from mmturn.tasks.registry import ENVS

    env = ENVS.get("mmturn/ImageDialogue-v0")(
        kinds=("shapes",),
        clip_model=tiny_clip["model"],
        clip_pretrained=tiny_clip["pretrained"],
        clip_config=tiny_clip["model_config"],
    )
    seen = 0
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            target = env.episode.turns[env.turn_index].target
            _, _, done, _, info = env.step(info["hints"].oracle_reply)
            if target.get("describe"):
                seen += 1
                s = info["scores"]
                assert s["claims_correct"] == 1.0 and s["chair_i_detector"] == 0.0 and s["chair_i"] == 0.0
                assert 0.0 <= s["clipscore"] <= 2.5
    assert seen >= 3
    env.reset(seed=0)
    turn = next(t for t in env.episode.turns if t.target.get("describe"))
    image = env.find_image(turn.target["image"])
    wrong = next(lab for lab in turn.target["answer"]["choices"] if lab not in turn.target["answer"]["value"])
    score = SCORERS.get("detector")()(f"I see a {wrong}.", {"image": image, "labels": turn.target["answer"]["choices"]})
    assert score.values == {"claims_correct": 0.0, "chair_i_detector": 1.0}
