// The sandbox's pause image: the process that holds each pod's namespaces on the real node.
module pdserve.local/sandbox/pause

go 1.24.0
