# Copyright: (c) 2026, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""tools/test_digest.py: the lines tools/run-tests repeats at the end of a failed run."""

from __future__ import annotations

import pathlib
import runpy
import subprocess
import sys
import types

import pytest

TOOL = pathlib.Path(__file__).resolve().parents[3] / "tools/test_digest.py"

# molecule frames a step's output and colours it; the first error is one a verify step provoked
MOLECULE_LOG = """\
\x1b[2m\u2502\x1b[0m TASK [Verify | a refused scale]
\x1b[2m\u2502\x1b[0m [ERROR]: Task failed: Action failed: 1 configuration error:
\x1b[2m\u2502\x1b[0m router: differs from the deployed configuration
\x1b[2m\u2502\x1b[0m
\x1b[2m\u2502\x1b[0m TASK [Verify | chat through the NodePort]
\x1b[2m\u2502\x1b[0m FAILED - RETRYING: [localhost]: Verify | chat through the NodePort (3 retries left).
\x1b[2m\u2502\x1b[0m fatal: [localhost]: FAILED! =>
\x1b[2m\u2502\x1b[0m     changed: false
\x1b[2m\u2502\x1b[0m     msg: 'Status code was 503 and not [200]'
\x1b[2m\u2502\x1b[0m
\x1b[2m\u2502\x1b[0m TASK [Cleanup | uninstall]
\x1b[31m\x1b[1mCRITICAL\x1b[0m 'extensions/molecule/default/molecule.yml' glob failed.  Exiting.
\x1b[31m\x1b[1mCRITICAL\x1b[0m Ansible return code was 2, command was: ansible-playbook verify.yml
"""


@pytest.fixture(scope="module")
def tool():
    return types.SimpleNamespace(**runpy.run_path(str(TOOL)))  # its functions, not its main()


def test_last_ansible_error_with_its_task_and_molecule_critical(tool):
    out = tool.digest("molecule-pd_separate", MOLECULE_LOG).splitlines()
    assert out[0] == "FAILED molecule-pd_separate:"
    assert out[1] == "  task: Verify | chat through the NodePort"
    assert out[2] == "  fatal: [localhost]: FAILED! =>"
    assert "Status code was 503" in out[4]
    assert out[-1].endswith("Ansible return code was 2, command was: ansible-playbook verify.yml")
    assert not any("glob failed" in line or "\x1b" in line or "\u2502" in line for line in out)
    assert not any("router: differs" in line for line in out)


def test_pytest_failures(tool):
    log = "....F.\nFAILED tests/sandbox/test_x.py::test_y - AssertionError: 1 != 2\n1 failed, 5 passed\n"
    out = tool.digest("pytest-sandbox", log).splitlines()
    assert out == ["FAILED pytest-sandbox:", "  FAILED tests/sandbox/test_x.py::test_y - AssertionError: 1 != 2"]


def test_no_error_found_gives_the_last_lines_cut_to_width(tool):
    log = "\n".join("line %d" % i for i in range(10)) + "\n" + "x" * 500
    out = tool.digest("lifecycle", log).splitlines()
    assert out[1:6] == ["  line %d" % i for i in range(5, 10)]
    assert out[6] == "  " + "x" * tool.WIDTH + "..."


def test_command_line_reads_the_log_and_names_a_missing_one(tmp_path):
    log = tmp_path / "molecule-x.log"
    log.write_text(MOLECULE_LOG)
    run = subprocess.run([sys.executable, str(TOOL), "molecule-x", str(log)], capture_output=True, text=True, check=True)
    assert "Status code was 503" in run.stdout
    run = subprocess.run([sys.executable, str(TOOL), "y", str(tmp_path / "absent.log")], capture_output=True, text=True, check=True)
    assert "(no log:" in run.stdout
    assert subprocess.run([sys.executable, str(TOOL)], capture_output=True).returncode == 2
