"""The plugin registry (scanner/plugins.py): piiscout's own classifiers, connectors and formats
come from its entry points, in the order the old module list gave; a third party's plugins are
registered the same way (a real ``*.dist-info`` folder with ``entry_points.txt`` put on
``sys.path``, nothing of importlib mocked); duplicates and broken entry points fail loudly."""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from classifiers import (
    call_records,
    column_names,
    devices,
    document_kinds,
    forms,
    linkage,
    national_ids,
    pii,
    registry,
    special_categories,
)
from classifiers.engine import Engine
from classifiers.ner import SpacyNer
from connectors.base import ConnectorUnavailable, connector_for, source_kinds
from connectors.files import FileConnector
from scanner import plugins
from scanner.models import Location, TextUnit
from scanner.settings import ClassifySettings, Settings
from tests.helpers.paths import ROOT

# The module list classifiers/registry.py had before the registry: the order to keep.
OLD_MODULES = (pii, national_ids, forms, devices, call_records, special_categories, column_names,
               linkage, document_kinds)
ADDED_SINCE = {"PII-VIN"}  # classifiers added as plugins after the module list went


def _old_classes() -> list[type]:
    return [cls for module in OLD_MODULES for cls in module.CLASSIFIERS]


def _old_defaults(settings: ClassifySettings) -> list[type]:
    out = _old_classes()
    if settings.ner:
        out.insert(len(pii.CLASSIFIERS), SpacyNer)
    return out


# -- piiscout's own plugins ------------------------------------------------------------------
def test_classifier_order_is_the_old_module_order() -> None:
    new = [c for c in registry.classifier_classes() if c.id not in ADDED_SINCE]
    assert new == _old_classes()


@pytest.mark.parametrize("ner", [True, False])
def test_default_classifiers_are_the_old_ones_in_the_old_order(ner: bool) -> None:
    settings = ClassifySettings(ner=ner)
    got = [type(c) for c in registry.default_classifiers(settings) if c.id not in ADDED_SINCE]
    assert got == _old_defaults(settings)
    ner_on = [c for c in registry.default_classifiers(settings) if isinstance(c, SpacyNer)]
    assert len(ner_on) == int(ner)


def test_engine_stages_keep_linkage_last_among_record_classifiers() -> None:
    engine = Engine(ClassifySettings(ner=False))
    assert [type(c) for c in engine.record_classifiers][-1] is linkage.Linkage


