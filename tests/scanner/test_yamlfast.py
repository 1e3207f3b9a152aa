"""The YAML files piiscout ships read the same with libyaml's parser as with PyYAML's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner import entities, yamlfast
from tests.helpers.paths import ROOT

SHIPPED = sorted((ROOT / "config").rglob("*.yaml"))


def test_libyaml_is_there() -> None:
    assert yamlfast.SafeLoader is yaml.CSafeLoader  # the fast path is the one that runs


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_read_the_same(path: Path) -> None:
    text = path.read_text("utf-8")
    assert yamlfast.safe_load(text) == yaml.safe_load(text)


def test_the_taxonomy_loader_still_refuses_a_key_given_twice() -> None:
    text = "entities:\n  EMAIL_ADDRESS: {category: user.contact.email}\n" \
           "  EMAIL_ADDRESS: {category: user.contact.email}\n"
    with pytest.raises(entities.TaxonomyError, match="defined twice .line 3"):
        entities.load_text(text)


@pytest.mark.parametrize("text", ["a: [1, 2", "a: !!python/object:os.system x", "- {a: 1\n"])
def test_bad_or_unsafe_yaml_is_refused_by_both(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        yamlfast.safe_load(text)
