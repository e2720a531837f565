#!/usr/bin/env python3
# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""TEST-ONLY STAND-IN for the MindIE Motor (C++) programs, which need Ascend NPUs.

One file, installed under each program's name in the sandbox image pdserve/motor-runtime
(tools/sandbox/images/build); what it does depends on the name it is started as:

=========================================  ==========================  =====================
program                                    current generation (PATH)   older generation
=========================================  ==========================  =====================
controller                                 mindie_motor_controller     <install>/bin/ms_controller
coordinator                                mindie_motor_coordinator    <install>/bin/ms_coordinator
server daemon                              mindie_llm_server           <install>/bin/mindieservice_daemon
probe client (``probe.sh`` runs it)        <install>/bin/http_client_ctl (both)
=========================================  ==========================  =====================

What each stand-in does is what the real program does before it serves anything, read from the
public sources of Ascend/MindIE-Motor (``mindie_motor/src``); nothing of theirs is copied:

- The file checks of ``http_client_ctl/common/Util.cpp`` (``PathCheck`` / ``FileToBuffer``) on
  every file the program is pointed at: path at most 256 characters of ``[A-Za-z0-9_./~-]``
  without ``..``; the file itself not a symbolic link (checked always, also with the permission
  check off); a regular file of at most 101 MiB; no permission bit above the allowed mode; owned
  by the process's user. The allowed modes: 0640 for the configuration files
  (``ControllerConfig::Init``, ``Configure::Init``, ``http_client_ctl/main.cpp``) and the global
  ranktable (``RankTableLoader::LoadRankTable``); 0400 for the CA, certificate, key and key
  password files (``HttpServer.cpp``, ``HttpClientAsync.cpp``, ``KmcDecryptor.cpp``).
  ``MINDIE_CHECK_INPUTFILES_PERMISSION=0`` turns the mode and owner checks off for files named
  by an environment variable (the symbolic-link check stays), as upstream.
