#!/usr/bin/env python3
# Copyright: (c) 2025, pdserve.cluster developers
# Apache License 2.0 (see LICENSE)
"""Pack layer tarballs into an OCI image archive that `ctr images import` reads.

    oci_pack.py OUT.tar --name docker.io/pdserve/x:tag [--name ...] --layer L1.tar [--layer L2.tar ...]
                [--env K=V ...] [--entrypoint JSON] [--cmd JSON] [--workdir DIR] [--docker-manifest]

Layers are plain (uncompressed) tar files, lowest first, made by GNU tar from a root folder.
The archive holds an OCI image layout (oci-layout, index.json, blobs/sha256/...); every --name
is one entry of index.json with the annotation `io.containerd.image.name`, the name containerd
imports the image under. Only the Python standard library is used, so the sandbox needs no image
tool besides this file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import tarfile


def digest_file(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--name", action="append", required=True)
    parser.add_argument("--layer", action="append", required=True)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--entrypoint")
    parser.add_argument("--cmd")
    parser.add_argument("--workdir")
    # Also a docker-archive manifest.json (what `docker load` of Docker 20.10 reads; it does not
    # read the OCI layout), pointing at the same blobs.
    parser.add_argument("--docker-manifest", action="store_true")
    args = parser.parse_args()

    layers = [(path, digest_file(path), os.path.getsize(path)) for path in args.layer]
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + args.env
    config = {"Env": env}
    if args.entrypoint:
        config["Entrypoint"] = json.loads(args.entrypoint)
    if args.cmd:
        config["Cmd"] = json.loads(args.cmd)
    if args.workdir:
        config["WorkingDir"] = args.workdir
    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": config,
        # Uncompressed layers: the diff ID is the layer's own digest.
        "rootfs": {"type": "layers", "diff_ids": [d for _, d, _ in layers]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "pdserve sandbox oci_pack.py"}
                    for _ in layers],
    }
    config_digest, config_bytes = blob(json.dumps(image_config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s}
                   for _, d, s in layers],
    }
    manifest_digest, manifest_bytes = blob(json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": len(manifest_bytes),
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]},
        } for name in args.name],
    }
    part = args.out + ".part"
    with tarfile.open(part, "w") as tar:
        add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add_bytes(tar, "index.json", json.dumps(index, sort_keys=True).encode())
        add_bytes(tar, "blobs/sha256/" + config_digest[7:], config_bytes)
        add_bytes(tar, "blobs/sha256/" + manifest_digest[7:], manifest_bytes)
        if args.docker_manifest:
            docker = [{"Config": "blobs/sha256/" + config_digest[7:], "RepoTags": list(args.name),
                       "Layers": ["blobs/sha256/" + d[7:] for _, d, _ in layers]}]
            add_bytes(tar, "manifest.json", json.dumps(docker, sort_keys=True).encode())
        seen = set()
        for path, digest, _ in layers:
            if digest not in seen:
                seen.add(digest)
                tar.add(path, arcname="blobs/sha256/" + digest[7:])
    os.replace(part, args.out)


if __name__ == "__main__":
    main()
