package kubernetes

import (
	"errors"
	"strings"
	"testing"
	"text/template"
)

// fuzzSteps bounds the instrumented render in FuzzInstrument: the
// template as written runs only when the instrumented one finished
// within it, so neither runs away (a range over 1e12, a define calling
// itself).
const fuzzSteps = 2000

// limitWriter fails a render past n bytes.
type limitWriter struct {
	strings.Builder
	n int
}

var errTooLong = errors.New("output bound")

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.n {
		return 0, errTooLong
	}
	return w.Builder.Write(p)
}

// FuzzInstrument: instrumentText keeps what a template renders. For a
// template text/template parses, the instrumented text parses too and
// renders the same output (or fails the same way: both or neither), the
// counting function aside; a text instrumentText does not scan (ok
// false) is one text/template does not parse either, and is left as
// it is.
func FuzzInstrument(f *testing.F) {
	for _, s := range []string{
		"a: {{ .x }}\n{{- range $i, $e := .xs -}}\n  b: {{ \"}}\" }}{{/* {{range}} */}}\n{{- end }}\n",
		"{{define \"t\"}}{{ range 3 }}x{{end}}{{end}}{{ template \"t\" }}",
		"{{range$x := .xs}}{{define\"t\"}}{{end}}{{ranged 1}}{{end}}",
		"{{- range .xs }} {{- . -}} {{ else }}none{{ end -}}\n",
		"{{ block \"b\" . }}{{ range .xs }}{{ break }}{{ end }}{{ end }}",
		"{{ '}' }}{{ `}}\n` }}{{ range .xs -}}\n\t{{ . }}{{ continue }}{{ end }}",
		"{{/* a */ -}} x {{- /* b */}}",
		"{{ range 10 }}{{ range 10 }}{{ range 10 }}{{ range 10 }}.{{ end }}{{ end }}{{ end }}{{ end }}",
		"{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}",
		"a: {{ .x ",
		"{{ \"x\n\" }}",
	} {
		f.Add(s, true)
	}
	f.Add("{{ range .xs }}{{ . }}{{ end }}", false)
	f.Fuzz(func(t *testing.T, text string, file bool) {
		steps := 0
		funcs := template.FuncMap{
			stepFunc: func() (string, error) {
				if steps >= fuzzSteps {
					return "", errSteps(fuzzSteps)
				}
				steps++
				return "", nil
			},
			atFunc:   func(string) string { return "" },
			"ranged": func(int) string { return "r" },
		}
		data := map[string]any{"x": 1, "xs": []any{1, "two", nil}}
		render := func(src string) (string, error, error) {
			tpl, err := template.New("f").Funcs(funcs).Parse(src)
			if err != nil {
				return "", err, nil
			}
			w := &limitWriter{n: 1 << 20}
			err = tpl.Execute(w, data)
			return w.String(), nil, err
		}
		got, ins, ok := instrumentText(text, "c/templates/f.yaml", file)
		if !ok {
			if _, err := template.New("f").Funcs(funcs).Parse(text); err == nil {
				t.Fatalf("instrumentText did not scan %q, which parses", text)
			}
			return
		}
		if len(ins) == 0 && got != text {
			t.Fatalf("no inserts, yet the text changed: %q → %q", text, got)
		}
		outI, parseI, execI := render(got)
		if _, err := template.New("f").Funcs(funcs).Parse(text); err != nil {
			if parseI == nil {
				// text/template rejects the original at parse time
				// only; the instrumented one must not render something
				// Helm would have refused.
				t.Fatalf("%q does not parse (%v), instrumented it does:\n%s", text, err, got)
			}
			return
		}
		if parseI != nil {
			t.Fatalf("%q parses, instrumented it does not: %v\n%s", text, parseI, got)
		}
		if execI != nil && (errors.Is(execI, errTooLong) || strings.Contains(execI.Error(), "capcheck bounds the work")) {
			return // over the bounds: the original is not run
		}
		out, _, err := render(text)
		if errors.Is(err, errTooLong) {
			return
		}
		if (err == nil) != (execI == nil) {
			t.Fatalf("%q: as written err %v, instrumented err %v\n%s", text, err, execI, got)
		}
		if err == nil && out != outI {
			t.Fatalf("%q renders %q, instrumented %q\n%s", text, out, outI, got)
		}
	})
}
