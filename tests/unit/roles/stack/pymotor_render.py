# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Render the MindIE-PyMotor stack templates without a cluster, the way roles/stack does.

validate_config (module_utils/_pymotor/validate.py) -> pymotor_contract (module_utils/_pymotor/contract.py)
-> base.yaml.j2 + pymotor/configmap.yaml.j2 + the deploy_mode's workload template, rendered
with Ansible's own templar (so Ansible's filters behave as in a play) and parsed into objects.
"""

from __future__ import annotations

import copy
import json
import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.pdserve.cluster.plugins.module_utils import _pymotor
from ansible_collections.pdserve.cluster.plugins.module_utils._pymotor import contract as _pymotor_contract

try:  # ansible-core >= 2.19 renders only trusted template text
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover
    def trust_as_template(text):
        return text

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
TEMPLATES = os.path.join(ROOT, "roles", "stack", "templates")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "configs")
WORKLOADS = {
    "infer_service_set": "pymotor/workloads_iss.yaml.j2",
    "multi_deployment": "pymotor/workloads_deployments.yaml.j2",
    "single_container": "pymotor/workloads_single_container.yaml.j2",
}
CERT_DIR = "/mnt/pdserve-tls"


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


def sandbox_inventory():
    with open(os.path.join(ROOT, "inventories", "sandbox", "group_vars", "all.yml"), encoding="utf-8") as handle:
        inv = yaml.safe_load(handle)
    return copy.deepcopy(inv["pdserve_user_config"]), copy.deepcopy(inv["pdserve_env_config"])


class Rendered:
    def __init__(self, result, contract, objects):
        self.result = result
        self.contract = contract
        self.objects = objects

    def of_kind(self, kind):
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind, name=None):
        found = [o for o in self.of_kind(kind) if name is None or o["metadata"]["name"] == name]
        assert len(found) == 1, (kind, name, [o["metadata"]["name"] for o in self.of_kind(kind)])
        return found[0]

    def configmap(self):
        return self.one("ConfigMap", "motor-config")

    def pods(self):
        """(component, instance index or None, pod template) of every workload rendered."""
        out = []
        for iss in self.of_kind("InferServiceSet"):
            for role in iss["spec"]["template"]["roles"]:
                tmpl = role["spec"]["template"]
                out.append((tmpl["metadata"]["labels"]["app.kubernetes.io/component"], None, tmpl))
        for dep in self.of_kind("Deployment"):
            tmpl = dep["spec"]["template"]
            labels = tmpl["metadata"]["labels"]
            index = labels.get("pdserve.io/instance-index")
            out.append((labels["app.kubernetes.io/component"], None if index is None else int(index), tmpl))
        return out

    def services(self):
        """Every Service the cluster will have, as {name: {"spec", "labels", "component"}}: our
        own Service objects, and those an InferServiceSet's operator creates from a role's
        ``services`` (named <service>-<InferServiceSet>-<service index 0>-<role>)."""
        out = {}
        for svc in self.of_kind("Service"):
            out[svc["metadata"]["name"]] = {"spec": svc["spec"], "labels": svc["metadata"].get("labels") or {}}
        for iss in self.of_kind("InferServiceSet"):
            for role in iss["spec"]["template"]["roles"]:
                for svc in role.get("services") or []:
                    name = "%s-%s-0-%s" % (svc["name"], iss["metadata"]["name"], role["name"])
                    out[name] = {"spec": svc["spec"], "labels": (svc.get("metadata") or {}).get("labels") or {}}
        return out


LABELS = {"app.kubernetes.io/managed-by": "pdserve", "app.kubernetes.io/part-of": "pdserve",
          "pdserve.io/stack": "test"}


def render(user_config, env_config=None, overrides=None, settings=None, cert_dir=CERT_DIR):
    result = _pymotor.validate(user_config, env_config, overrides=overrides, tls_cert_dir=cert_dir)
    assert result.ok, result.messages
    labels = dict(LABELS, **{"app.kubernetes.io/instance": result.derived["job_id"]})
    config = {"user_config": result.user_config, "env_config": result.env_config or {}, "derived": result.derived}
    tls = {"secret_prefix": "pdserve-pki", "tools_configmap": "pdserve-cert-tools", "mount_path": "/mnt/security",
           "cert_dir": cert_dir, "ca_sha256": "ab" * 32}
    contract = _pymotor_contract.build(config, dict({"labels": labels, "tls": tls}, **(settings or {})))
    variables = {"stack_config": config, "stack_contract": contract, "stack_common_labels": labels,
                 "stack_service_account": "unused"}
    objects = []
    for name in ("base.yaml.j2", "pymotor/configmap.yaml.j2", WORKLOADS[result.derived["deploy_mode"]]):
        path = os.path.join(TEMPLATES, name)
        templar = Templar(loader=DataLoader(), variables=variables)
        templar = templar.copy_with_new_env(searchpath=[os.path.dirname(path), TEMPLATES])
        with open(path, encoding="utf-8") as handle:
            text = templar.template(trust_as_template(handle.read()))
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return Rendered(result, contract, objects)
