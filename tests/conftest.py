import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import mmturn.tasks.envs  # noqa: E402,F401  (registers the built-in envs with gymnasium)


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory):
    from tiny_models import build_tiny_qwen2_vl

    return build_tiny_qwen2_vl(tmp_path_factory.mktemp("tiny-qwen2-vl"))


@pytest.fixture(scope="session")
def tiny_qwen_tools(tmp_path_factory):
    """The tiny Qwen2-VL with a chat template that renders tools and tool calls."""
    from tiny_models import QWEN_TOOLS_TEMPLATE, build_tiny_qwen2_vl

    return build_tiny_qwen2_vl(tmp_path_factory.mktemp("tiny-qwen2-vl-tools"), QWEN_TOOLS_TEMPLATE)


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory):
    from tiny_models import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))


@pytest.fixture(scope="session")
def tiny_owlvit(tmp_path_factory):
    from tiny_models import build_tiny_owl

    return str(build_tiny_owl(tmp_path_factory.mktemp("tiny-owlvit")))


@pytest.fixture(scope="session")
def tiny_owlv2(tmp_path_factory):
    from tiny_models import build_tiny_owl

    return str(build_tiny_owl(tmp_path_factory.mktemp("tiny-owlv2"), v2=True))


@pytest.fixture(scope="session")
def tiny_pix2pix(tmp_path_factory):
    from tiny_models import build_tiny_pix2pix

    return str(build_tiny_pix2pix(tmp_path_factory.mktemp("tiny-pix2pix")))


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """A tiny randomly initialised open_clip model: its config folder and a local checkpoint."""
    import json

    import open_clip
    import torch

    folder = tmp_path_factory.mktemp("tiny-clip")
    config = {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
    }
    (folder / "TinyCLIP-mmturn.json").write_text(json.dumps(config))
    open_clip.add_model_config(str(folder))
    torch.manual_seed(0)
    model = open_clip.create_model("TinyCLIP-mmturn")
    torch.save(model.state_dict(), folder / "tiny.pt")
    return {"model": "TinyCLIP-mmturn", "pretrained": str(folder / "tiny.pt"), "model_config": str(folder)}
