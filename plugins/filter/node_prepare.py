# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The node_prepare role's file rules for its Jinja (module_utils/_node_prepare/edit.py is their one home)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: node_prepare
short_description: The node_prepare role's file rules for its tasks
version_added: 0.1.0
description:
  - C(fstab_swap_off) returns a part of the rule that keeps swap off after a reboot, for
    M(ansible.builtin.replace) on C(/etc/fstab) - C(regexp) (a live swap entry) or C(replace) (the
    entry commented out, with the marker node_prepare's reset looks for to uncomment it again).
  - C(node_prepare_play_vars) gives the role's variables of every host of the play at once, for tasks run
    once, as C(hostvars | node_prepare_play_vars(hosts, inventory_hostname, values, defaults)), with C(values)
    the variables as the calling task sees them (role parameters included) and C(defaults) the role's defaults.
  - C(node_prepare_play_names) gives the names of the role's options whose default is a value, not a template,
    the ones C(node_prepare_play_vars) can give for every host.
  - C(node_prepare_on), C(node_prepare_node_labels), C(node_prepare_dropin_path) give the role's derived values
    (the concerns a run covers from C(ansible_run_tags) and C(ansible_skip_tags), the labels with the hardware type,
    the haveged drop-in's path) as its probe's action computes them (plugins/plugin_utils/_node_prepare_role.py).
  - C(node_prepare_input_errors) checks them, against the role's argument spec (its types and choices) and then the
    rules of module_utils/_node_prepare/inputs.py, and lists every broken rule, once when every host breaks it the
    same way, else with the host's name.
author:
  - pdserve.cluster developers
"""

from ansible_collections.pdserve.cluster.plugins.module_utils._node_prepare import edit, inputs
from ansible_collections.pdserve.cluster.plugins.plugin_utils import _node_prepare_role
from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain


def fstab_swap_off(part):
    """``regexp`` or ``replace`` of the fstab swap-off rule."""
    rule = {"regexp": edit.FSTAB_SWAP_LINE, "replace": edit.FSTAB_SWAP_OFF}
    if part not in rule:
        raise ValueError("fstab_swap_off: %r is neither 'regexp' nor 'replace'" % (part,))
    return rule[part]


def _get(own, name, default):
    try:
        return plain(own[name])
    except KeyError:  # not set outside the role (hostvars shows no role defaults)
        return default


def node_prepare_play_vars(hostvars, hosts, current, values, defaults):
    """``{host: {name: value}}`` of the role's variables named in ``values`` for every host of
    ``hosts``. ``values`` are the variables as the calling task sees them on host ``current``,
    ``defaults`` the role's defaults; ``hostvars`` gives the other hosts' values, where a host's own
    value wins over the default. A variable whose value in the task is neither (a role parameter or
    the role's vars, which hostvars does not show) has that value on every host."""
    values = plain(dict(values))
    own = {host: hostvars[host] for host in hosts}  # each host's variables are computed once
    if current not in own:
        own[current] = hostvars[current]
    role_level = [name for name in values if values[name] != _get(own[current], name, defaults.get(name))]
    return {host: {name: values[name] if name in role_level else _get(own[host], name, defaults.get(name))
                   for name in values}
            for host in hosts}


def node_prepare_play_names(defaults):
    """The role's options (meta/argument_specs.yml) whose default in ``defaults`` is a value, not a
    template: those ``node_prepare_play_vars`` can give for every host (hostvars shows no role
    defaults; a templated one would have to be templated for each host)."""
    return [name for name in _node_prepare_role.role_options()
            if name in defaults and not (isinstance(defaults[name], str) and "{{" in defaults[name])]


def node_prepare_input_errors(per_host):
    """Every broken input rule of every host (``node_prepare_play_vars``), as ``inputs.merge`` lists them. The
    role's argument spec first (types, choices: what Ansible's validate_argument_spec task checks, the
    collection's playbook imports the role without it); a host whose values break it is not checked
    against the rules, which expect the spec's types."""
    per_host = plain(per_host)  # not Ansible's lazy containers, which the validator would copy deeply
    spec = {host: _node_prepare_role.spec_errors(values) for host, values in per_host.items()}
    rules = {host: [] if spec[host] else inputs.errors(values) for host, values in per_host.items()}
    return inputs.merge(spec) + inputs.merge(rules)


class FilterModule:
    def filters(self):
        return {"node_prepare_on": _node_prepare_role.concerns_on, "node_prepare_node_labels": _node_prepare_role.node_labels,
                "node_prepare_dropin_path": _node_prepare_role.dropin_path,
                "fstab_swap_off": fstab_swap_off, "node_prepare_input_errors": node_prepare_input_errors,
                "node_prepare_play_names": node_prepare_play_names, "node_prepare_play_vars": node_prepare_play_vars}