def test_installed_entry_points_are_the_ones_pyproject_declares() -> None:
    """A checkout whose pyproject gained a plugin but was not reinstalled fails here, by name."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    for group in (plugins.CLASSIFIERS, plugins.CONNECTORS, plugins.FORMATS):
        installed = {n: p.value for n, p in plugins.plugins(group).items()
                     if p.distribution == plugins.PROJECT}
        assert installed == declared[group], f"{group}: run pip install -e . again"


def test_every_project_classifier_sets_its_order_and_its_id_is_its_name() -> None:
    for plugin, cls in registry.registered():
        assert "order" in vars(cls), f"{plugin.name} has no order of its own"
        assert cls.id == plugin.name


def test_connectors_by_scheme(tmp_path: Path) -> None:
    assert isinstance(connector_for(str(tmp_path), Settings()), FileConnector)
    assert type(connector_for("postgresql+psycopg://u@h/db", Settings())).__name__ == (
        "DatabaseConnector")
    assert type(connector_for("pst:///x.pst", Settings())).__name__ == "MailConnector"
    with pytest.raises(ValueError, match="no connector for 'gopher://' targets"):
        connector_for("gopher://example.org/x", Settings())


def test_source_kinds_come_from_the_connector_classes() -> None:
    from scanner.policy import SOURCE_KINDS, Rule

    assert source_kinds() == ("database", "file", "mail", "s3", "smb")
    assert list(SOURCE_KINDS) == list(source_kinds())
    assert Rule(category="user", source_kinds=("s3",)).source_kinds == ("s3",)
    with pytest.raises(ValueError, match="unknown source kind 'ftp'"):
        Rule(category="user", source_kinds=("ftp",))


# (location uri, its root) as scanner/inventory/sources.py's own table of schemes gave them
# before the roots came from the connector classes; the two last are dialects that table missed
# (it gave "duckdb://h"), now named like every other database.
URI_ROOTS = [
    ("file:///d/hr/note.txt", "file:///d/hr"), ("file:///note.txt", "file:///"),
    ("file:///d/archive.zip!/2023/leavers.csv", "file:///d"), ("file:///d/a.txt#page=2", "file:///d"),
    ("mbox:///archive/support.mbox/msg/12", "mbox:///archive/support.mbox/msg"),
    ("maildir:///srv/mail/jane/cur/1", "maildir:///srv/mail/jane/cur"),
    ("pst:///a/jane.pst/Inbox/3", "pst:///a/jane.pst/Inbox"), ("msg:///m.msg", "msg:///"),
    ("smb://fs01/HR/2024/a.docx", "smb://fs01/HR"), ("smb://fs01", "smb://fs01"),
    ("s3://bucket/logs/a.log", "s3://bucket"), ("gs://bk/x/y", "gs://bk"),
    ("sqlite:///srv/a/crm.db/main/Customer", "sqlite:////srv/a/crm.db"),
    ("sqlite:///srv/a/crm.db", "sqlite:////srv/a/crm.db"),
    ("sqlite:///srv/a/my%20crm.db/main/T", "sqlite:////srv/a/my crm.db"),
    ("sqlite:///srv/a/crm.db/main/Doc/body/row=id%3D4", "sqlite:////srv/a/crm.db"),
    ("postgresql://db:5432/crm/public/customer", "postgresql://db:5432/crm"),
    ("postgresql://db:5432", "postgresql://db:5432"), ("mysql://db:3306/shop/orders", "mysql://db:3306/shop"),
    ("mssql://h:1433/db/dbo/t", "mssql://h:1433/db"), ("postgresql+psycopg://h/db/t", "postgresql+psycopg://h/db"),
    ("ftp://host/dir/file", "ftp://host"), ("https://example.org/a/b", "https://example.org"),
    ("/plain/path", "/plain/path"),
    ("duckdb://h/db/t", "duckdb://h/db"), ("postgres://h/db/t", "postgres://h/db"),
]


@pytest.mark.parametrize(("uri", "root"), URI_ROOTS)
def test_uri_roots_come_from_the_connector_classes(uri: str, root: str) -> None:
    from scanner.inventory.sources import uri_root

    assert uri_root(uri) == root


def test_scan_and_inventory_formats_share_one_registry() -> None:
    from scanner.cli.inventory import FORMATS as INVENTORY_FORMATS
    from scanner.reports import FORMATS, STREAMING, formatter
    from scanner.reports.html import write as html_write
    from scanner.reports.sarif import write as sarif_write

    assert sorted(FORMATS) == ["csv", "json", "jsonl", "sarif", "table"]
    assert sorted(STREAMING) == ["csv", "json", "jsonl", "table"]
    assert sorted(INVENTORY_FORMATS) == ["csv", "html", "json", "table"]
    assert formatter("sarif") is sarif_write
    assert formatter("html", "inventory") is html_write
    with pytest.raises(KeyError, match="no scan format 'html'"):
        formatter("html")


# -- the list commands -----------------------------------------------------------------------
def _cli(*args: str) -> str:
    from scanner.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_classifiers_list(tmp_path: Path) -> None:
    rows = json.loads(_cli("classifiers", "list", "--format", "json"))
    assert [r["id"] for r in rows] == registry.classifier_ids(ClassifySettings())
    by_id = {r["id"]: r for r in rows}
    assert by_id["PII-EMAIL"]["entities"] == ["EMAIL_ADDRESS"]
    assert by_id["PII-EMAIL"]["stage"] == "pattern"
    assert by_id["LINKAGE"]["stage"] == "record"
    assert by_id["NER-SPACY"]["stage"] == "ner" and by_id["NER-SPACY"]["enabled"] is True
    assert by_id["PII-VIN"]["source"].startswith("piiscout ")
    config = tmp_path / "c.yaml"
    config.write_text("classify:\n  ner: false\n")
    rows = json.loads(_cli("classifiers", "list", "-c", str(config), "--format", "json"))
    assert {r["id"]: r["enabled"] for r in rows}["NER-SPACY"] is False
    table = _cli("classifiers", "list")
    assert "PII-VIN" in table and "COL-NAME" in table


def test_classifiers_list_shows_the_recognizers_file(tmp_path: Path) -> None:
    recognizers = tmp_path / "ours.yaml"
    recognizers.write_text(
        "recognizers:\n  - name: Employee id\n    supported_language: en\n"
        "    supported_entity: EMPLOYEE_ID\n    category: user.unique_id\n    patterns:\n"
        "      - name: employee id\n        regex: \"E-[0-9]{4}\"\n        score: 0.5\n")
    config = tmp_path / "c.yaml"
    config.write_text(f"classify:\n  recognizers: {recognizers}\n")
    rows = json.loads(_cli("classifiers", "list", "-c", str(config), "--format", "json"))
    ours = [r for r in rows if r["source"] == str(recognizers)]
    assert [r["entities"] for r in ours] == [["EMPLOYEE_ID"]]
    assert ours[0]["enabled"] is True and rows[-1] is ours[0]


def test_formats_and_connectors_list() -> None:
    rows = json.loads(_cli("formats", "list", "--format", "json"))
    assert {(r["report"], r["format"]) for r in rows} >= {
        ("scan", "sarif"), ("stream", "jsonl"), ("inventory", "html")}
    rows = json.loads(_cli("connectors", "list", "--format", "json"))
    by_scheme = {r["scheme"]: r for r in rows}
    assert by_scheme["s3"]["source_kind"] == "s3" and by_scheme["s3"]["available"] == "yes"
    assert by_scheme["mariadb"]["connector"] == "connectors.database:DatabaseConnector"


# -- a third party's plugins -----------------------------------------------------------------
ACME_MODULE = '''
from classifiers.base import Pattern, PatternClassifier


class AcmeIdClassifier(PatternClassifier):
    id = "ACME-ID"
    entities = {"ACME_ID": "user.unique_id"}
    patterns = (Pattern("acme id", r"\\bACME-[0-9]{6}\\b", "ACME_ID", 0.9),)


class MisnamedClassifier(AcmeIdClassifier):
    id = "SOMETHING-ELSE"


class AcmeConnector:
    source_kind = "acme"

    @staticmethod
    def uri_root(uri):
        return "acme://" + uri.split("/")[2].upper()

    def __init__(self, target, settings):
        self.target = target

    def walk(self):
        return iter(())

    def close(self):
        pass


def write(report, stream, *, color=False):
    stream.write("acme report\\n")
'''


def _distribution(root: Path, name: str, entry_points: str, modules: dict[str, str]) -> None:
    dist = root / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(entry_points)
    for module, text in modules.items():
        (root / f"{module}.py").write_text(text)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path where a test installs distributions; caches cleared around it."""
    sys.path.insert(0, str(tmp_path))
    plugins.clear_cache()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("acme")]:
        del sys.modules[name]
    plugins.clear_cache()


