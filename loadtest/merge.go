package loadtest

import (
	"bytes"
	"fmt"
	pathpkg "path"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/capcheck/capcheck/internal/diag"
)

// Merged counts what Merge did: entries whose id the plan already held
// (replaced in place) and entries appended to its benchmarks.
type Merged struct {
	Replaced, Added int
}

// Merge writes entries into the plan file src (named file, a YAML or CUE
// plan) at their place and returns the new text: an entry whose id the
// plan's benchmarks already hold replaces that entry where it stands,
// the others are appended at the end of benchmarks (a benchmarks block is
// added at the end of the file when there is none). Everything else,
// comments included, is kept byte for byte. A plan Merge cannot edit
// safely (JSON, a benchmarks value that is not a block mapping or a
// {…} struct) is an error at its position; the caller re-loads the result
// to prove it still validates.
func Merge(file string, src []byte, entries []Entry) ([]byte, Merged, error) {
	switch strings.ToLower(pathpkg.Ext(file)) {
	case ".cue":
		return mergeCUE(file, src, entries)
	case ".yaml", ".yml":
		return mergeYAML(file, src, entries)
	}
	return nil, Merged{}, diag.Errorf(diag.Pos{File: file}, "--write edits YAML and CUE plans only; print the entries without --write and add them to this plan by hand")
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// apply applies edits sorted by offset, none overlapping.
func apply(src []byte, edits []edit) []byte {
	var b bytes.Buffer
	at := 0
	for _, e := range edits {
		b.Write(src[at:e.from])
		b.WriteString(e.text)
		at = e.to
	}
	b.Write(src[at:])
	return b.Bytes()
}

func sortEdits(es []edit) {
	for i := 1; i < len(es); i++ { // few edits: insertion sort, stable
		for j := i; j > 0 && es[j].from < es[j-1].from; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// cueEntry renders e as a CUE field whose first line starts at the
// field's column and whose other lines are indented by indent.
func cueEntry(e Entry, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: {\n", quote(e.ID))
	for _, kv := range e.fields() {
		fmt.Fprintf(&b, "%s\t%s: %s\n", indent, kv[0], kv[1])
	}
	b.WriteString(indent + "}")
	return b.String()
}

func mergeCUE(file string, src []byte, entries []Entry) ([]byte, Merged, error) {
	f, err := parser.ParseFile(file, src, parser.ParseComments)
	if err != nil {
		return nil, Merged{}, fmt.Errorf("parse plan %s: %w", file, err)
	}
	var blocks []*ast.StructLit
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok || labelName(fd.Label) != "benchmarks" {
			continue
		}
		st, ok := fd.Value.(*ast.StructLit)
		if !ok || !st.Lbrace.IsValid() {
			return nil, Merged{}, diag.Errorf(cuePos(file, fd.Value.Pos()), "--write merges into benchmarks written as a struct, benchmarks: { … }; rewrite this benchmarks value as one, or add the printed entries by hand")
		}
		blocks = append(blocks, st)
	}
	existing := map[string]*ast.Field{}
	for _, st := range blocks {
		for _, el := range st.Elts {
			if fd, ok := el.(*ast.Field); ok {
				if n := labelName(fd.Label); n != "" {
					existing[n] = fd
				}
			}
		}
	}
	var (
		edits []edit
		m     Merged
		added []Entry
	)
	for _, e := range entries {
		fd, ok := existing[e.ID]
		if !ok {
			added = append(added, e)
			continue
		}
		from := fd.Pos().Offset()
		edits = append(edits, edit{from: from, to: fd.End().Offset(), text: cueEntry(e, lineIndent(src, from))})
		m.Replaced++
	}
	if len(added) > 0 {
		m.Added = len(added)
		if len(blocks) == 0 {
			var b strings.Builder
			if len(src) > 0 && src[len(src)-1] != '\n' {
				b.WriteString("\n")
			}
			b.WriteString("\nbenchmarks: {\n")
			for _, e := range added {
				b.WriteString("\t" + cueEntry(e, "\t") + "\n")
			}
			b.WriteString("}\n")
			edits = append(edits, edit{from: len(src), to: len(src), text: b.String()})
		} else {
			st := blocks[len(blocks)-1]
			rb := st.Rbrace.Offset()
			inner := lineIndent(src, st.Lbrace.Offset()) + "\t"
			if len(st.Elts) > 0 {
				inner = lineIndent(src, st.Elts[0].Pos().Offset())
			}
			var b strings.Builder
			ls := lineStart(src, rb)
			onOwnLine := strings.TrimSpace(string(src[ls:rb])) == ""
			if !onOwnLine {
				b.WriteString("\n")
			}
			for _, e := range added {
				b.WriteString(inner + cueEntry(e, inner) + "\n")
			}
			if onOwnLine {
				edits = append(edits, edit{from: ls, to: ls, text: b.String()})
			} else {
				b.WriteString(lineIndent(src, st.Lbrace.Offset()))
				edits = append(edits, edit{from: rb, to: rb, text: b.String()})
			}
		}
	}
	sortEdits(edits)
	return apply(src, edits), m, nil
}

func cuePos(file string, p token.Pos) diag.Pos {
	return diag.Pos{File: file, Line: p.Line(), Column: p.Column()}
}

// labelName is a field label's name: an identifier or a plain string.
func labelName(l ast.Label) string {
	switch l := l.(type) {
	case *ast.Ident:
		return l.Name
	case *ast.BasicLit:
		if l.Kind == token.STRING {
			if s, err := strconv.Unquote(l.Value); err == nil {
				return s
			}
		}
	}
	return ""
}

func lineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// lineIndent is the leading blanks of the line holding offset off.
func lineIndent(src []byte, off int) string {
	ls := lineStart(src, off)
	i := ls
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return string(src[ls:i])
}

// yamlLine is one line of a YAML plan: its text without the newline,
// where it starts, its indentation and whether it holds only blanks or a
// comment.
type yamlLine struct {
	text   string
	off    int
	indent int
	blank  bool
}

func yamlLines(src []byte) []yamlLine {
	var out []yamlLine
	off := 0
	for off < len(src) {
		end := bytes.IndexByte(src[off:], '\n')
		next := off + end + 1
		if end < 0 {
			end, next = len(src)-off, len(src)
		}
		t := strings.TrimRight(string(src[off:off+end]), "\r")
		trimmed := strings.TrimLeft(t, " ")
		out = append(out, yamlLine{text: t, off: off, indent: len(t) - len(trimmed),
			blank: trimmed == "" || strings.HasPrefix(trimmed, "#")})
		off = next
	}
	return out
}

// yamlKey is the mapping key a line starts with ("" when it is not
// `KEY:` followed by a blank or the end of the line).
func yamlKey(s string) string {
	s = strings.TrimLeft(s, " ")
	switch {
	case strings.HasPrefix(s, `"`):
		if i := strings.Index(s[1:], `"`); i >= 0 {
			if k, err := strconv.Unquote(s[:i+2]); err == nil && strings.HasPrefix(s[i+2:], ":") {
				return k
			}
		}
		return ""
	case strings.HasPrefix(s, "'"):
		if i := strings.Index(s[1:], "'"); i >= 0 && strings.HasPrefix(s[i+2:], ":") {
			return s[1 : i+1]
		}
		return ""
	}
	i := strings.Index(s, ":")
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\t') {
		return ""
	}
	return s[:i]
}

// yamlEntry renders e as a block mapping entry at indent (its fields
// indented by two more blanks), ending in a newline.
func yamlEntry(e Entry, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s:\n", indent, quote(e.ID))
	for _, kv := range e.fields() {
		fmt.Fprintf(&b, "%s  %s: %s\n", indent, kv[0], kv[1])
	}
	return b.String()
}

func mergeYAML(file string, src []byte, entries []Entry) ([]byte, Merged, error) {
	lines := yamlLines(src)
	key := -1
	for i, l := range lines {
		if l.indent == 0 && !l.blank && yamlKey(l.text) == "benchmarks" {
			key = i
			break
		}
	}
	m := Merged{}
	if key < 0 {
		var b strings.Builder
		if len(src) > 0 && src[len(src)-1] != '\n' {
			b.WriteString("\n")
		}
		b.WriteString("\nbenchmarks:\n")
		for _, e := range entries {
			b.WriteString(yamlEntry(e, "  "))
		}
		m.Added = len(entries)
		return apply(src, []edit{{from: len(src), to: len(src), text: b.String()}}), m, nil
	}
	kl := lines[key]
	rest := strings.TrimSpace(kl.text[strings.Index(kl.text, ":")+1:])
	if rest != "" && !strings.HasPrefix(rest, "#") {
		col := strings.Index(kl.text, rest) + 1
		return nil, Merged{}, diag.Errorf(diag.Pos{File: file, Line: key + 1, Column: col}, "--write merges into benchmarks written as a block mapping (one entry per indented key); rewrite this benchmarks value as one, or add the printed entries by hand")
	}
	// The block: the lines after the key up to the next content line at
	// indentation 0; its entries are the content lines at the indentation
	// of the first one.
	end := len(lines)
	for i := key + 1; i < len(lines); i++ {
		if !lines[i].blank && lines[i].indent == 0 {
			end = i
			break
		}
	}
	last := key // last content line of the block
	child := -1
	for i := key + 1; i < end; i++ {
		if lines[i].blank {
			continue
		}
		last = i
		if child < 0 {
			child = lines[i].indent
			if strings.HasPrefix(strings.TrimLeft(lines[i].text, " "), "-") {
				return nil, Merged{}, diag.Errorf(diag.Pos{File: file, Line: i + 1, Column: child + 1}, "benchmarks is a list; the schema wants a mapping from id to entry, and --write merges into one")
			}
		}
	}
	indent := "  "
	if child > 0 {
		indent = strings.Repeat(" ", child)
	}
	// Entries: each content line at the child indentation with a key, up
	// to the line before the next such line (or the block's last content
	// line).
	type span struct{ from, to int } // line indexes, to exclusive
	spans := map[string]span{}
	var starts []int
	for i := key + 1; i <= last; i++ {
		if !lines[i].blank && lines[i].indent == child {
			starts = append(starts, i)
		}
	}
	for j, s := range starts {
		k := yamlKey(lines[s].text)
		if k == "" {
			return nil, Merged{}, diag.Errorf(diag.Pos{File: file, Line: s + 1, Column: child + 1}, "--write cannot read this benchmarks entry's id; write it as ID: followed by its fields on the lines below")
		}
		to := last + 1
		if j+1 < len(starts) {
			to = starts[j+1]
			for to-1 > s && lines[to-1].blank { // comments and blanks before the next entry stay with it
				to--
			}
		}
		spans[k] = span{s, to}
	}
	offset := func(i int) int {
		if i >= len(lines) {
			return len(src)
		}
		return lines[i].off
	}
	var edits []edit
	var added strings.Builder
	if last+1 >= len(lines) && len(src) > 0 && src[len(src)-1] != '\n' {
		added.WriteString("\n")
	}
	for _, e := range entries {
		if sp, ok := spans[e.ID]; ok {
			edits = append(edits, edit{from: offset(sp.from), to: offset(sp.to), text: yamlEntry(e, indent)})
			m.Replaced++
			continue
		}
		added.WriteString(yamlEntry(e, indent))
		m.Added++
	}
	if m.Added > 0 {
		at := offset(last + 1)
		edits = append(edits, edit{from: at, to: at, text: added.String()})
	}
	sortEdits(edits)
	return apply(src, edits), m, nil
}
