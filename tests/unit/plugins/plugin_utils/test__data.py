"""plugin_utils/_data.py: plain() gives plain JSON types, whatever Ansible wrapped them in."""
from __future__ import annotations

from ansible.template import trust_as_template

from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain


def test_plain_returns_plain_types_with_the_same_content():
    value = {"a": [1, 2.5, "x", None, True], "b": {"c": ("d", "e")}}
    out = plain(value)
    assert out == {"a": [1, 2.5, "x", None, True], "b": {"c": ["d", "e"]}}
    assert type(out) is dict and type(out["a"]) is list and type(out["b"]["c"]) is list
    out["a"].append(3)
    assert value["a"] == [1, 2.5, "x", None, True]
    assert plain(None) is None


def test_plain_untags_tagged_strings():
    tagged = trust_as_template("{{ x }}")
    assert type(tagged) is not str
    out = plain({"k": [tagged]})
    assert out == {"k": ["{{ x }}"]} and type(out["k"][0]) is str
