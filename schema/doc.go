// Package schema owns the capacity plan and configuration schema (the CUE
// definitions #Plan and #Config in plan.cue and config.cue, embedded in the
// binary) and loading plans written in CUE, YAML or JSON into the Go types
// of this package with the source position of every field.
//
// All three formats go through CUE so that positions survive: YAML through
// encoding/yaml.Extract, JSON through encoding/json.Extract, CUE through the
// parser. The document is unified with the schema, which supplies every
// default; violations come back as diag.Diagnostics naming
// file:line:col, the field path and what is wrong, every violation of every
// file at once. Rules CUE cannot express simply are checked in check.go on
// the unified value, so they are reported together with the schema errors.
package schema
