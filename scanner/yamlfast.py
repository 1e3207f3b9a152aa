"""YAML files piiscout ships (the taxonomy, the vocabularies, the policy packs, the defaults),
read with libyaml's parser when PyYAML has it: the pure-Python parser took a quarter of a scan's
start-up. The same data either way (tests/scanner/test_yamlfast.py); user-written files whose
error messages name lines keep the loaders their modules chose."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, with libyaml's parser when there is one."""
    return yaml.load(text, Loader=SafeLoader)
