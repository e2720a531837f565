# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Rendering the four files (controller, coordinator, server configs, probe client) from the model."""
from __future__ import annotations

import json
import posixpath

from ansible_collections.pdserve.cluster.plugins.module_utils._motor.constants import (
    CONTROLLER_FILE,
    CONTROLLER_TLS_ITEMS,
    COORDINATOR_FILE,
    COORDINATOR_TLS_ITEMS,
    DEPLOY_MODE,
    PROBE_FILE,
    SERVER_FILE,
)
from ansible_collections.pdserve.cluster.plugins.module_utils._platform import POD_CA_FILE, POD_CERT_FILE, POD_KEY_FILE
from ansible_collections.pdserve.cluster.plugins.module_utils._schema import (
    ConfigError,
    join,
    merge,
)


def _items(cert_dir, component):
    base = posixpath.join(cert_dir, component)
    return {"ca_cert": posixpath.join(base, POD_CA_FILE), "tls_cert": posixpath.join(base, POD_CERT_FILE),
            "tls_key": posixpath.join(base, POD_KEY_FILE), "tls_passwd": posixpath.join(base, "key_pwd.txt"),
            "tls_crl": ""}


def _log_info(m, name, size):
    return {"log_level": m["log"]["level"], "to_file": m["log"]["to_file"], "to_stdout": m["log"]["to_stdout"],
            "run_log_path": "./logs/%s_run_log.txt" % name, "operation_log_path": "./logs/%s_operation_log.txt" % name,
            "max_log_str_size": size, "max_log_file_size": 20, "max_log_file_num": 10}


def _render_controller(m, server_ports):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    coord = m["ports"]["coordinator"]
    first = server_ports[0] if server_ports else m["ports"]["server"]
    switches = {"request_coordinator": tls["coordinator"], "request_server": tls["server"],
                "http_server": tls["controller"], "cluster": tls["cluster"], "etcd_server": False, "ccae": False,
                "alarm": False, "external_coordinator": tls["coordinator"]}
    tls_config = {}
    for name in CONTROLLER_TLS_ITEMS:
        tls_config["%s_tls_enable" % name] = switches[name]
        tls_config["%s_tls_items" % name] = _items(cert_dir, "controller")
    return {
        "allow_all_zero_ip_listening": False,
        "deploy_mode": DEPLOY_MODE[m["deploy_shape"]],
        "initial_dist_server_port": 10000,
        "cluster_port": 8899,
        "process_manager": {"to_file": True, "file_path": "./logs/controller_process_status.json"},
        "cluster_status": {"to_file": True, "file_path": "./logs/cluster_status_output.json"},
        "controller_backup_cfg": {"function_sw": False},
        "global_rank_table_file_path": "./conf/global_rank_table_file.json",
        "cluster_synchronization_seconds": 1,
        "rank_table_detecting_seconds": 5,
        "disappeared_server_waiting_seconds": 7200,
        "default_p_rate": m["default_p_rate"],
        "default_d_rate": m["default_d_rate"],
        "is_heterogeneous": m["deploy_shape"] == "heterogeneous",
        "server_online_attempt_times": 36,
        "server_online_wait_seconds": 5,
        "init_role_attempt_times": 2,
        "check_role_attempt_times": 300,
        "check_role_wait_seconds": 5,
        "mindie_server_control_port": first["management"],
        "mindie_server_port": first["port"],
        "mindie_server_metric_port": first["metrics"],
        "controller_alarm_port": coord["alarm"],
        "mindie_ms_coordinator_port": coord["manage"],
        "node_manager_port": 1028,
        "mindie_ms_coordinator_external_port": coord["external"],
        "http_timeout_seconds": 5,
        "http_retries": 3,
        "role_decision_methods": "digs",
        "digs_request_summary_input_length": 3000,
        "digs_request_summary_output_length": 200,
        "digs_model_config_path": "./conf/model_config/llama2-70B.json",
        "digs_machine_config_path": "./conf/machine_config/800IA2.json",
        "digs_prefill_slo": 1000,
        "digs_decode_slo": 50,
        "model_type": m["model_name"],
        "transfer_type": "D2DTransfer",
        "digs_pp": 1,
        "digs_periodic_role_decision": {"auto_pd_role_switching_enable": False, "role_decision_time_period": 86400,
                                        "tasks_end_wait_seconds": 300},
        "http_server": {"ip": "127.0.0.1", "port": m["ports"]["controller"]["http_server"]},
        "tls_config": tls_config,
        "log_info": _log_info(m, "ms_controller", 8192),
    }


