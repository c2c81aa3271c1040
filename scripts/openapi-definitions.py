#!/usr/bin/env python3
"""Makes src/KubeLab.Core/Api/OpenApi/definitions-v1.29.json.gz, the object schemas the lab's /openapi/v3 serves.

Not run by the build: the output is committed. Run it again only to move to another Kubernetes release.

Sources (public, Apache-2.0; read as data):
  1. SWAGGER: the OpenAPI v2 document of Kubernetes release-1.29 (api/openapi-spec/swagger.json as
     kubernetes-client/python v29.0.0 keeps it, kubernetes/swagger.json.unprocessed). Its "definitions" are the
     object schemas: descriptions, types, required fields, list/map/patch extensions and GVKs.
  2. ENUMS: what a running API server adds and the checked-in document lacks: the OpenAPIEnum feature (beta and on
     since v1.24) puts an "enum" list on each field of an enum type and appends "Possible enum values:" to its
     description. Read from kubectl's own test data of documents served by a v1.27 API server
     (kubernetes/kubectl v0.29.5 testdata/openapi/v3/{api/v1,apis/apps/v1,apis/autoscaling/v1,apis/autoscaling/v2}.json
     and pkg/explain/v2/templates/{batch,apiextensions}.k8s.io_v1.json). A field gets its enum only where its v1.29
     description equals the v1.27 one without the appended list (so the list is the same field's); 44 of 47 do.

Usage: openapi-definitions.py SWAGGER ENUM_DOCUMENT... > definitions-v1.29.json.gz
"""
import gzip
import json
import sys

MARKER = "\n\nPossible enum values:"


def main():
    definitions = json.load(open(sys.argv[1]))["definitions"]
    added = skipped = 0
    for path in sys.argv[2:]:
        for name, schema in json.load(open(path))["components"]["schemas"].items():
            for field, served in (schema.get("properties") or {}).items():
                ours = definitions.get(name, {}).get("properties", {}).get(field)
                described = served.get("description", "")
                if ours is None or MARKER not in described or MARKER in ours.get("description", ""):
                    continue  # no enum, or added from another document already
                if ours.get("description", "") != described[: described.index(MARKER)]:
                    skipped += 1
                    continue
                ours["description"] = described
                for where in ("", "items"):
                    node = served.get(where) if where else served
                    if node and "enum" in node:
                        (ours[where] if where else ours)["enum"] = node["enum"]
                added += 1
    print(f"enums added to {added} fields, {skipped} left (description changed since v1.27)", file=sys.stderr)
    text = json.dumps(definitions, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sys.stdout.buffer.write(gzip.compress(text.encode("utf-8"), mtime=0))


main()
