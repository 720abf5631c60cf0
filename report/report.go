// Package report renders capcheck results — inventories, check results,
// forecasts — in every output format: text for people, JSON for machines,
// Markdown for PR comments, SARIF for code scanning, GitHub workflow
// commands and JUnit for CI. A renderer writes to the io.Writer it is
// handed and posts nothing.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// writeJSON writes v as indented JSON followed by a newline. Strings are
// one line already (JSON escapes line breaks); "##[", which the Actions
// runner takes for a command anywhere in a line of a job's output, is
// written ##\u005b (the same string to a JSON reader).
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(b.Bytes(), []byte("##["), []byte(`##\u005b`)))
	return err
}

// num formats a GPU count or figure for people: at most two decimals,
// trailing zeros dropped ("48", "0.17", "19.44").
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// DataFormats are the formats of the inventory and forecast renderers.
func DataFormats() []string { return []string{"text", "json"} }

// errUnknownFormat is returned for a format a renderer does not support.
func errUnknownFormat(what, format string, known ...string) error {
	return fmt.Errorf("%s: unknown format %q (want one of %v)", what, format, known)
}