def _render_coordinator(m):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    ports = m["ports"]["coordinator"]
    switches = {"controller_server": tls["coordinator"], "request_server": tls["inference"],
                "mindie_client": tls["server"], "mindie_mangment": tls["server"], "external": tls["coordinator"],
                "status": tls["coordinator"], "etcd_server": False, "alarm_client": False}
    tls_config = {}
    for name in COORDINATOR_TLS_ITEMS:
        tls_config["%s_tls_enable" % name] = switches[name]
        tls_config["%s_tls_items" % name] = _items(cert_dir, "coordinator")
    return {
        "http_config": {
            "allow_all_zero_ip_listening": False,
            "predict_ip": "127.0.0.1", "predict_port": str(ports["predict"]),
            "manage_ip": "127.0.0.1", "manage_port": str(ports["manage"]),
            "alarm_port": str(ports["alarm"]), "external_port": str(ports["external"]),
            "status_port": str(ports["status"]),
            "server_thread_num": 10, "client_thread_num": 10, "http_timeout_seconds": 600,
            "keep_alive_seconds": 180, "server_name": "MindIE-MS", "user_agent": "Coordinator/1.0",
        },
        "request_limit": {"single_node_max_requests": 1000, "max_requests": 10000, "body_limit": 1},
        "metrics_config": {"enable": False, "trigger_size": 100},
        "prometheus_metrics_config": {"reuse_time": 3},
        "exception_config": {"max_retry": 5, "schedule_timeout": 600, "first_token_timeout": 600,
                             "infer_timeout": 600, "tokenizer_timeout": 300},
        "log_info": _log_info(m, "ms_coordinator", 4096),
        "digs_scheduler_config": {"deploy_mode": DEPLOY_MODE[m["deploy_shape"]], "scheduler_type": "digs_scheduler",
                                  "algorithm_type": "load_balance"},
        "string_token_rate": 4.02,
        "tls_config": tls_config,
        "backup_config": {"function_enable": False},
    }


