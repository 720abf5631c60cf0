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
//
// Plans come from pull requests, so loading is bounded and strict (see
// limits.go): files over 8 MiB, invalid UTF-8 and control characters,
// nesting deeper than 100, more than 200000 values, YAML aliases that
// could copy more than 32 MiB, duplicate keys in YAML or JSON (never
// last-wins), a second YAML document ("---"), CUE imports outside a few
// pure standard-library packages and @embed/@extern are errors at their
// file:line:col; CUE evaluation runs under a time and memory bound. A
// leading byte order mark and CRLF line ends are accepted. YAML is read
// as YAML 1.2: yes, no, on and off are strings, so a pool may be called
// "on". JSON -0 is 0. A CUE package clause is ignored, and a plan's own
// definitions (even one named #Plan) cannot replace the schema's.
package schema
