"""A small JSON Schema (2020-12) checker for the subset docs/card.schema.json uses.

jsonschema is not a dependency of govern; this covers type, const, enum, required, properties,
additionalProperties, items, minItems, maxItems, minimum, maximum, pattern, oneOf and local $ref,
enough to hold the card to its schema. When jsonschema is installed the tests use it as well.
"""

from __future__ import annotations

import re
from typing import Any

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _is(instance: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if name == "number":
        return isinstance(instance, int | float) and not isinstance(instance, bool)
    return isinstance(instance, TYPES[name])


def errors(schema: dict[str, Any], instance: Any, root: dict[str, Any] | None = None,
           path: str = "$") -> list[str]:
    """Every way ``instance`` breaks ``schema`` (an empty list when it conforms)."""
    root = root if root is not None else schema
    out: list[str] = []
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        out += errors(target, instance, root, path)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(instance, n) for n in names):
            return [*out, f"{path}: {type(instance).__name__} is not {names}"]
    if "const" in schema and instance != schema["const"]:
        out.append(f"{path}: {instance!r} != {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        out.append(f"{path}: {instance!r} not in {schema['enum']}")
    if isinstance(instance, str) and "pattern" in schema and not re.search(schema["pattern"],
                                                                          instance):
        out.append(f"{path}: {instance!r} does not match {schema['pattern']}")
    if isinstance(instance, int | float) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            out.append(f"{path}: {instance} < {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            out.append(f"{path}: {instance} > {schema['maximum']}")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                out.append(f"{path}: missing {key!r}")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                out += errors(props[key], value, root, f"{path}.{key}")
            elif extra is False:
                out.append(f"{path}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                out += errors(extra, value, root, f"{path}.{key}")
    if isinstance(instance, list):
        if "minItems" in schema and len(instance) < schema["minItems"]:
            out.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            out.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(instance):
                out += errors(schema["items"], item, root, f"{path}[{i}]")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not errors(s, instance, root, path)]
        if len(matching) != 1:
            out.append(f"{path}: matches {len(matching)} of the oneOf schemas, not exactly one")
    return out
