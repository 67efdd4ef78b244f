import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import mmturn  # noqa: E402,F401  (registers the built-in envs, tasks and models)


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory):
    from tiny_models import build_tiny_qwen2_vl

    return build_tiny_qwen2_vl(tmp_path_factory.mktemp("tiny-qwen2-vl"))


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory):
    from tiny_models import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))
