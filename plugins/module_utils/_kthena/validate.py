# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""The rules of the kthena_mooncake configuration, its derived values and its scale guard
(private API).

Rules, every broken one reported at once with its path, value and rule:

- the inputs' types, ranges and names (:data:`inputs.SPEC`);
- DP x TP of each role equals the NPUs its pod asks for (vLLM-Ascend starts DP x TP workers, one
  per NPU); ``dp_local``, when given, equals DP (``workerReplicas`` is 0: one pod holds every rank);
- ``kv_connector_extra_config.prefill`` / ``.decode``, when given, name the roles' real DP / TP
  (the Mooncake connector pairs ranks by them);
- with hostNetwork, the ports of a pod (``--port``, ``--data-parallel-rpc-port`` and the Mooncake
  handshake ports kv_port .. kv_port + DP x TP - 1 that vLLM-Ascend derives: side_channel_port =
  kv_port + dp_rank x tp_size, handshake_port = side_channel_port + tp_rank) are distinct, and a
  prefill and a decode pod, which may land on one node, share none. Two pods of one role use the
  same ports: every port is a containerPort of the pod, so the scheduler keeps them apart;
- the NIC is an interface of every target node, when their facts are given;
- the scheduler is Volcano (Kthena's gang scheduling needs it; the document's prerequisite).
"""
from __future__ import annotations

from ansible_collections.pdserve.cluster.plugins.module_utils._family import stack_result_problems
from ansible_collections.pdserve.cluster.plugins.module_utils._kthena import inputs, scripts
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import NPU_SCHEDULER
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ABSENT,
    ConfigError,
    Ctx,
    copy_json,
    is_int,
    walk_schema,
)

#: The fields a scale may change (scale.yml): the group count and each role's pod count.
SCALE_FIELDS = ("replicas", "roles.prefill.replicas", "roles.decode.replicas")


class Result:
    """A validated configuration: ``config`` (defaults filled in), ``errors``, ``derived``."""

    __slots__ = ("config", "errors", "derived")

    def __init__(self, config, errors, derived):
        self.config = config
        self.errors = errors
        self.derived = derived


def role_ports(config, role):
    """[(what, port)] a pod of ``role`` listens on (the Mooncake handshake ports one by one)."""
    spec = config["roles"][role]
    out = [("port", spec["port"]), ("dp_rpc_port", spec["dp_rpc_port"])]
    for rank in range(spec["dp"] * spec["tp"]):
        out.append(("kv_port+%d" % rank if rank else "kv_port", spec["kv_port"] + rank))
    return out


def _role_rules(cfg, role, ctx):
    path = "roles.%s" % role
    spec = cfg["roles"][role]
    if not any(ctx.is_bad("%s.%s" % (path, k)) for k in ("dp", "tp", "npus")):
        if spec["dp"] * spec["tp"] != spec["npus"]:
            ctx.err(path + ".npus", spec["npus"],
                    "DP x TP (%d x %d = %d) must equal the NPUs each %s pod asks for"
                    % (spec["dp"], spec["tp"], spec["dp"] * spec["tp"], role))
    local = spec.get("dp_local")
    if local is not None and not ctx.is_bad(path + ".dp"):
        if not is_int(local) or isinstance(local, bool) or local != spec["dp"]:
            ctx.err(path + ".dp_local", local,
                    "must be absent or equal dp (%s): the pod runs every data-parallel rank (workerReplicas 0)"
                    % spec["dp"])
    if not all(is_int(spec.get(k)) for k in ("port", "dp_rpc_port", "kv_port", "dp", "tp")):
        return
    top = spec["kv_port"] + spec["dp"] * spec["tp"] - 1
    if top > 65535:
        ctx.err(path + ".kv_port", spec["kv_port"],
                "the Mooncake handshake ports kv_port .. kv_port + DP x TP - 1 end at %d, above 65535" % top)
        return
    seen = {}
    for what, port in role_ports(cfg, role):
        if port in seen:
            ctx.err("%s.%s" % (path, what.split("+")[0]), port,
                    "%s of the %s pod is %d, which its %s uses too (ports of one pod must differ)"
                    % (what, role, port, seen[port]))
        else:
            seen[port] = what


def _extra_config_rules(cfg, ctx):
    extra = cfg["kv_connector_extra_config"]
    for role in inputs.ROLES:
        given = extra.get(role, ABSENT)
        if given is ABSENT:
            continue
        path = "kv_connector_extra_config.%s" % role
        spec = cfg["roles"][role]
        want = {"dp_size": spec["dp"], "tp_size": spec["tp"]}
        if not isinstance(given, dict):
            ctx.err(path, given, "must be an object {dp_size, tp_size}")
            continue
        for key, value in sorted(given.items()):
            if key not in want:
                ctx.err("%s.%s" % (path, key), value, "unknown key (known keys: dp_size, tp_size)")
            elif value != want[key]:
                ctx.err("%s.%s" % (path, key), value,
                        "must equal the %s role's %s (%d): Mooncake pairs the ranks by it"
                        % (role, key.split("_")[0], want[key]))


def _cross_role_port_rules(cfg, ctx):
    """With hostNetwork a prefill and a decode pod may share a node: no port in common."""
    if not cfg["host_network"]:
        return
    keys = ("port", "dp_rpc_port", "kv_port", "dp", "tp")
    if any(ctx.is_bad("roles.%s.%s" % (r, k)) for r in inputs.ROLES for k in keys):
        return
    prefill = {}
    for what, port in role_ports(cfg, "prefill"):
        prefill.setdefault(port, what)
    clashes = {}
    for what, port in role_ports(cfg, "decode"):
        if port in prefill:
            clashes.setdefault(what.split("+")[0], []).append("%d (the prefill pod's %s)" % (port, prefill[port]))
    for key, ports in sorted(clashes.items()):
        ctx.err("roles.decode.%s" % key, cfg["roles"]["decode"][key],
                "with hostNetwork a prefill and a decode pod may run on one node, so their ports (port, "
                "dp_rpc_port, kv_port .. kv_port + DP x TP - 1) must differ; the decode pod would listen on %s"
                % ", ".join(ports))


def _nic_rules(cfg, node_interfaces, ctx):
    if ctx.is_bad("nic_name"):
        return
    for node, names in sorted((node_interfaces or {}).items()):
        if cfg["nic_name"] not in (names or []):
            ctx.err("nic_name", cfg["nic_name"], "is not a network interface of node %s (it has: %s)"
                    % (node, ", ".join(sorted(names or [])) or "none"))


def _port_name(what):
    """The containerPort name (IANA_SVC_NAME, <= 15 chars) of a port of :func:`role_ports`."""
    if what == "port":
        return "server"
    if what == "dp_rpc_port":
        return "dp-rpc"
    return "kv-%s" % (what.split("+")[1] if "+" in what else "0")


def derive(cfg):
    """What the shared stack steps and the templates read (``_family``'s shape plus our keys)."""
    roles = {}
    for role in inputs.ROLES:
        spec = cfg["roles"][role]
        count = cfg["replicas"] * spec["replicas"]
        roles[role] = {"instances": count, "pods_per_instance": 1, "npus_per_pod": spec["npus"],
                       "total_npus": count * spec["npus"], "node_selector": dict(cfg["node_selector"]), "env": {},
                       "ports": [{"what": w, "port": p, "name": _port_name(w)} for w, p in role_ports(cfg, role)]}
    return {
        # the stack is its namespace, as every pdserve stack (status, logs, uninstall find it by it)
        "job_id": cfg["namespace"], "namespace": cfg["namespace"], "deploy_mode": "model_serving",
        "mode": "model_serving", "roles": roles, "engine_roles": list(inputs.ROLES),
        "node_selector": dict(cfg["node_selector"]), "tls": {"any": False},
        "hardware": {"npu_resource": cfg["npu_resource"]},
        "scripts": {"%s.sh" % role: scripts.script(cfg, role) for role in inputs.ROLES},
        "serve_argv": {role: scripts.serve_argv(cfg, role) for role in inputs.ROLES},
        "kv_connector_extra_config": scripts.kv_extra_config(cfg),
        # the hostPath volumes of every engine pod (node_prepare checks them on the nodes)
        "host_paths": inputs.host_paths(cfg),
        "config": cfg,
    }


def validate(config, node_interfaces=None):
    """Check ``config`` (the role's inputs) against every rule; :class:`Result`."""
    ctx = Ctx()
    cfg = walk_schema(inputs.SPEC, copy_json(config if config is not None else {}), "", ctx, fresh=True)
    if not isinstance(config, dict):
        return Result({}, ctx.errors, {})
    for role in inputs.ROLES:
        _role_rules(cfg, role, ctx)
    _extra_config_rules(cfg, ctx)
    _cross_role_port_rules(cfg, ctx)
    _nic_rules(cfg, node_interfaces, ctx)
    if not ctx.is_bad("scheduler_name") and cfg["scheduler_name"] != NPU_SCHEDULER:
        ctx.err("scheduler_name", cfg["scheduler_name"],
                "must be %s: Kthena gang-schedules a serving group through Volcano's PodGroup" % NPU_SCHEDULER)
    if ctx.errors:
        return Result(cfg, ctx.errors, {})
    derived = derive(cfg)
    problems = stack_result_problems(derived)
    if problems:  # pragma: no cover - a bug of ours, not the user's
        raise AssertionError(problems)
    return Result(cfg, ctx.errors, derived)


def _diff(old, new, path, out):
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff(old.get(key, ABSENT), new.get(key, ABSENT), "%s.%s" % (path, key) if path else key, out)
    elif old != new or type(old) is not type(new):
        out.append((path, old, new))


def scale_guard(baseline, config, allowed=SCALE_FIELDS):
    """Errors for every difference between the deployed configuration ``baseline`` and ``config``
    (both validated) outside ``allowed``; and the differences [(path, old, new)]."""
    diffs = []
    _diff(baseline, config, "", diffs)
    errors = [ConfigError(path, new, "differs from the deployed stack (%s); a scale may change only %s"
                          % ("absent" if old is ABSENT else repr(old), ", ".join(allowed)))
              for path, old, new in diffs if path not in allowed]
    return errors, diffs