def _render_server(m, ports):
    tls, cert_dir = m["tls"], m["tls"]["cert_dir"]
    server_dir = posixpath.join(cert_dir, "server")
    world = m["p_world_size"]
    prefix = "prefix_cache" in (m.get("features") or [])
    model_config = {"modelInstanceType": "Standard", "modelName": m["model_name"],
                    "modelWeightPath": m["model_weight_path"], "worldSize": world, "cpuMemSize": 5,
                    "npuMemSize": -1, "backendType": "atb", "trustRemoteCode": False, "tp": world}
    schedule = {"templateType": "Standard", "templateName": "Standard_LLM", "cacheBlockSize": 128,
                "maxPrefillBatchSize": 50, "maxPrefillTokens": 8192, "prefillTimeMsPerReq": 150,
                "prefillPolicyType": 0, "decodeTimeMsPerReq": 50, "decodePolicyType": 0, "maxBatchSize": 200,
                "maxIterTimes": 512, "maxPreemptCount": 0, "supportSelectBatch": False,
                "maxQueueDelayMicroseconds": 5000}
    if prefix:
        model_config["plugin_params"] = json.dumps({"plugin_type": "prefix_cache"})
        schedule["enablePrefixCache"] = True
    return {
        "Version": "1.0.0",
        "ServerConfig": {
            "ipAddress": "127.0.0.1", "managementIpAddress": "127.0.0.2",
            "port": ports["port"], "managementPort": ports["management"], "metricsPort": ports["metrics"],
            "allowAllZeroIpListening": False, "maxLinkNum": 1000,
            "httpsEnabled": tls["server"], "fullTextEnabled": False,
            "tlsCaPath": server_dir + "/", "tlsCaFile": [POD_CA_FILE],
            "tlsCert": posixpath.join(server_dir, POD_CERT_FILE), "tlsPk": posixpath.join(server_dir, POD_KEY_FILE),
            "tlsPkPwd": posixpath.join(server_dir, "key_pwd.txt"), "tlsCrlPath": server_dir + "/", "tlsCrlFiles": [],
            "managementTlsCaFile": [POD_CA_FILE], "managementTlsCert": posixpath.join(server_dir, POD_CERT_FILE),
            "managementTlsPk": posixpath.join(server_dir, POD_KEY_FILE),
            "managementTlsPkPwd": posixpath.join(server_dir, "key_pwd.txt"),
            "managementTlsCrlPath": server_dir + "/", "managementTlsCrlFiles": [],
            "inferMode": "dmi",
            "interCommTLSEnabled": tls["inter_comm"], "interCommPort": ports["inter_comm"],
            "interCommTlsCaPath": server_dir + "/", "interCommTlsCaFiles": [POD_CA_FILE],
            "interCommTlsCert": posixpath.join(server_dir, POD_CERT_FILE),
            "interCommPk": posixpath.join(server_dir, POD_KEY_FILE),
            "interCommPkPwd": posixpath.join(server_dir, "key_pwd.txt"),
            "interCommTlsCrlPath": server_dir + "/", "interCommTlsCrlFiles": [],
            "openAiSupport": "vllm", "tokenTimeout": 600, "e2eTimeout": 600, "distDPServerEnabled": False,
        },
        "BackendConfig": {
            "backendName": "mindieservice_llm_engine", "modelInstanceNumber": 1,
            "npuDeviceIds": [list(range(world))], "tokenizerProcessNumber": 8,
            "multiNodesInferEnabled": False, "multiNodesInferPort": 1120, "interNodeTLSEnabled": False,
            "ModelDeployConfig": {"maxSeqLen": 2560, "maxInputTokenLen": 2048, "truncation": False,
                                  "ModelConfig": [model_config]},
            "ScheduleConfig": schedule,
        },
    }


def _render_probe(m):
    return {"tls_enable": m["tls"]["probe"],
            "cert": _items(m["tls"]["cert_dir"], "http_client"),
            "log_info": {"log_level": m["log"]["level"], "to_file": False,
                         "run_log_path": "/var/log/mindie-ms/run/log.txt",
                         "operation_log_path": "/var/log/mindie-ms/operation/log.txt"}}


def server_file_names(m):
    """Names of the server config files of a (normalized) model."""
    if m["deploy_shape"] == "single_container":
        return ["config%d.json" % (i + 1) for i in range(m["p_instances"] + m["d_instances"])]
    return [SERVER_FILE]


def _render_files(m, server_ports, errors):
    files = {CONTROLLER_FILE: _render_controller(m, server_ports), COORDINATOR_FILE: _render_coordinator(m),
             PROBE_FILE: _render_probe(m)}
    names = server_file_names(m)
    for name, ports in zip(names, server_ports):
        files[name] = _render_server(m, ports)
    overrides = m.get("overrides") or {}
    known = set(files) | {SERVER_FILE}
    for name, override in overrides.items():
        if name not in known:
            errors.append(ConfigError(join("overrides", name), "{...}", "is not a rendered file (files: %s)"
                                      % ", ".join(sorted(known))))
    # "config.json" in single container applies to every server file, "configN.json" to one
    for name in sorted(files):
        layers = []
        if name in names and name != SERVER_FILE and isinstance(overrides.get(SERVER_FILE), dict):
            layers.append(overrides[SERVER_FILE])
        if isinstance(overrides.get(name), dict):
            layers.append(overrides[name])
        for layer in layers:
            files[name] = merge(files[name], layer)
    return files
