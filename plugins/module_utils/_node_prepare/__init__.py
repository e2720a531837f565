# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Node preparation: reading a compute node and computing the edits the node_prepare role makes.

Private to pdserve.cluster (not a public API). Stdlib only: the node_prepare_probe and
node_prepare_image modules run this on the node. File edits are computed here as text so the
role writes a file only when a byte must change (and --check --diff shows exactly that).

Split by job:

- ``files``: reading a file and its owner / group / mode (the one place that opens node files);
- ``probe``: what the role decides on, read from the node (runtime, kernel, swap, weights...);
- ``edit``: the text edits of node files and their undo (kubelet config keys, daemon.json
  log-opts, the fstab swap marker);
- ``image``: the container image where the kubelet looks (normalize, import / pull, remove);
- ``state``: the state file recording what the role changed (originals, first change only);
- ``plan``: what the forward path writes to the state file and what reset restores.
"""
