"""docs/openapi.yaml as JSON Schema validators (OpenAPI 3.0 `nullable` and component refs resolved)."""
import copy
import os
import re

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.environ.get("W3W_OPENAPI", os.path.join(HERE, "..", "..", "docs", "openapi.yaml"))
METHODS = ("get", "post", "put", "patch", "delete")


def load():
    with open(PATH) as f:
        return yaml.safe_load(f)


def resolve(doc, node):
    """Inline $refs and turn `nullable: true` into a JSON Schema union with null."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(doc, target)
        out = {k: resolve(doc, v) for k, v in node.items() if k not in ("nullable", "example", "format")}
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [resolve(doc, v) for v in node]
    return node


def operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def template_of(doc, path):
    """The documented path template matching a concrete path."""
    for template in doc["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    return None


def check_response(doc, method, path, response):
    """Assert the status is documented for the operation and the body matches its schema."""
    template = template_of(doc, path.split("?")[0])
    assert template, f"{path} is not documented"
    op = doc["paths"][template].get(method.lower())
    assert op, f"{method} {template} is not documented"
    code = str(response.status_code)
    assert code in op["responses"], f"{method} {template}: status {code} is not documented ({response.text[:200]})"
    spec = resolve(doc, op["responses"][code])
    content = spec.get("content", {})
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype in content, f"{method} {template} {code}: content type {ctype} not documented"
    if ctype == "application/json":
        jsonschema.validate(response.json(), content[ctype]["schema"])
    for name in spec.get("headers", {}):
        if name in ("Retry-After",) and code in ("429",):
            assert name in response.headers, f"{method} {template} {code}: header {name} missing"
    return template
