"""mmturn: multi-turn evaluation of vision-language models and agents.

The repository root is the ``mmturn`` package; ``tasks/``, ``vision/`` and ``embodied/``
are mapped to ``mmturn.tasks``, ``mmturn.vision`` and ``mmturn.embodied`` by pyproject.
Importing ``mmturn`` registers every built-in env under gymnasium's ``mmturn/`` namespace.
"""

__version__ = "0.1.0"

from mmturn.tasks import registry as _registry

_registry.load_builtins(plugins=False)  # plugins load where they are reported: the CLI, workers
