"""Make an emulated tool input fit the JSON schema the caller declared for the tool."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(defs.get(ref.removeprefix("#/$defs/"), {}), defs)
    for union in ("anyOf", "oneOf"):
        options = [o for o in schema.get(union, []) if o.get("type") != "null"]
        if options:
            return _resolve(options[0], defs)
    return schema


def default_for(schema: Schema, defs: dict[str, Schema]) -> Any:
    """A minimal value that validates against a schema."""
    schema = _resolve(schema, defs)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return conform({}, schema, defs)
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [default_for(schema.get("items", {}), defs) for _ in range(count)]
    return {"string": "", "integer": 0, "number": 0.0, "boolean": False}.get(str(kind), "")


def conform(value: Any, schema: Schema, defs: dict[str, Schema] | None = None) -> Any:
    """Drop undeclared keys, fill missing required ones, respect enums and array bounds."""
    defs = {**(defs or {}), **schema.get("$defs", {})}
    schema = _resolve(schema, defs)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            value = {}
        properties: dict[str, Schema] = schema.get("properties", {})
        result = {
            key: conform(item, properties[key], defs) for key, item in value.items() if key in properties
        }
        for key in schema.get("required", []):
            if key not in result and key in properties:
                result[key] = default_for(properties[key], defs)
        return result
    if kind == "array":
        items = list(value) if isinstance(value, list | tuple) else []
        if "maxItems" in schema:
            items = items[: int(schema["maxItems"])]
        items = [conform(item, schema.get("items", {}), defs) for item in items]
        while len(items) < int(schema.get("minItems", 0)):
            items.append(default_for(schema.get("items", {}), defs))
        return items
    if "enum" in schema and value not in schema["enum"]:
        return schema["enum"][0]
    if kind == "string":
        text = value if isinstance(value, str) else ("" if value is None else str(value))
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        return text
    if kind == "integer" and not isinstance(value, int):
        return 0
    return value