- Where the files come from: ``MINDIE_MS_CONTROLLER_CONFIG_FILE_PATH``,
  ``MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH``, ``MINDIE_UTILS_HTTP_CLIENT_CTL_CONFIG_FILE_PATH``,
  ``GLOBAL_RANK_TABLE_FILE_PATH`` (else the controller file's ``global_rank_table_file_path``),
  the TLS items of every enabled ``*_tls_enable`` switch; the server: ``--config-file FILE``
  (current generation) or ``MIES_CONFIG_JSON_PATH`` (older generation; a guess, the MindIE-LLM
  sources were not read), then its ``tls*`` / ``managementTls*`` / ``interComm*`` files.
- Where it listens: controller ``POD_IP`` (else ``http_server.ip``) : ``http_server.port``;
  coordinator ``argv[1]`` / ``argv[2]`` (else ``predict_ip`` / ``manage_ip``) on
  ``predict_port``, ``manage_port`` and ``status_port``; server ``MIES_CONTAINER_IP`` (else
  ``ipAddress``) : ``port`` and ``MIES_CONTAINER_MANAGEMENT_IP`` (else ``managementIpAddress``)
  : ``managementPort`` (that the server reads these two variables is a guess from upstream's
  boot.sh, which sets them). HTTPS with the configured key (its password from the password
  file) where the matching switch is on, client certificates verified against the CA.
- What it answers (GET, 200 ``{"status": "ok", "standin": true}``): controller ``/v1/startup``,
  ``/v1/health``; coordinator status port ``/v1/startup``, ``/v1/readiness``, ``/v1/health``;
  server management port ``/v2/health/ready``. The controller answers ``/v1/startup`` only once
  its global ranktable says ``completed``. It computes nothing.
- ``http_client_ctl IP PORT URL [TIMEOUT] [RETRIES]``: GET, exit 0 on 200, else 1.

A refused file ends the program with exit code 1 and one line per refused file on stderr,
``<program> stand-in: refused <path>: <rule>``. Python standard library only.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import ssl
import stat
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG_MODE = 0o640
SECRET_MODE = 0o400
MAX_SIZE = 101 * 1024 * 1024
MAX_PATH = 256
PATH_RE = re.compile(r"^(?!.*\.\.)[a-zA-Z0-9_./~-]+$")
CHECK_ENV = "MINDIE_CHECK_INPUTFILES_PERMISSION"

PROGRAMS = {
    "mindie_motor_controller": "controller", "ms_controller": "controller",
    "mindie_motor_coordinator": "coordinator", "ms_coordinator": "coordinator",
    "mindie_llm_server": "server", "mindieservice_daemon": "server",
    "http_client_ctl": "probe",
}


class Refused(Exception):
    """One or more files failed the checks (the message lists them)."""


def check_file(path, mode, check=True):
    """The checks of Util.cpp's PathCheck on one file: [] when accepted, else the reasons."""
    if not isinstance(path, str) or not path:
        return ["no path given"]
    if len(path) > MAX_PATH:
        return ["path longer than %d characters" % MAX_PATH]
    if not PATH_RE.match(path):
        return ["path has characters outside [A-Za-z0-9_./~-] or '..'"]
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ["does not exist"]
    except OSError as exc:
        return ["cannot stat: %s" % exc]
    if stat.S_ISLNK(st.st_mode):
        return ["is a symbolic link, which is not allowed"]
    if not stat.S_ISREG(st.st_mode):
        return ["is not a regular file"]
    errors = []
    if check:
        current = stat.S_IMODE(st.st_mode)
        if current | mode != mode:
            errors.append("mode %04o is above the allowed %04o" % (current, mode))
    if st.st_size > MAX_SIZE:
        errors.append("larger than %d bytes" % MAX_SIZE)
    if check and st.st_uid != os.getuid():
        errors.append("owned by uid %d, not by the process user (uid %d)" % (st.st_uid, os.getuid()))
    return errors


class Checker:
    """Collects every refused file of one program, so all are reported at once."""

    def __init__(self, program):
        self.program = program
        self.refused = []
        self.checked = []

    def file(self, path, mode, what, from_env=True):
        # upstream: the permission and owner checks are off only for a path named by an
        # environment variable with MINDIE_CHECK_INPUTFILES_PERMISSION=0
        check = not (from_env and os.environ.get(CHECK_ENV) == "0")
        reasons = check_file(path, mode, check)
        self.checked.append(path)
        for reason in reasons:
            self.refused.append("%s (%s): %s" % (path, what, reason))
        return not reasons

    def json(self, path, mode, what, from_env=True):
        if not self.file(path, mode, what, from_env):
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError) as exc:
            self.refused.append("%s (%s): not JSON: %s" % (path, what, exc))
            return None

    def tls_items(self, items, what):
        """ca_cert, tls_cert, tls_key, tls_passwd (and tls_crl when named): all 0400."""
        items = items or {}
        for key in ("ca_cert", "tls_cert", "tls_key", "tls_passwd"):
            self.file(items.get(key), SECRET_MODE, "%s %s" % (what, key), from_env=False)
        if items.get("tls_crl"):
            self.file(items["tls_crl"], SECRET_MODE, "%s tls_crl" % what, from_env=False)

    def done(self):
        if self.refused:
            raise Refused("\n".join(self.refused))


def log(program, message):
    sys.stderr.write("%s stand-in: %s\n" % (program, message))
    sys.stderr.flush()


def env_path(name, default):
    value = os.environ.get(name)
    return (value, True) if value else (default, False)


