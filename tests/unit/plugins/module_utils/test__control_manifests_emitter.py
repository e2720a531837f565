"""module_utils/_control/manifests.py writes the audit copy with libyaml's emitter: the text is
the one PyYAML's Python emitter gives for the same objects (a steady run rewrites nothing)."""
from __future__ import annotations

import yaml

from ansible_collections.pdserve.cluster.plugins.module_utils._control import manifests

OBJECTS = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "motor-config", "labels": {"a/b": "1"}},
     "data": {"boot.sh": "#!/bin/sh\nset -eu\nexec python3 -m motor \"$@\"\n", "user_config.json": '{"a": [1, 2]}',
              "long": "x" * 300, "yes": "yes", "num": "0123", "empty": "", "unicode": "推理 é", "colon": "a: b",
              "trailing": "line\n\n"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
     "spec": {"replicas": 3, "template": {"spec": {"containers": [
         {"name": "c", "args": ["--port", "8080", "-c", "a\nb"], "env": [{"name": "X", "value": "true"}],
          "resources": {"limits": {"huawei.com/Ascend910": 16, "cpu": 1.5}}}]}}}},
]


def python_emitter_text(objects):
    class Dumper(yaml.SafeDumper):
        pass

    def presenter(dumper, data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, presenter)
    return "---\n" + "---\n".join(yaml.dump(obj, Dumper=Dumper, default_flow_style=False, sort_keys=False, width=120)
                                  for obj in objects)


def test_libyaml_text_is_the_python_emitter_s():
    text = manifests.to_manifests(OBJECTS)
    assert text == python_emitter_text(OBJECTS)
    assert [doc for doc in yaml.safe_load_all(text) if doc] == OBJECTS
