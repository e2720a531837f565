# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Render template files with the play's variables as they are (no copy)."""
from __future__ import annotations

DOCUMENTATION = r"""
---
name: render
short_description: Render template files with the task's variables, without copying them
version_added: 0.2.0
description:
  - Returns each named template file rendered with the variables the task sees, as
    C(ansible.builtin.template) does (the same search for the file, the same search path for
    C(include) and C(import), that is the file's folder, then each role and play folder's
    C(templates) and the folder itself), with backslashes left as written.
  - Unlike C(ansible.builtin.template), it does not deep-copy every variable of the host for each
    file, and it adds no C(template_*) or C(ansible_managed) variables. The stack roles render
    their manifests with it (roles/stack/tasks/render.yml); on the PD hybrid no-op rerun the copies
    took about 0.5 s of CPU (docs/speed.md).
  - Templates must not change the variables they read (no C(append) or C(update) on them), as
    they see the play's own objects.
options:
  _terms:
    description: Template file names, relative to the role's or the play's C(templates) folder, or absolute paths.
    required: true
    type: list
    elements: str
author:
  - pdserve.cluster developers (@pdserve)
"""

EXAMPLES = r"""
- name: Render the shared objects
  ansible.builtin.set_fact:
    objects: "{{ lookup('pdserve.cluster.render', 'base.yaml.j2') | ansible.builtin.from_yaml_all | list }}"

- name: Render several files, one string each
  ansible.builtin.set_fact:
    texts: "{{ query('pdserve.cluster.render', 'a.yaml.j2', 'b.yaml.j2') }}"
"""

RETURN = r"""
_raw:
  description: Each file rendered, in the order given.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.template import trust_as_template


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        base = []
        for path in variables.get("ansible_search_path", []):
            base += [os.path.join(path, "templates"), path]
        out = []
        for term in terms:
            found = self.find_file_in_search_path(variables, "templates", term)
            if not found:
                raise AnsibleError("the template file %s could not be found for the lookup" % term)
            text = trust_as_template(self._loader.get_text_file_contents(found))
            templar = self._templar.copy_with_new_env(available_variables=variables,
                                                      searchpath=[os.path.dirname(found)] + base)
            out.append(templar.template(text, escape_backslashes=False, preserve_trailing_newlines=True))
        return out
