# TEST-ONLY adapter for the sandbox image pdserve/motor-runtime. NOT part of the product.
#
# pdserve renders the contract of the CURRENT upstream MindIE-PyMotor (what its deployer
# deploy.py gives pods). The only runtime on PyPI, mindie-motor==3.0.0b2, is older and reads two
# things differently in its node manager (motor/config/node_manager.py, motor/common/resources/
# instance.py PDRole). This module, loaded from a .pth file at interpreter start, bridges them for
# the node manager process only (python3 -m motor.node_manager.main), so that the end-to-end test
# runs the real 3.0.0b2 programs in the pods pdserve renders:
#
# 1. ROLE=union (current upstream's hybrid role) -> ROLE=both (3.0.0b2's PDRole.ROLE_U).
# 2. Management TLS: 3.0.0b2's node manager reads mgmt_tls_config only when the user config has
#    a top-level "motor_nodemanger_config" (the old format), and then also needs
#    motor_engine_prefill_config.model_config.{model_name, prefill_parallel_config} and
#    motor_engine_decode_config.model_config.decode_parallel_config. With the current format it
#    runs its API and its calls to the controller on plain HTTP while the controller and the
#    coordinator serve HTTPS. The adapter writes an old-format copy of $USER_CONFIG_PATH (the
#    original's keys kept, the old ones added from engine_config) next to it and points
#    USER_CONFIG_PATH at the copy. The node manager passes that path on to the engine server
#    (--config-path), which reads motor_deploy_config.tls_config from it as before.
#
# Anything else (controller, coordinator, probe.py, the engine stand-in) is left alone. Errors
# are printed and the process continues unadapted (the test then fails on what 3.0.0b2 does).
import json
import os
import sys

ADAPTED_NAME = "user_config.nodemanager-3.0.0b2.json"
ENGINE_SECTIONS = ("motor_engine_prefill_config", "motor_engine_decode_config", "motor_engine_union_config")


def _is_node_manager():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return b"motor.node_manager.main" in argv


def _parallel(engine_config):
    ec = engine_config or {}
    return {"dp_size": int(ec.get("data_parallel_size", 1)), "tp_size": int(ec.get("tensor_parallel_size", 1)),
            "pp_size": int(ec.get("pipeline_parallel_size", 1)), "dp_rpc_port": ec.get("data_parallel_rpc_port", 9000)}


def old_format(cfg):
    """The current-format user config plus the old-format keys 3.0.0b2's node manager reads."""
    out = json.loads(json.dumps(cfg))
    out.setdefault("motor_nodemanger_config", {})
    for sec in ENGINE_SECTIONS:
        if sec not in out:
            continue
        ec = out[sec].get("engine_config") or {}
        mc = out[sec].setdefault("model_config", {})
        mc.setdefault("model_name", ec.get("served_model_name", ""))
        mc.setdefault("prefill_parallel_config", _parallel(ec))
        mc.setdefault("decode_parallel_config", _parallel(ec))
    if "motor_engine_prefill_config" not in out and "motor_engine_union_config" in out:
        # hybrid: 3.0.0b2 takes the model name from the prefill section whatever the role
        out["motor_engine_prefill_config"] = {"model_config": out["motor_engine_union_config"]["model_config"]}
    return out


def adapt():
    if not _is_node_manager():
        return
    if os.environ.get("ROLE") == "union":
        os.environ["ROLE"] = "both"
        print("pdserve 3.0.0b2 adapter: ROLE union -> both", file=sys.stderr)
    src = os.environ.get("USER_CONFIG_PATH")
    if not src or not os.path.isfile(src) or os.path.basename(src) == ADAPTED_NAME:
        return
    with open(src, encoding="utf-8") as f:
        cfg = json.load(f)
    if "motor_nodemanger_config" in cfg and all(
            "model_config" in cfg[s] for s in ENGINE_SECTIONS if s in cfg):
        return
    dst = os.path.join(os.path.dirname(src), ADAPTED_NAME)
    tmp = dst + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(old_format(cfg), f, indent=2)
    os.chmod(tmp, 0o640)
    os.chown(tmp, os.getuid(), os.getgid())  # motor's safe_open wants the process's owner and group
    os.replace(tmp, dst)
    os.environ["USER_CONFIG_PATH"] = dst
    print("pdserve 3.0.0b2 adapter: node manager reads %s (old-format copy of %s)" % (dst, src), file=sys.stderr)


try:
    adapt()
except Exception as exc:  # noqa: BLE001 - never stop the program: the test shows what 3.0.0b2 does
    print("pdserve 3.0.0b2 adapter: not adapted: %r" % (exc,), file=sys.stderr)
