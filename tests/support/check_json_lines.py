#!/usr/bin/python3
"""Checks a file of JSON lines against a JSON Schema (draft 2020-12) and that the schema documents
every field: a field the program writes that the schema does not name is an error here, even though
the schema lets readers accept fields added later.

usage: check_json_lines.py SCHEMA LINES
Prints one line per problem and exits 1 when there is any; 0 when all lines hold.
"""
import json
import sys

import jsonschema


def documented_fields(schema, event):
    for variant in schema["$defs"].values():
        properties = variant.get("properties", {}) if isinstance(variant, dict) else {}
        if properties.get("event", {}).get("const") == event:
            return set(properties)
    return set()


def main():
    schema_path, lines_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    problems = 0
    with open(lines_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            event = json.loads(line)
            for error in validator.iter_errors(event):
                print(f"line {number}: {error.json_path}: {error.message}")
                problems += 1
            extra = set(event) - documented_fields(schema, event.get("event"))
            if extra:
                print(f"line {number}: fields the schema does not document: {sorted(extra)}")
                problems += 1
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
