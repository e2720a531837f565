#!/usr/bin/env python3
# TEST-ONLY stand-in for upstream's examples/deployer/startup/hccl_tools.py, installed in the
# sandbox image pdserve/motor-runtime at /tmp/motor/examples/deployer/startup/ (pdserve's
# default pdserve_upstream_scripts_dir, a GUESS from the vendor document). NOT part of the product.
#
# The real script builds the instance's hccl.json from hccn_tool / npu-smi on an Ascend host.
# The sandbox's real node has no NPUs (no device plugin, no ASCEND_VISIBLE_DEVICES), so this one
# writes the ranktable shape of ../shared/reference/facts.md ("HCCL ranktables") for this pod:
# container_ip = POD_IP, devices = ASCEND_VISIBLE_DEVICES if set, else as many as the role's
# engine needs (tensor x pipeline x data parallel sizes in $USER_CONFIG_PATH), device IPs
# 192.0.2.<n> (documentation range). 3.0.0b2's node manager reads container_ip and the device
# count only (motor/config/node_manager.py _update_from_hccl_data).
import argparse
import json
import os


def device_count():
    visible = os.environ.get("ASCEND_VISIBLE_DEVICES", "").strip()
    if visible:
        return len([d for d in visible.split(",") if d.strip()])
    role = {"both": "union"}.get(os.environ.get("ROLE", ""), os.environ.get("ROLE", ""))
    try:
        with open(os.environ["USER_CONFIG_PATH"], encoding="utf-8") as f:
            ec = json.load(f)["motor_engine_%s_config" % role]["engine_config"]
        return (int(ec.get("tensor_parallel_size", 1)) * int(ec.get("pipeline_parallel_size", 1))
                * int(ec.get("data_parallel_size", 1)))
    except (KeyError, OSError, ValueError):
        return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hccl_path", required=True)
    args, _ = ap.parse_known_args()
    ip = os.environ.get("POD_IP", "127.0.0.1")
    devices = [{"device_id": str(i), "device_ip": "192.0.2.%d" % (i + 1), "rank_id": str(i)}
               for i in range(device_count())]
    table = {"version": "1.0", "status": "completed", "server_count": "1",
             "server_list": [{"server_id": ip, "container_ip": ip, "device": devices}]}
    with open(args.hccl_path, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=2)
    print("hccl_tools.py stand-in: wrote %s (%d devices, container_ip %s)" % (args.hccl_path, len(devices), ip))


if __name__ == "__main__":
    main()