def test_a_third_party_classifier_connector_and_format(site: Path) -> None:
    _distribution(site, "acme_pii", (
        "[piiscout.classifiers]\nACME-ID = acme_plugins:AcmeIdClassifier\n\n"
        "[piiscout.connectors]\nacme = acme_plugins:AcmeConnector\n\n"
        "[piiscout.formats]\nscan.acme = acme_plugins:write\n"
    ), {"acme_plugins": ACME_MODULE})
    ids = [c.id for c in registry.classifier_classes()]
    assert ids[-1] == "ACME-ID"  # no order of its own: after piiscout's classifiers
    engine = Engine(ClassifySettings(ner=False))
    unit = TextUnit(Location("mem://t"), "customer ACME-123456 called")
    assert [d.entity for d in engine.analyze([unit])[0]] == ["ACME_ID"]
    assert type(connector_for("acme://x", Settings())).__name__ == "AcmeConnector"
    assert "acme" in source_kinds()
    from scanner.inventory.sources import uri_root

    assert uri_root("acme://host/a/b") == "acme://HOST"
    from scanner.reports import formats, formatter

    assert formats("scan")["acme"] == "acme_plugins:write"
    assert formatter("acme").__module__ == "acme_plugins"
    rows = json.loads(_cli("classifiers", "list", "--format", "json"))
    assert {r["id"]: r["source"] for r in rows}["ACME-ID"] == "acme_pii 1.0"


