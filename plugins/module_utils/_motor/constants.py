# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Facts of MindIE Motor's PD disaggregation document and of the program's own checks (the
four files, shapes, limits, TLS switches, environment variables). Platform facts (hardware,
labels, resources) live in ``_platform``."""
from __future__ import annotations

import re

from ansible_collections.pdserve.cluster.plugins.module_utils._platform import (
    HW_A2,
    HW_A3,
)


SHAPES = ("multi_machine", "single_container", "heterogeneous")
CONTROLLER_FILE = "ms_controller.json"
COORDINATOR_FILE = "ms_coordinator.json"
SERVER_FILE = "config.json"
PROBE_FILE = "http_client_ctl.json"
#: deploy_mode of ms_controller.json / ms_coordinator.json per shape (doc, steps 2 and 3)
DEPLOY_MODE = {"multi_machine": "pd_separate", "heterogeneous": "pd_separate",
               "single_container": "pd_disaggregation_single_container"}
#: hardware_type the controller reads in heterogeneous mode (doc: exactly these strings)
HETERO_HARDWARE_TYPE = {"prefill": "800I A2(32G)", "decode": "800I A2(64G)"}
#: the global ranktable holds at most 96 servers (doc, table 4 of the multi-machine section)
MAX_SERVERS = 96
#: device list of one server: 1..128 entries (doc, table 4)
MAX_WORLD_SIZE = 128
#: ms_controller.json default_p_rate / default_d_rate: 0..767 each, sum <= 768 (upstream)
MAX_RATE = 767
MAX_RATE_SUM = 768
PORT_MIN = 1024  # upstream: MindIE Motor rejects ports below 1024
PORT_MAX = 65535
NODE_PORT_RANGE = (30000, 32767)
LOG_LEVELS = ("CRITICAL", "ERROR", "WARN", "INFO", "DEBUG")  # doc: MINDIE_LOG_LEVEL
#: features the document names in its limits; which shape forbids which (doc, 限制与约束)
FEATURES = ("prefix_cache", "multi_lora", "parallel_decoding", "split_fuse", "function_call",
            "multi_node_inference", "long_sequence", "sparse_quantization", "kv_cache_int8")
FORBIDDEN_FEATURES = {
    "multi_machine": ("multi_lora", "parallel_decoding", "split_fuse", "prefix_cache", "function_call",
                      "multi_node_inference", "long_sequence", "sparse_quantization", "kv_cache_int8"),
    "single_container": ("sparse_quantization", "kv_cache_int8"),
}
FORBIDDEN_FEATURES["heterogeneous"] = FORBIDDEN_FEATURES["multi_machine"]
#: shapes each hardware supports (doc: single machine A2 and A3, multi machine A2 only)
SHAPE_HARDWARE = {"multi_machine": (HW_A2,), "heterogeneous": (HW_A2,),
                  "single_container": (HW_A2, HW_A3)}

# TLS channels of the model -> the switches they set in the four files.
# (file, dotted path) pairs; "config" means every server config file.
TLS_CHANNELS = ("server", "inter_comm", "coordinator", "inference", "controller", "cluster", "probe")
TLS_SWITCHES = {
    # MindIE Server REST interfaces (port + managementPort) and their clients
    "server": (("config", "ServerConfig.httpsEnabled"),
               (CONTROLLER_FILE, "tls_config.request_server_tls_enable"),
               (COORDINATOR_FILE, "tls_config.mindie_client_tls_enable"),
               (COORDINATOR_FILE, "tls_config.mindie_mangment_tls_enable")),
    # P <-> D traffic between server instances (interCommPort)
    "inter_comm": (("config", "ServerConfig.interCommTLSEnabled"),),
    # the coordinator's management side and the controller calling it
    "coordinator": ((COORDINATOR_FILE, "tls_config.controller_server_tls_enable"),
                    (CONTROLLER_FILE, "tls_config.request_coordinator_tls_enable"),
                    (COORDINATOR_FILE, "tls_config.external_tls_enable"),
                    (CONTROLLER_FILE, "tls_config.external_coordinator_tls_enable"),
                    (COORDINATOR_FILE, "tls_config.status_tls_enable")),
    # the inference entry users call (NodePort 31015 -> predict port)
    "inference": ((COORDINATOR_FILE, "tls_config.request_server_tls_enable"),),
    # the controller's own HTTP server
    "controller": ((CONTROLLER_FILE, "tls_config.http_server_tls_enable"),),
    # the controller talking to ClusterD
    "cluster": ((CONTROLLER_FILE, "tls_config.cluster_tls_enable"),),
    # the probe client of every pod
    "probe": ((PROBE_FILE, "tls_enable"),),
}
# Pairs of switches that are the two ends of one connection: they must agree in the files.
TLS_PAIRS = (
    ("server", (("config", "ServerConfig.httpsEnabled"),
                (CONTROLLER_FILE, "tls_config.request_server_tls_enable"),
                (COORDINATOR_FILE, "tls_config.mindie_client_tls_enable"),
                (COORDINATOR_FILE, "tls_config.mindie_mangment_tls_enable"))),
    ("coordinator", ((COORDINATOR_FILE, "tls_config.controller_server_tls_enable"),
                     (CONTROLLER_FILE, "tls_config.request_coordinator_tls_enable"))),
    ("coordinator", ((COORDINATOR_FILE, "tls_config.external_tls_enable"),
                     (CONTROLLER_FILE, "tls_config.external_coordinator_tls_enable"))),
    # the probe client has one switch for the servers and the controller it probes (doc step 5)
    ("probe", ((PROBE_FILE, "tls_enable"),
               ("config", "ServerConfig.httpsEnabled"),
               (CONTROLLER_FILE, "tls_config.http_server_tls_enable"))),
)
# Certificate item blocks: (file, enable switch, items key) for the MindIE Motor files.
CONTROLLER_TLS_ITEMS = ("request_coordinator", "request_server", "http_server", "cluster", "etcd_server",
                        "ccae", "alarm", "external_coordinator")
COORDINATOR_TLS_ITEMS = ("controller_server", "request_server", "mindie_client", "mindie_mangment", "external",
                         "status", "etcd_server", "alarm_client")

_FAMILY_RE = re.compile(r"llama-?3|qwen-?2", re.IGNORECASE)

#: environment variables with a range the document states (table 3 / the yaml fields)
ENV_INT_RANGES = {
    "MINDIE_DECODE_BATCH_SIZE": (1, 5000),
    "MINDIE_MAX_SEQ_LEN": (1, 4294967295),
    "HCCL_RDMA_RETRY_CNT": (1, 7),
    "HCCL_RDMA_TIMEOUT": (5, 20),
    "HCCL_EXEC_TIMEOUT": (0, 2147483647),
    "MINDIE_MS_P_RATE": (0, MAX_RATE),
    "MINDIE_MS_D_RATE": (0, MAX_RATE),
}
ENV_BOOL = ("MINDIE_LOG_TO_FILE", "MINDIE_LOG_TO_STDOUT", "MINDIE_ENDPOINT_HTTPS_ENABLED",
            "MINDIE_INTER_COMM_TLS_ENABLED", "MINDIE_MS_GEN_SERVER_PORT")
ENV_ENUM = {"MINDIE_LOG_LEVEL": LOG_LEVELS, "MINDIE_INFER_MODE": ("dmi",),
            "HCCL_OP_EXPANSION_MODE": ("AI_CPU", "AIV", "HOST", "HOST_TS")}
#: set by render() from the model; the user sets them through the model, not through env
ENV_OWNED = {"MINDIE_MS_GEN_SERVER_PORT": "ports.servers", "MINDIE_ENDPOINT_HTTPS_ENABLED": "tls.server",
             "MINDIE_INTER_COMM_TLS_ENABLED": "tls.inter_comm", "MINDIE_LOG_LEVEL": "log.level",
             "MINDIE_LOG_TO_FILE": "log.to_file", "MINDIE_LOG_TO_STDOUT": "log.to_stdout"}
