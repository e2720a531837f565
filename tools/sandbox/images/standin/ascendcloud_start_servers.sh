#!/bin/sh
# TEST-ONLY STAND-IN for AscendCloud-LLM's llm_tools/PD_separate/start_servers.sh (see
# ascendcloud_pd_standin.py beside it): the image built by tools/sandbox/images/bare_standin puts
# it where the document's LLM_TOOLS_PATH has it.
exec python3 /usr/local/lib/pdserve-standin/ascendcloud_pd_standin.py "$@"
