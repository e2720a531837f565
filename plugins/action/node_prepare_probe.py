# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""pdserve.cluster.node_prepare_probe: one command per node, the decisions in the controller.

The task's arguments are checked here against the module's argument spec
(module_utils/_runner/node_prepare_probe.py ``argspec()``); the runner and the module_utils files
it imports go to the node as one program on the interpreter's stdin (plugins/plugin_utils/_remote.py),
without AnsibleModule and without a temporary file. Where the connection cannot feed stdin (see
_remote.py) or the task is async, the module runs the usual way. Either way, with O(stop) the
result fails the task on what the node cannot be prepared with (``stop()``), as the module does.
"""
from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import node_prepare_probe as runner
from ansible_collections.pdserve.cluster.plugins.plugin_utils import _node_prepare_role, _remote, _role_spec
from ansible_collections.pdserve.cluster.plugins.plugin_utils._data import plain

try:  # the interpreter the module would run with (its shebang), discovered as for a module
    from ansible.executor.interpreter_discovery import InterpreterDiscoveryRequiredError, discover_interpreter
    from ansible.executor.module_common import _get_shebang
except ImportError:  # pragma: no cover - another ansible-core: the module runs the usual way
    _get_shebang = None

# Made once in the controller (the strategy loads this class before it forks the task's workers).
PROGRAM = _remote.Program(runner.__name__)
# The checks of the arguments too: ArgumentSpecValidator copies its spec when it is made.
ARGS = ArgumentSpecValidator(runner.argspec())
try:  # and of the node_prepare role's options
    _node_prepare_role.warm()
except OSError:  # pragma: no cover - read (and reported) when the task runs
    pass


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _interpreter(self, task_vars, facts):
        if self._task.delegate_to:
            use_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        else:
            use_vars = task_vars
        remote_is_local = bool(getattr(self._connection, "_remote_is_local", False))
        try:
            return _get_shebang("/usr/bin/python", use_vars, self._templar, remote_is_local=remote_is_local)[1]
        except InterpreterDiscoveryRequiredError as exc:
            found = discover_interpreter(action=self, interpreter_name=exc.interpreter_name,
                                         discovery_mode=exc.discovery_mode, task_vars=use_vars)
            if not self._task.delegate_to:
                facts["discovered_interpreter_%s" % exc.interpreter_name] = found
            return found

    def _direct(self):
        connection = self._connection
        return (_get_shebang is not None and not self._task.async_val and connection.has_pipelining
                and (not connection.become or connection.become.pipelining))

    def _role_args(self, task_vars):
        """The probe's arguments from the node_prepare role's variables (O(from_role))."""
        extra = sorted(set(self._task.args) - {"from_role", "stop"})
        if extra:
            raise AnsibleActionFail("from_role takes the probe's arguments from the node_prepare role's variables;"
                                    " set no other option than stop (set: %s)" % ", ".join(extra))

        # the role's argument spec first, as Ansible's validate_argument_spec task checked it
        # (the collection's playbook imports the role without that task: one worker less per node)
        options = _role_spec.check(_node_prepare_role.ROLE, "main",
                                   lambda name: plain(self._templar.template(task_vars[name])))

        def get(name, *default):
            if name in options:
                return options[name]
            if name not in task_vars:
                if default:
                    return default[0]
                raise AnsibleActionFail("from_role: the variable %s is not defined (from_role is for the"
                                        " pdserve.cluster.node_prepare role's task)" % name)
            return plain(self._templar.template(task_vars[name]))

        def render_dropin(template):
            # the collection's render lookup, as the stack roles render their manifests: the template
            # lookup's text without its deep copy of every variable of the task (most of this
            # action's time per node, measured)
            return lookup_loader.get("pdserve.cluster.render", loader=self._loader, templar=self._templar).run(
                [template], variables=task_vars)[0]

        args = _node_prepare_role.probe_params(get, render_dropin)
        args["stop"] = self._task.args.get("stop", False)
        checked = ARGS.validate(args)
        if checked.error_messages:
            raise AnsibleActionFail("the node_prepare role's variables make invalid probe arguments: %s"
                                    % "; ".join(checked.error_messages))
        return checked.validated_parameters

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.args.get("from_role"):
            params = self._role_args(task_vars)
        else:
            params = self.validate_argument_spec(argument_spec=runner.argspec())[1]
        params = plain(params)
        if not self._direct():
            result.update(self._execute_module(module_name=self._task.resolved_action, module_args=params,
                                               task_vars=task_vars))
            return result
        facts = {}
        interpreter = self._interpreter(task_vars, facts)
        cmd = _remote.command(interpreter)
        environment = self._compute_environment_string()
        if environment:
            cmd = "%s %s" % (environment, cmd)
        res = self._low_level_execute_command(cmd, in_data=PROGRAM.text(params).encode("utf-8"))
        outcome = _remote.parse(res["rc"], res["stdout"], res["stderr"], interpreter)
        if facts:
            outcome.setdefault("ansible_facts", {}).update(facts)
        result.update(outcome)
        if not result.get("failed"):
            reason = runner.stop(params, result)
            if reason:
                result.update(failed=True, msg=reason)
        return result