def test_a_duplicate_id_fails_naming_both_sources(site: Path) -> None:
    _distribution(site, "acme_dup", "[piiscout.classifiers]\nPII-EMAIL = acme_plugins:X\n",
                  {"acme_plugins": ACME_MODULE})
    with pytest.raises(plugins.PluginError) as info:
        registry.classifier_classes()
    message = str(info.value)
    assert "'PII-EMAIL' is registered twice" in message
    assert "piiscout 0.1.0" in message and "acme_dup 1.0" in message
    assert "classifiers.pii:EmailClassifier" in message and "acme_plugins:X" in message
    result = CliRunner().invoke(__import__("scanner.cli", fromlist=["main"]).main,
                                ["classifiers", "list"])
    assert result.exit_code == 1 and "registered twice" in result.output


def test_a_classifier_that_fails_to_import_is_an_error_naming_it(site: Path) -> None:
    _distribution(site, "acme_broken", "[piiscout.classifiers]\nACME-X = acme_broken_mod:C\n",
                  {"acme_broken_mod": "raise RuntimeError('boom at import')\n"})
    with pytest.raises(plugins.PluginError, match=r"'ACME-X' = 'acme_broken_mod:C' from "
                       r"acme_broken 1.0.*RuntimeError: boom at import"):
        registry.default_classifiers(ClassifySettings(ner=False))


def test_a_classifier_registered_under_another_id_is_refused(site: Path) -> None:
    _distribution(site, "acme_misnamed",
                  "[piiscout.classifiers]\nACME-ID = acme_plugins:MisnamedClassifier\n",
                  {"acme_plugins": ACME_MODULE})
    with pytest.raises(plugins.PluginError, match="has id 'SOMETHING-ELSE'"):
        registry.classifier_classes()


def test_a_connector_missing_its_dependency_says_what_to_install(site: Path) -> None:
    _distribution(site, "acme_ftp", "[piiscout.connectors]\nftp = acme_ftp_mod:Ftp [ftp]\n",
                  {"acme_ftp_mod": "import acme_not_installed_dependency\n"})
    with pytest.raises(ConnectorUnavailable) as info:
        connector_for("ftp://host/x", Settings())
    message = str(info.value)
    assert "'ftp://' targets" in message and "acme_not_installed_dependency" in message
    assert "pip install 'acme_ftp[ftp]'" in message
    rows = json.loads(_cli("connectors", "list", "--format", "json"))
    assert {r["scheme"]: r["available"] for r in rows}["ftp"].startswith("no: ")
    assert "file" in source_kinds()  # policy packs still validate


def test_a_scan_of_an_unavailable_connector_is_a_recorded_error(site: Path) -> None:
    from scanner.pipeline import target_walk

    _distribution(site, "acme_ftp", "[piiscout.connectors]\nftp = acme_ftp_mod:Ftp\n",
                  {"acme_ftp_mod": "import acme_not_installed_dependency\n"})
    walked = list(target_walk("ftp://host/x", Settings()))
    assert len(walked) == 1 and "acme_not_installed_dependency" in walked[0].error.message
