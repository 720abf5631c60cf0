package kubernetes

import (
	"context"
	"testing"
)

// TestHelmValuesSchemaHostile: schemas that refer only to themselves yet
// loop (a $ref to the root, two $defs referring to each other, an allOf
// entry to itself, a property to itself once a value reaches it) or point
// nowhere (a JSON pointer or an escaped anchor that does not exist, a $id
// naming a remote URL that a local $ref would resolve against), a keyword
// of the wrong type and a syntax error are the schema's error, at the
// $ref, keyword or character of values.schema.json (not "the values do
// not match" at values.yaml): no fetch, no hang, no crash. Columns by
// hand are in each case's comment.
func TestHelmValuesSchemaHostile(t *testing.T) {
	dir := helmRepo(t)
	const invalid = "error: Helm chart charts/vllm: charts/vllm/values.schema.json is not a valid JSON Schema, so the values cannot be checked against it: "
	for _, c := range []struct{ schema, want string }{
		// "$ref" after `{`: column 2
		{`{"$ref": "#"}`, "1:2: " + invalid + `both /$ref and resolve to "file:///values.schema.json#" causing reference cycle`},
		// the $ref of /$defs/a: `{"$defs": {"a": {` is 17 characters, column 18
		{`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`,
			"1:18: " + invalid + `both /$ref/$ref/$ref and /$ref resolve to "file:///values.schema.json#/$defs/a" causing reference cycle`},
		// `{"allOf": [{` is 12 characters, column 13
		{`{"allOf": [{"$ref": "#/allOf/0"}]}`, "1:13: " + invalid + `both /allOf/0/$ref and /allOf/0 resolve to "file:///values.schema.json#/allOf/0" causing reference cycle`},
		// `{"$id": ` 8 + the URL 36 + `, ` 2 = 46 characters, column 47
		{`{"$id": "https://schemas.example.com/x.json", "$ref": "#/nothing"}`, "1:47: " + invalid + `json-pointer in "file:///values.schema.json#/nothing" not found`},
		// `{"properties": {"a": {` 22 + `"$id": ` 7 + 36 + 2 = 67, column 68
		{`{"properties": {"a": {"$id": "https://schemas.example.com/y.json", "$ref": "#/nope"}}}`, "1:68: " + invalid + `json-pointer in "file:///values.schema.json#/properties/a/nope" not found`},
		{`{"$ref": "#%2e%2e/secret"}`, "1:2: " + invalid + `anchor in "file:///values.schema.json#../secret" not found in schema "file:///values.schema.json"`},
		// replicaCount is in values.yaml: the loop is met validating it;
		// `{"properties": {"replicaCount": {` is 33 characters, column 34
		{`{"properties": {"replicaCount": {"$ref": "#/properties/replicaCount"}}}`,
			"1:34: " + invalid + `at '/replicaCount': both /properties/replicaCount/$ref and /properties/replicaCount resolve to "file:///values.schema.json#/properties/replicaCount" causing reference cycle`},
		// "type" of /properties/a: `{"properties": {"a": {` is 22, column 23
		{`{"properties": {"a": {"type": 5}}}`, "1:23: " + invalid + `"file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#' - at '': 'allOf' failed - at '/properties/a': 'allOf' failed - at '/properties/a/type': 'anyOf' failed - at '/properties/a/type': value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string' - at '/properties/a/type': got number, want array`},
		// line 3 `  "properties": {"a": }`: the } is column 23
		{"{\n  \"type\": \"object\",\n  \"properties\": {\"a\": }\n}", "3:23: error: Helm chart values schema: charts/vllm/values.schema.json is not valid JSON, so the values cannot be checked against it: invalid character '}' looking for beginning of value"},
	} {
		writeFile(t, dir, "charts/vllm/values.schema.json", c.schema)
		_, err := Discover(context.Background(), dir, Options{})
		if want := "charts/vllm/values.schema.json:" + c.want; err == nil || err.Error() != want {
			t.Errorf("schema %s: Discover = %v\nwant %s", c.schema, err, want)
		}
	}
}
