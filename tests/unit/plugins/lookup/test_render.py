# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The render lookup: the same text as ansible.builtin.template (the oracle) for templates that
include others, loop, and carry backslashes, without copying the variables."""
from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar


def lookups(variables):
    init_plugin_loader()
    loader = DataLoader()
    templar = Templar(loader=loader, variables=variables)
    return (lookup_loader.get("pdserve.cluster.render", loader=loader, templar=templar),
            lookup_loader.get("ansible.builtin.template", loader=loader, templar=templar))


@pytest.fixture
def play(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "main.yaml.j2").write_text(
        "kind: ConfigMap\n"
        "metadata: {name: {{ name }}}\n"
        "data:\n"
        "{% for key, value in data.items() | sort %}\n"
        "  {{ key }}: {{ value | to_json }}\n"
        "{% endfor %}\n"
        "{% include 'part.j2' %}\n")
    (tmp_path / "templates" / "part.j2").write_text("pattern: '\\d+\\.\\d+' # {{ name | upper }}\n")
    (tmp_path / "other.j2").write_text("{{ name }}\n\n")
    return {"name": "stack", "data": {"b": [1, 2], "a": "x\\y"}, "ansible_search_path": [str(tmp_path)]}


def test_same_text_as_the_builtin_template_lookup(play, tmp_path):
    render, builtin = lookups(play)
    terms = ["main.yaml.j2", str(tmp_path / "other.j2")]
    assert render.run(terms, variables=play) == builtin.run(terms, variables=play)
    text = render.run(["main.yaml.j2"], variables=play)[0]
    assert "  a: \"x\\\\y\"\n  b: [1, 2]\n" in text and "pattern: '\\d+\\.\\d+' # STACK\n" in text
    assert render.run([str(tmp_path / "other.j2")], variables=play) == ["stack\n\n"]


def test_variables_are_read_in_place_and_left_as_they_were(play):
    before = copy.deepcopy(play)
    render, _ = lookups(play)
    render.run(["main.yaml.j2"], variables=play)
    assert play == before and "template_path" not in play and "ansible_managed" not in play


def test_a_missing_file_is_named(play):
    render, _ = lookups(play)
    with pytest.raises(AnsibleError, match="the template file nowhere.j2 could not be found"):
        render.run(["nowhere.j2"], variables=play)
