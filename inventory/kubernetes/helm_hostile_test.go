package kubernetes

import (
	"context"
	"strings"
	"testing"
)

// TestHelmValuesSchemaHostile: schemas that refer only to themselves yet
// loop (a $ref to the root, two $defs referring to each other, an allOf
// entry to itself) or point nowhere (a JSON pointer or an escaped anchor
// that does not exist, a $id naming a remote URL that a local $ref would
// resolve against) end in an error naming values.schema.json: no
// fetch, no hang, no crash.
func TestHelmValuesSchemaHostile(t *testing.T) {
	dir := helmRepo(t)
	for _, c := range []struct{ schema, want string }{
		{`{"$ref": "#"}`, "reference cycle"},
		{`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`, "reference cycle"},
		{`{"allOf": [{"$ref": "#/allOf/0"}]}`, "reference cycle"},
		{`{"$id": "https://schemas.example.com/x.json", "$ref": "#/nothing"}`, `json-pointer in "file:///values.schema.json#/nothing" not found`},
		{`{"properties": {"a": {"$id": "https://schemas.example.com/y.json", "$ref": "#/nope"}}}`, "not found"},
		{`{"$ref": "#%2e%2e/secret"}`, `anchor in "file:///values.schema.json#../secret" not found`},
	} {
		writeFile(t, dir, "charts/vllm/values.schema.json", c.schema)
		_, err := Discover(context.Background(), dir, Options{})
		if err == nil || !strings.Contains(err.Error(), "charts/vllm/values.schema.json") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("schema %s: Discover = %v\nwant an error naming charts/vllm/values.schema.json: %s", c.schema, err, c.want)
		}
	}
}