def read_password(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip() or None


def server_context(items):
    """HTTPS server context from MindIE TLS items; client certificates verified with the CA."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(items["tls_cert"], items["tls_key"], password=read_password(items["tls_passwd"]))
    ctx.load_verify_locations(items["ca_cert"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_context(items):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(items["ca_cert"])
    ctx.check_hostname = False  # the chain is verified; the probes address pods by IP
    ctx.load_cert_chain(items["tls_cert"], items["tls_key"], password=read_password(items["tls_passwd"]))
    return ctx


def serve(program, name, host, port, paths, ready=lambda: True, context=None):
    """Serve GET ``paths`` on host:port in a thread; 200 when ``ready()``, else 503."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.path.split("?")[0]
            if path not in paths:
                code, body = 404, {"error": "no such path", "standin": True}
            elif not ready():
                code, body = 503, {"status": "not ready", "standin": True}
            else:
                code, body = 200, {"status": "ok", "standin": True, "program": program}
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            pass

    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise Refused("%s address %r is not an IP address" % (name, host))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    httpd = Server((host, int(port)), Handler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    log(program, "%s listening on %s:%s (%s)" % (name, host, port, "https" if context else "http"))
    return httpd


def _get(doc, dotted, default=None):
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def run_controller(program, argv, install):
    chk = Checker(program)
    path, from_env = env_path("MINDIE_MS_CONTROLLER_CONFIG_FILE_PATH", os.path.join(install, "conf/ms_controller.json"))
    cfg = chk.json(path, CONFIG_MODE, "controller config", from_env)
    chk.done()
    tls = cfg.get("tls_config") or {}
    for key, value in sorted(tls.items()):
        if key.endswith("_tls_enable") and value is True:
            chk.tls_items(tls.get(key[:-len("_enable")] + "_items"), key)
    rt_path, rt_env = env_path("GLOBAL_RANK_TABLE_FILE_PATH", cfg.get("global_rank_table_file_path"))
    table = chk.json(rt_path, CONFIG_MODE, "global ranktable", rt_env)
    chk.done()
    state = {"completed": table.get("status") == "completed"}

    def reload_table():  # the real controller re-reads the table every rank_table_detecting_seconds
        while not state["completed"]:
            time.sleep(2)
            again = Checker(program)
            doc = again.json(rt_path, CONFIG_MODE, "global ranktable", rt_env)
            if again.refused:
                log(program, "refused " + "; ".join(again.refused))
                os._exit(1)
            state["completed"] = doc.get("status") == "completed"

    threading.Thread(target=reload_table, daemon=True).start()
    host = os.environ.get("POD_IP") or _get(cfg, "http_server.ip")
    ctx = server_context(tls["http_server_tls_items"]) if tls.get("http_server_tls_enable") else None
    serve(program, "http_server", host, _get(cfg, "http_server.port"), {"/v1/startup", "/v1/health"},
          ready=lambda: state["completed"], context=ctx)
    log(program, "accepted %d files; ranktable %s" % (len(chk.checked), table.get("status")))


def run_coordinator(program, argv, install):
    chk = Checker(program)
    path, from_env = env_path("MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH", os.path.join(install, "conf/ms_coordinator.json"))
    cfg = chk.json(path, CONFIG_MODE, "coordinator config", from_env)
    chk.done()
    if len(argv) > 2:
        raise Refused("at most two arguments (predict IP, management IP), got %d" % len(argv))
    http = cfg.get("http_config") or {}
    pred_ip = argv[0] if argv else http.get("predict_ip")
    mgmt_ip = argv[1] if len(argv) > 1 else http.get("manage_ip")
    tls = cfg.get("tls_config") or {}
    for key, value in sorted(tls.items()):
        if key.endswith("_tls_enable") and value is True:
            chk.tls_items(tls.get(key[:-len("_enable")] + "_items"), key)
    chk.done()

    def ctx(name):
        return server_context(tls[name + "_tls_items"]) if tls.get(name + "_tls_enable") else None

    serve(program, "predict", pred_ip, http.get("predict_port"), set(), context=ctx("request_server"))
    serve(program, "manage", mgmt_ip, http.get("manage_port"), {"/v1/health"}, context=ctx("controller_server"))
    serve(program, "status", mgmt_ip, http.get("status_port"), {"/v1/startup", "/v1/readiness", "/v1/health"},
          context=ctx("status"))
    log(program, "accepted %d files" % len(chk.checked))


def _server_tls(chk, cfg, flag, prefix, names):
    """names: (ca path key, ca files key, cert key, key key, password key)."""
    sc = cfg.get("ServerConfig") or {}
    if not sc.get(flag):
        return None
    ca_dir, ca_files, cert, key, pwd = (sc.get(n) for n in names)
    cas = [os.path.join(ca_dir or "", f) for f in (ca_files or [])] or [None]
    for ca in cas:
        chk.file(ca, SECRET_MODE, prefix + " CA", from_env=False)
    for value, what in ((cert, "certificate"), (key, "key"), (pwd, "key password")):
        chk.file(value, SECRET_MODE, "%s %s" % (prefix, what), from_env=False)
    return {"ca_cert": cas[0], "tls_cert": cert, "tls_key": key, "tls_passwd": pwd}


def run_server(program, argv, install):
    chk = Checker(program)
    if program == "mindie_llm_server":
        if len(argv) != 2 or argv[0] != "--config-file":
            raise Refused("usage: mindie_llm_server --config-file FILE")
        path, from_env = argv[1], True
    else:
        path, from_env = env_path("MIES_CONFIG_JSON_PATH", os.path.join(install, "conf/config.json"))
    cfg = chk.json(path, CONFIG_MODE, "server config", from_env)
    chk.done()
    sc = cfg.get("ServerConfig") or {}
    items = _server_tls(chk, cfg, "httpsEnabled", "tls",
                        ("tlsCaPath", "tlsCaFile", "tlsCert", "tlsPk", "tlsPkPwd"))
    mitems = _server_tls(chk, cfg, "httpsEnabled", "managementTls",
                         ("tlsCaPath", "managementTlsCaFile", "managementTlsCert", "managementTlsPk",
                          "managementTlsPkPwd"))
    _server_tls(chk, cfg, "interCommTLSEnabled", "interComm",
                ("interCommTlsCaPath", "interCommTlsCaFiles", "interCommTlsCert", "interCommPk", "interCommPkPwd"))
    chk.done()
    ip = os.environ.get("MIES_CONTAINER_IP") or sc.get("ipAddress")
    mgmt = os.environ.get("MIES_CONTAINER_MANAGEMENT_IP") or sc.get("managementIpAddress")
    serve(program, "port", ip, sc.get("port"), {"/v2/health/ready"}, context=server_context(items) if items else None)
    serve(program, "managementPort", mgmt, sc.get("managementPort"), {"/v2/health/ready", "/v2/health/live"},
          context=server_context(mitems) if mitems else None)
    log(program, "accepted %d files" % len(chk.checked))


def run_probe(program, argv, install):
    if len(argv) < 3:
        raise Refused("usage: http_client_ctl IP PORT URL [TIMEOUT] [RETRIES]")
    ip, port, url = argv[:3]
    timeout = float(argv[3]) if len(argv) > 3 else 1.0
    retries = int(argv[4]) if len(argv) > 4 else 0
    chk = Checker(program)
    path, from_env = env_path("MINDIE_UTILS_HTTP_CLIENT_CTL_CONFIG_FILE_PATH", "../conf/http_client_ctl.json")
    cfg = chk.json(path, CONFIG_MODE, "http_client_ctl config", from_env)
    chk.done()
    use_tls = cfg.get("tls_enable") is True
    if os.environ.get("MINDIE_USE_HTTPS") in ("true", "false"):
        use_tls = os.environ["MINDIE_USE_HTTPS"] == "true"
    ctx = None
    if use_tls:
        chk.tls_items(cfg.get("cert"), "cert")
        chk.done()
        ctx = client_context(cfg["cert"])
    host = "[%s]" % ip if ":" in ip else ip
    target = "%s://%s:%s%s" % ("https" if use_tls else "http", host, port, url)
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(target, timeout=timeout, context=ctx) as resp:
                if resp.status == 200:
                    return 0
        except (urllib.error.URLError, OSError) as exc:
            if attempt == retries:
                log(program, "GET %s failed: %s" % (target, exc))
    return 1


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    program = os.path.basename(argv[0])
    kind = PROGRAMS.get(program)
    if kind is None:
        sys.stderr.write("mindie_motor_standin: started as %r; install it as one of %s\n"
                         % (program, ", ".join(sorted(PROGRAMS))))
        return 2
    install = os.environ.get("MIES_INSTALL_PATH", "")
    try:
        if kind == "probe":
            return run_probe(program, argv[1:], install)
        {"controller": run_controller, "coordinator": run_coordinator, "server": run_server}[kind](
            program, argv[1:], install)
    except Refused as exc:
        for line in str(exc).splitlines():
            log(program, "refused " + line)
        return 1
    except (OSError, ssl.SSLError, ValueError) as exc:
        log(program, "cannot start: %s" % exc)
        return 1
    while True:  # the servers run in daemon threads
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
