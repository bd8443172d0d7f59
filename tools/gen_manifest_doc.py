"""Writes the manifest reference (docs/manifest.md) from the schema.

The schema's descriptions are the one source of truth: `make docs` runs
this, and tests/test_docs.py fails when docs/manifest.md is stale.
Usage: python3 tools/gen_manifest_doc.py schema/sparta.schema.json
"""
import json
import sys


def resolve(schema, node):
    """Follows $ref and merges allOf, so a node reads as one schema."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        target = schema
        for part in ref.lstrip("#/").split("/"):
            if part:
                target = target[part.replace("~1", "/").replace("~0", "~")]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **rest}
        seen += 1
    if isinstance(node, dict) and "allOf" in node:
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = resolve(schema, part)
            for k, v in part.items():
                if k == "properties":
                    merged.setdefault("properties", {}).update(v)
                elif k == "required":
                    merged["required"] = sorted(set(merged.get("required", [])) | set(v))
                else:
                    merged.setdefault(k, v)
        node = merged
    return node


def type_text(schema, node):
    node = resolve(schema, node)
    if not isinstance(node, dict):
        return "any"
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            alts = []
            for alt in node[key]:
                text = type_text(schema, alt)
                if text not in alts:
                    alts.append(text)
            return " or ".join(alts)
    t = node.get("type")
    if isinstance(t, list):
        return " or ".join(t)
    if t == "array":
        return f"list of {type_text(schema, node.get('items', {}))}"
    if t == "object" and "properties" not in node and isinstance(node.get("additionalProperties"), dict):
        return f"map of name → {type_text(schema, node['additionalProperties'])}"
    if t:
        return t
    if "properties" in node:
        return "object"
    title = node.get("title")
    return title or "any"


def constraints(node):
    out = []
    for key, label in (("minimum", "minimum"), ("maximum", "maximum"),
                       ("exclusiveMinimum", "greater than"), ("exclusiveMaximum", "less than"),
                       ("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
                       ("minItems", "at least {} items"), ("maxItems", "at most {} items"),
                       ("pattern", "pattern")):
        if key in node:
            v = node[key]
            if "{}" in label:
                text = label.format(v)
                out.append(text[:-1] if v == 1 else text)
            elif key == "pattern":
                out.append(f"pattern `{v}`")
            else:
                out.append(f"{label} {v}")
    return out


def walk(schema, node, path, out, depth):
    node = resolve(schema, node)
    if not isinstance(node, dict) or depth > 8:
        return
    props = node.get("properties", {})
    required = set(node.get("required", []))
    for name, sub in props.items():
        sub_r = resolve(schema, sub)
        here = f"{path}.{name}" if path else name
        out.append(f"### `{here}`\n")
        facts = [f"**Type:** {type_text(schema, sub)}"]
        if name in required:
            facts.append("**Required.**")
        if isinstance(sub_r, dict) and "default" in sub_r:
            facts.append(f"**Default:** `{json.dumps(sub_r['default'])}`")
        if isinstance(sub_r, dict):
            facts.extend(constraints(sub_r))
        out.append(" · ".join(facts) + "\n")
        desc = sub_r.get("description") if isinstance(sub_r, dict) else None
        if desc:
            out.append(desc.strip() + "\n")
        walk_children(schema, sub_r, here, out, depth + 1)


def walk_children(schema, node, path, out, depth):
    if not isinstance(node, dict):
        return
    if "properties" in node:
        walk(schema, node, path, out, depth)
    addl = node.get("additionalProperties")
    if isinstance(addl, dict):
        walk_children(schema, resolve(schema, addl), path + ".<name>", out, depth)
    items = node.get("items")
    if isinstance(items, dict):
        walk_children(schema, resolve(schema, items), path + "[]", out, depth)
    for key in ("oneOf", "anyOf"):
        for alt in node.get(key, []):
            alt = resolve(schema, alt)
            if isinstance(alt, dict) and "properties" in alt:
                walk(schema, alt, path, out, depth)


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    out = ["<!-- generated from schema/sparta.schema.json by `make docs`; edit the schema, not this file -->\n",
           "# The sparta.yaml reference\n",
           (schema.get("description", "").strip() + "\n") if schema.get("description") else "",
           "Each entry gives the property's path (`<name>` stands for a key you choose, "
           "`[]` for a list item), its type, default and limits, then what it does. "
           "The same text shows on hover in editors that read the schema through the "
           "`# yaml-language-server: $schema=` line.\n"]
    body = []
    walk(schema, schema, "", body, 0)
    # De-duplicate headings that several alternatives produce, keeping the first.
    seen, final = set(), []
    i = 0
    while i < len(body):
        if body[i].startswith("### "):
            block = [body[i]]
            i += 1
            while i < len(body) and not body[i].startswith("### "):
                block.append(body[i])
                i += 1
            if block[0] in seen:
                continue
            seen.add(block[0])
            final.extend(block)
        else:
            final.append(body[i])
            i += 1
    sys.stdout.write("\n".join(x for x in out + final if x))


if __name__ == "__main__":
    main()
