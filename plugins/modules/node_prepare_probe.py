#!/usr/bin/python
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: node_prepare_probe
short_description: Read what node preparation needs from a compute node (read-only)
version_added: 0.1.0
description:
  - Detects the container runtime the kubelet uses, the package manager, the kernel release and
    entropy, active swap, whether haveged is installed.
  - Computes the kubelet config with the requested top-level keys set (every other line kept
    byte for byte) and Docker's C(daemon.json) with C(log-opts) merged in (every other key kept).
  - Checks the model weight path (exists, directory, no symlink anywhere, not a dangerous path)
    and the model folder inside it.
  - Computes the state file the role keeps on the node (RV(state)), the original of everything
    the run is about to change, recorded the first time it changes it and never overwritten.
  - With O(mode=reset), computes from that state file what the role's reset restores (RV(reset)).
  - Never writes anything; supports check mode.
  - The action plugin of the same name checks the arguments in the controller and sends the probe to
    the node as one Python program on the interpreter's stdin (no temporary file, no AnsibleModule
    import), where the connection allows it (as for Ansible's pipelining); elsewhere this module runs.
extends_documentation_fragment:
  - pdserve.cluster.container_runtime
options:
  mode:
    description:
      - C(prepare) probes for the forward path; C(reset) reads the state file and computes the
        restorations (every other option but O(state_path), O(concerns) and O(haveged_path) is
        then ignored).
    type: str
    choices: [prepare, reset]
    default: prepare
  state_path:
    description: The role's state file on the node (JSON); empty records nothing.
    type: path
    default: ''
  concerns:
    description: The concerns this run covers (the role's tags); only they are recorded or reset.
    type: list
    elements: str
    default: [images, npu_network, gpu, entropy, kubelet, container_logs, weights, labels]
  swap_off:
    description: Whether the run comments out fstab swap entries and turns swap off (recorded).
    type: bool
    default: true
  labels:
    description: Node labels the run sets (recorded with their current values from O(node_labels)).
    type: dict
    default: {}
  node_labels:
    description: The Node's current labels in the cluster; null when unknown (nothing recorded).
    type: dict
  node_name:
    description: The node's name in Kubernetes (recorded with the labels).
    type: str
    default: ''
  npu_check:
    description:
      - Also gather what M(pdserve.cluster.npu_facts) gathers (with O(npu_smi_path), O(hccn_tool_path),
        O(hccn_conf_path)), in the same module run, into the fact C(npu) (RV(ansible_facts)); a tool that is missing
        or whose output cannot be parsed is reported in RV(npu_error) instead of failing the probe.
    type: bool
    default: false
  stop:
    description:
      - Fail the task on what the node cannot be prepared with, with the problems as its C(msg) (a
        list), those of RV(problems) for the concerns of O(concerns) (C(runtime) only with C(images) or
        C(container_logs)), then, with O(npu_check), RV(npu_error) (a string) or the NPU facts'
        C(problems) when the network is not ready. The result is returned all the same (register it).
      - Decided in the controller by the action plugin of the same name, from the probe's result.
    type: bool
    default: false
  from_role:
    description:
      - Internal to the P(pdserve.cluster.node_prepare#role) role's probe task. The action plugin of the
        same name makes every other option (O(stop) aside, the only one that may be set with it) from
        the role's variables, in Python, as the role's C(tasks/probe.yml) did in Jinja.
      - Each option templated in the task cost a Jinja compilation in every node's worker.
    type: bool
    default: false
  npu_smi_path:
    description: Name or path of C(npu-smi) (as M(pdserve.cluster.npu_facts)), with O(npu_check).
    type: str
    default: npu-smi
  hccn_tool_path:
    description: Name or path of C(hccn_tool) (as M(pdserve.cluster.npu_facts)), with O(npu_check).
    type: str
    default: hccn_tool
  hccn_conf_path:
    description: The file that persists the device IPs (as M(pdserve.cluster.npu_facts)), with O(npu_check).
    type: path
    default: /etc/hccn.conf

  container_runtime:
    description: Runtime the kubelet uses; C(auto) detects it.
    type: str
    choices: [auto, containerd, docker]
    default: auto
  kubelet_config_path:
    description: The kubelet configuration file (KubeletConfiguration, YAML or JSON).
    type: path
    default: /var/lib/kubelet/config.yaml
  kubeadm_flags_path:
    description: kubeadm's kubelet flags file, read for C(--container-runtime-endpoint).
    type: path
    default: /var/lib/kubelet/kubeadm-flags.env
  kubelet_settings:
    description: Top-level kubelet config keys to set on every node.
    type: dict
    default: {}
  kubelet_containerd_settings:
    description: Top-level kubelet config keys to set on containerd nodes only.
    type: dict
    default: {}
  docker_daemon_json_path:
    description: Docker's daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  docker_log_opts:
    description: C(log-opts) entries merged into daemon.json on Docker nodes only; empty skips.
    type: dict
    default: {}
  gpu_runtime:
    description:
      - Compute the NVIDIA runtime in the configuration of the container runtime the kubelet uses, the
        way C(nvidia-ctk runtime configure) writes it (containerd C(config.toml) versions 2 and 3, or
        Docker's C(daemon.json)); a missing O(nvidia_runtime_path) is a problem (no write at all).
    type: bool
    default: false
  gpu_runtime_default:
    description: Also make the NVIDIA runtime the default runtime (C(default_runtime_name), C(default-runtime)).
    type: bool
    default: false
  nvidia_runtime_path:
    description: The nvidia-container-runtime binary the NVIDIA runtime runs (must exist on the node).
    type: path
    default: /usr/bin/nvidia-container-runtime
  containerd_config_path:
    description: containerd's configuration (containerd nodes, O(gpu_runtime)).
    type: path
    default: /etc/containerd/config.toml
  weight_mount_path:
    description: Host path of the model weights; empty skips the weight checks.
    type: str
    default: ''
  model_dir:
    description: Model folder relative to O(weight_mount_path) that must be present; empty skips.
    type: str
    default: ''
  model_required_files:
    description: Files that must exist inside the model folder.
    type: list
    elements: str
    default: []
  engine_host_paths:
    description:
      - The hostPath volumes a stack's engine pods mount (C(name), C(path), C(type) C(File) or
        C(Directory)); each must exist on the node with that type (else a line in RV(problems)).
      - The node_prepare role passes those of the kthena_mooncake ModelServing (node_prepare_kthena_check).
    type: list
    elements: dict
    default: []
  engine_model_path:
    description:
      - The model folder the engine pods read on the node; it must hold a C(config.json) with
        C(head_dim) (else the problem names the value to add, hidden_size / num_attention_heads).
        Empty skips.
    type: str
    default: ''
  forbidden_paths:
    description: Paths the weight path must not be (after normalisation and symlink resolution).
    type: list
    elements: str
    default: []
  forbidden_trees:
    description: Paths the weight path must be neither equal to nor below.
    type: list
    elements: str
    default: []
  haveged_path:
    description: The haveged executable; its presence means haveged is installed.
    type: path
    default: /usr/sbin/haveged
  proc_path:
    description: Where procfs is mounted (entropy_avail, osrelease, swaps are read below it).
    type: path
    default: /proc
  fstab_path:
    description: The fstab whose active swap entries are reported.
    type: path
    default: /etc/fstab
  check_dirs:
    description: Directories whose existence is reported in RV(dirs) (e.g. where a drop-in goes).
    type: list
    elements: path
    default: []
  files:
    description: Path to wanted content; RV(files_differ) tells which files differ from it.
    type: dict
    default: {}
  services:
    description: systemd units whose enabled / active state is reported in RV(services).
    type: list
    elements: str
    default: []
  image_name:
    description: Image whose presence where the kubelet looks is reported in RV(image_present).
    type: str
    default: ''
author:
  - pdserve.cluster developers (@pdserve)
"""

EXAMPLES = r"""
- name: Probe the node
  pdserve.cluster.node_prepare_probe:
    kubelet_settings:
      syncFrequency: 5s
    docker_log_opts:
      max-size: 500m
      max-file: "3"
    weight_mount_path: /data
  register: probe
"""

RETURN = r"""
ansible_facts:
  description:
    - With O(npu_check), C(npu), the NPU facts as M(pdserve.cluster.npu_facts) returns them (its
      C(npu) and C(ansible_facts.npu)); here only once, as C(ansible_facts.npu), since the result is
      copied back to the controller for every node.
  returned: O(npu_check) and the tools answered
  type: dict
npu_error:
  description: With O(npu_check), why the NPU facts could not be gathered (the message M(pdserve.cluster.npu_facts) fails with).
  returned: O(npu_check) and a tool is missing or its output cannot be parsed
  type: str
runtime:
  description: The container runtime and how it was found.
  returned: always
  type: dict
  sample: {name: containerd, source: "kubelet config containerRuntimeEndpoint"}
pkg_mgr:
  description: Package manager found on the node (apt, dnf, yum, zypper) or C(unknown).
  returned: always
  type: str
kernel:
  description: Kernel release and whether entropy_avail is a constant 256 there (5.18 and later).
  returned: always
  type: dict
  sample: {release: 6.1.0-18-amd64, entropy_constant: true}
entropy_avail:
  description: Value of C(kernel/random/entropy_avail), or null when unreadable.
  returned: always
  type: int
haveged_installed:
  description: Whether the haveged executable exists.
  returned: always
  type: bool
swap:
  description: Active swap areas and fstab swap entries that are not commented out.
  returned: always
  type: dict
kubelet_config:
  description: The kubelet config, its mode and owner, and the computed new content.
  returned: always
  type: dict
docker_daemon_json:
  description: daemon.json, its mode, and the computed new content (Docker nodes only).
  returned: always
  type: dict
gpu_runtime:
  description: The container runtime's configuration with the NVIDIA runtime (O(gpu_runtime)), what changes.
  returned: always
  type: dict
weights:
  description: Weight path checks.
  returned: always
  type: dict
dirs:
  description: For each of O(check_dirs), whether it is an existing directory.
  returned: always
  type: dict
files_differ:
  description: For each of O(files), whether the file's content differs (a missing file differs).
  returned: always
  type: dict
services:
  description: For each of O(services), C(enabled) and C(active) booleans; empty without systemctl.
  returned: always
  type: dict
image_present:
  description: Whether O(image_name) is where the kubelet looks; null when not asked or unknown.
  returned: always
  type: bool
problems:
  description: Problems found per concern (C(runtime), C(kubelet), C(container_logs), C(weights)), for the
    engine pods (C(engine), each line naming the node, the path and the rule) and with the state file (C(state)).
  returned: O(mode=prepare)
  type: dict
todo:
  description:
    - What the node_prepare role would change on this node, in the order its tasks run (C(state file),
      C(nvidia runtime), C(haveged), C(entropy reading), C(kubelet config), C(swap), C(docker log-opts),
      C(image), C(labels)), for the concerns of O(concerns) only; empty when the node is as wanted.
    - C(entropy reading) is there on every run on kernels before 5.18 (the role reads and judges the
      entropy after haveged runs); C(labels) when O(labels) differ from O(node_labels) or the Node was not read.
  returned: O(mode=prepare)
  type: list
  elements: str
  sample: [state file, haveged, kubelet config]
state:
  description: The state file, whether this run must write it and its new content (originals
    recorded for what the run changes; C(new_content) null when nothing changes).
  returned: O(mode=prepare)
  type: dict
  sample: {path: /var/lib/pdserve/node_prepare.json, needs_write: true, parent_exists: false, new_content: "{...}"}
reset:
  description:
    - What reset restores, per concern, from the state file; C(recorded) false when the node holds
      no state (never prepared, or reset already), and then nothing is restored.
    - C(kubelet_config), C(docker_daemon_json), C(fstab) carry C(needs_write) and C(new_content)
      (and C(remove) for daemon.json); C(haveged) the drop-in action (C(remove), C(restore),
      C(none)) and whether the role installed it; C(images) the references the role added;
      C(labels) the values the role set and those before; C(state) what is left of the state file.
  returned: O(mode=reset)
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pdserve.cluster.plugins.module_utils._runner import node_prepare_probe as runner


def main():
    module = AnsibleModule(argument_spec=runner.argspec(), supports_check_mode=True)
    result = runner.execute(module.params, module.run_command, module.get_bin_path)
    reason = runner.stop(module.params, result)
    if reason:
        module.fail_json(msg=reason, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
