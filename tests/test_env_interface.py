"""The common episode interface: every registered env passes gymnasium's checker, seeds reproduce
episodes byte for byte, spaces really check, and no text action ever raises."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmturn.tasks.env import episode_seed
from mmturn.tasks.registry import ENVS
from mmturn.tasks.spaces import Interleaved, UnicodeText
from mmturn.tasks.types import Part
from mmturn.testing import check_step, hostile_action, play, same


def make(env_id: str) -> gym.Env:
    return gym.make(env_id, **ENVS.get(env_id).example_kwargs())


@pytest.fixture(scope="module")
def envs():
    """One env per id for the whole module: simulator-backed envs start a worker process once."""
    made: dict[str, gym.Env] = {}
    yield lambda env_id: made.setdefault(env_id, make(env_id)).unwrapped
    for env in made.values():
        env.close()


@pytest.mark.parametrize("env_id", ENVS.names())
def test_every_registered_env_passes_gymnasium_checker(env_id):
    env = make(env_id)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the checker's warnings count as failures too
            check_env(env.unwrapped)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", ENVS.names())
def test_same_seed_gives_identical_episode_and_another_seed_another(env_id, envs):
    env = envs(env_id)
    a, b = play(env, 11), play(env, 11)
    assert same(a, b)
    # a dataset env draws its record from the seed: a few seeds suffice to leave a two-record sample
    assert any(not same(a, play(env, seed)) for seed in (12, 13, 14, 15)), "every seed gave the same episode"


def test_episode_seeds_do_not_shift_when_episodes_are_added():
    first = [episode_seed(0, "mmmt-if", i) for i in range(5)]
    more = [episode_seed(0, "mmmt-if", i) for i in range(50)]
    assert more[:5] == first and len(set(more)) == 50
    assert episode_seed(1, "mmmt-if", 0) != first[0] and episode_seed(0, "other", 0) != first[0]


def test_interleaved_space_really_checks():
    space = Interleaved()
    img = Part.of_image(np.zeros((4, 5, 3), np.uint8))
    assert space.contains((Part.of_text("hi"), img))
    assert not space.contains([Part.of_text("hi")])  # a list is not a turn
    assert not space.contains(("hi",))
    assert not space.contains((Part("image", image=np.zeros((4, 5), np.uint8)),))
    assert not space.contains((Part("image", image=np.zeros((4, 5, 3), np.float32)),))
    assert not space.contains((Part("text", text=3),))
    assert not space.contains((Part("image", image=np.zeros((0, 5, 3), np.uint8)),))
    space.seed(0)
    assert all(space.contains(space.sample()) for _ in range(20))
    text = UnicodeText(max_length=10)
    assert text.contains("héllo 🙂") and not text.contains("x" * 11) and not text.contains(b"bytes")


def test_observation_and_hints_are_apart():
    env = gym.make("mmturn/ImageDialogue-v0").unwrapped
    obs, info = env.reset(seed=3)
    assert set(obs) == {"parts"}
    oracle = info["hints"].oracle_reply
    assert oracle and all(oracle not in p.text for p in obs["parts"] if p.kind == "text")


REPLIES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            '{"action_type": "click", "x": NaN, "y": 1}',
            '{"action_type": "click", "x": -1e308, "y": 5}',
            "{" * 50,
            '{"answer": [1, 2]}',
            '{"action_type": "status"}',
            "<script>alert(1)</script>",
            "\x00\x1b[31m",
            "٣٤ 🙂 五",
        ]
    ),
    st.builds(
        lambda x, y: f'{{"action_type": "click", "x": {x}, "y": {y}}}',
        st.floats(allow_nan=True),
        st.floats(allow_nan=True),
    ),
)


@pytest.mark.parametrize("env_id", ENVS.names())
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    replies=st.lists(st.one_of(REPLIES, st.integers(0, 2**32 - 1)), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
@pytest.mark.slow
def test_hostile_replies_never_raise_and_scores_stay_in_range(env_id, envs, replies, seed):
    """Hypothesis texts, and hostile replies drawn from a seed (tests/hostile.py; benchmarks/fuzz.py runs 10,000 per
    env)."""
    env = envs(env_id)
    env.reset(seed=seed)
    for reply in replies:
        if check_step(env, hostile_action(env, np.random.default_rng(reply)) if isinstance(reply, int) else reply):
            break


def test_non_string_action_is_a_scored_failure_not_a_crash():
    env = gym.make("mmturn/ImageDialogue-v0").unwrapped
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step(None)
    assert reward == 0.0 and info["error"] == "empty reply"
