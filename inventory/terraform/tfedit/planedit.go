package tfedit

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
)

// numberAt matches a number as YAML, JSON and CUE write one.
var numberAt = regexp.MustCompile(`^[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?`)

// SetPlanNumber adds to ed the edit of a capacity plan file: the number
// written at pos (a field's value, schema.Plan.Positions) goes from old
// to value. It is read confined to the repository like every file of the
// edit and written by [Edit.Apply] with them. load re-validates the
// edited file through the schema and returns the field's value as the
// plan then reads it; the edit is refused unless that is value. what
// names the field in errors.
func (ed *Edit) SetPlanNumber(pos diag.Pos, what string, old, value float64, load func(rel string, data []byte) (float64, error)) error {
	pf, err := ed.planFile(pos)
	if err != nil {
		return err
	}
	off, err := pf.offset(pos, what)
	if err != nil {
		return err
	}
	tok := []byte(nil)
	if off >= 0 && off <= len(pf.src) {
		tok = numberAt.Find(pf.src[off:])
	}
	if a := pf.yamlAnchor(off); a != "" {
		return diag.Errorf(pos, "%s is written through the YAML %s, which other values may share: capcheck cannot edit it safely; set it to %s by hand", what, a, strconv.FormatFloat(value, 'f', -1, 64)).Err()
	}
	if n, err := strconv.ParseFloat(strings.ReplaceAll(string(tok), "_", ""), 64); len(tok) == 0 || err != nil || n != old {
		return diag.Errorf(pos, "%s is not written here as the number %s: capcheck cannot edit it safely; set it to %s by hand", what, strconv.FormatFloat(old, 'f', -1, 64), strconv.FormatFloat(value, 'f', -1, 64)).Err()
	}
	text := strconv.FormatFloat(value, 'f', -1, 64)
	return ed.splicePlan(pf, pos, what, []splice{{start: off, end: off + len(tok), text: text}}, func(rel string, data []byte) error {
		got, err := load(rel, data)
		if err != nil {
			return err
		}
		if got != value {
			return diag.Errorf(pos, "the edit of %s reads %s = %s, not %s: a bug; set it by hand", rel, what, strconv.FormatFloat(got, 'f', -1, 64), text).Err()
		}
		return nil
	})
}

// AddPlanListItems adds to ed the edit of a capacity plan file that
// appends items (strings) to a list of strings, such as a pool's
// `reservations:`: last is the position of the list's last element as
// written (schema.Plan.Positions, "pools.NAME.reservations[N]") and
// lastValue its value. Each item goes where the list's style puts it: a
// `- item` line like the last one in a YAML block list, a line like the
// last one in a list written one element a line, else `, item` after the
// last element; quoted as the last element is (a plain YAML scalar only
// when the item is one for sure). check re-validates the edited file
// through the schema; the edit is refused when it fails. what names the
// list in errors.
func (ed *Edit) AddPlanListItems(last diag.Pos, lastValue, what string, items []string, check func(rel string, data []byte) error) error {
	if len(items) == 0 {
		return nil
	}
	pf, err := ed.planFile(last)
	if err != nil {
		return err
	}
	off, err := pf.offset(last, what)
	if err != nil {
		return err
	}
	if a := pf.yamlAnchor(off); a != "" {
		return diag.Errorf(last, "the last element of %s is written through the YAML %s, which other values may share: capcheck cannot edit it safely; add %s by hand", what, a, strings.Join(items, ", ")).Err()
	}
	tok, ok := pf.stringToken(off, lastValue)
	if !ok {
		return diag.Errorf(last, "the last element of %s is not written here as the string %q: capcheck cannot edit it safely; add %s by hand", what, lastValue, strings.Join(items, ", ")).Err()
	}
	quote := func(s string) string { return pf.quoteLike(tok.quote, s) }
	line := pf.lineOf(off)
	prefix := string(pf.src[line.start:off])
	var ss []splice
	switch {
	case pf.format == formatYAML && yamlItemPrefix.MatchString(prefix):
		// A block list: a `- item` line after the last one.
		var text strings.Builder
		for _, it := range items {
			text.WriteString(line.nl + prefix + quote(it))
		}
		ss = []splice{{start: line.end, end: line.end, text: text.String()}}
	default:
		ss = pf.afterValue(off, tok.end, line, prefix, func(sep string) string {
			var text strings.Builder
			for i, it := range items {
				if i > 0 {
					text.WriteString(sep)
				}
				text.WriteString(quote(it))
			}
			return text.String()
		})
	}
	return ed.splicePlan(pf, last, what, ss, check)
}

// AddPlanField adds to ed the edit of a capacity plan file that adds the
// field name with the number value to a mapping, next to the sibling
// field key whose value (a scalar, keyValue as the plan reads it: a
// string, or a number written as strconv.FormatFloat writes it) is
// written at anchor: on a line of its own after the sibling's when the
// sibling has one, else `, name: value` after the sibling's value. check
// re-validates the edited file through the schema; the edit is refused
// when it fails. what names the field in errors.
func (ed *Edit) AddPlanField(anchor diag.Pos, key, keyValue, name string, value float64, what string, check func(rel string, data []byte) error) error {
	pf, err := ed.planFile(anchor)
	if err != nil {
		return err
	}
	off, err := pf.offset(anchor, what)
	if err != nil {
		return err
	}
	if a := pf.yamlAnchor(off); a != "" {
		return diag.Errorf(anchor, "%s is written through the YAML %s: capcheck cannot add %s next to it safely; add %s: %s by hand", key, a, name, name, strconv.FormatFloat(value, 'f', -1, 64)).Err()
	}
	end := -1
	if tok, ok := pf.stringToken(off, keyValue); ok {
		end = tok.end
	} else if n := numberAt.Find(pf.src[off:]); len(n) > 0 && strings.ReplaceAll(string(n), "_", "") == keyValue {
		end = off + len(n)
	}
	text := strconv.FormatFloat(value, 'f', -1, 64)
	if end < 0 {
		return diag.Errorf(anchor, "%s is not written here as %s: capcheck cannot add %s next to it safely; add %s: %s by hand", key, keyValue, name, name, text).Err()
	}
	field := name + ": " + text
	if pf.format == formatJSON {
		field = strconv.Quote(name) + ": " + text
	}
	line := pf.lineOf(off)
	prefix := string(pf.src[line.start:off])
	keyRe := regexp.MustCompile(`^([ \t]*)(` + regexp.QuoteMeta(key) + `|"` + regexp.QuoteMeta(key) + `"|'` + regexp.QuoteMeta(key) + `')[ \t]*:[ \t]*$`)
	var ss []splice
	if m := keyRe.FindStringSubmatch(prefix); m != nil && pf.format == formatYAML {
		// A block mapping: a line like the sibling's after it.
		if rest := pf.rest(end, line); rest != "" && !strings.HasPrefix(rest, "#") {
			return diag.Errorf(anchor, "%s shares its line with more than a comment: capcheck cannot add %s next to it safely; add %s by hand", key, name, field).Err()
		}
		ss = []splice{{start: line.end, end: line.end, text: line.nl + m[1] + field}}
	} else if rest := pf.rest(end, line); m != nil && pf.format == formatCUE && (rest == "" || strings.HasPrefix(rest, "//")) {
		// CUE separates fields a line by the newline: a line like the
		// sibling's after it.
		ss = []splice{{start: line.end, end: line.end, text: line.nl + m[1] + field}}
	} else if m != nil {
		ss = pf.afterValue(off, end, line, m[1], func(string) string { return field })
	} else {
		ss = pf.afterValue(off, end, line, prefix, func(string) string { return field })
	}
	return ed.splicePlan(pf, anchor, what, ss, check)
}

// Plan file formats, by extension (as schema reads them).
const (
	formatYAML = "yaml"
	formatJSON = "json"
	formatCUE  = "cue"
)

// planSource is a plan file read for an edit: as read (src), and with
// the edits made so far (cur, f its index in ed.files, −1 for none).
type planSource struct {
	rel      string
	src, cur []byte
	f        int
	format   string
}

func (ed *Edit) planFile(pos diag.Pos) (*planSource, error) {
	rel := path.Clean(filepath.ToSlash(pos.File))
	pf := &planSource{rel: rel, f: -1}
	switch path.Ext(rel) {
	case ".yaml", ".yml":
		pf.format = formatYAML
	case ".json":
		pf.format = formatJSON
	case ".cue":
		pf.format = formatCUE
	default:
		return nil, diag.Errorf(pos, "%s is not a YAML, JSON or CUE plan: capcheck cannot edit it", rel).Err()
	}
	for i := range ed.files {
		if ed.files[i].rel == rel {
			pf.f = i
		}
	}
	if pf.f >= 0 {
		pf.src, pf.cur = ed.files[pf.f].old, ed.files[pf.f].new
		return pf, nil
	}
	src, err := repopath.ReadFile(ed.root, ed.root, filepath.FromSlash(rel), maxFile)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	pf.src, pf.cur = src, src
	return pf, nil
}

// offset is pos's byte offset in the file as read (line and column,
// 1-based bytes).
func (pf *planSource) offset(pos diag.Pos, what string) (int, error) {
	off := 0
	for line := 1; line < pos.Line; line++ {
		nl := bytes.IndexByte(pf.src[off:], '\n')
		if nl < 0 {
			return 0, diag.Errorf(pos, "%s is not where the plan says it is: run capcheck suggest again", what).Err()
		}
		off += nl + 1
	}
	off += pos.Column - 1
	if pos.Line < 1 || pos.Column < 1 || off > len(pf.src) {
		return 0, diag.Errorf(pos, "%s is not where the plan says it is: run capcheck suggest again", what).Err()
	}
	return off, nil
}

// yamlAnchor is the YAML anchor (&NAME) or alias (*NAME) written at off
// in a YAML plan, as "anchor &NAME" or "alias *NAME"; "" when none is.
// The plan reads an aliased value where the anchor is, so an edit there
// would change every value sharing it.
func (pf *planSource) yamlAnchor(off int) string {
	if pf.format != formatYAML || off >= len(pf.src) || pf.src[off] != '&' && pf.src[off] != '*' {
		return ""
	}
	end := off + 1
	for end < len(pf.src) && !strings.ContainsRune(" \t\r\n,[]{}", rune(pf.src[end])) {
		end++
	}
	kind := "anchor "
	if pf.src[off] == '*' {
		kind = "alias "
	}
	return kind + string(pf.src[off:end])
}

// lineSpan is a line's start and end (the offset of its newline, or the
// end of the file), and the line end a line added after it gets: CRLF
// after a line that ends so, else LF, so that an edit keeps a file's
// line ends.
type lineSpan struct {
	start, end int
	nl         string
}

func (pf *planSource) lineOf(off int) lineSpan {
	l := lineSpan{start: bytes.LastIndexByte(pf.src[:off], '\n') + 1, end: len(pf.src), nl: "\n"}
	if nl := bytes.IndexByte(pf.src[off:], '\n'); nl >= 0 {
		l.end = off + nl
	}
	if l.end > l.start && pf.src[l.end-1] == '\r' {
		l.end--
		l.nl = "\r\n"
	} else if l.end == len(pf.src) && bytes.Contains(pf.src, []byte("\r\n")) {
		// The last line, without a line end of its own: the file's.
		l.nl = "\r\n"
	}
	return l
}

// rest is what follows end on its line, trimmed.
func (pf *planSource) rest(end int, line lineSpan) string {
	return strings.TrimSpace(string(pf.src[end:line.end]))
}

// stringTok is a string written at an offset: its end, and how it is
// quoted (", ', or "" for a plain YAML scalar).
type stringTok struct {
	end   int
	quote string
}

// yamlItemPrefix is the text before a YAML block list item's value.
var yamlItemPrefix = regexp.MustCompile(`^[ \t]*-[ \t]+$`)

// stringToken reads the string at off and reports whether it is want:
// double-quoted (JSON, CUE, YAML), single-quoted (YAML) or plain (YAML).
// Anything else (a CUE raw or multi-line string, an escape sequence
// capcheck does not read the same way, a reference) is not.
func (pf *planSource) stringToken(off int, want string) (stringTok, bool) {
	src := pf.src
	if off >= len(src) {
		return stringTok{}, false
	}
	switch c := src[off]; {
	case c == '"':
		if bytes.HasPrefix(src[off:], []byte(`"""`)) {
			return stringTok{}, false
		}
		for i := off + 1; i < len(src) && src[i] != '\n'; i++ {
			if src[i] == '\\' {
				i++
				continue
			}
			if src[i] == '"' {
				s, err := strconv.Unquote(string(src[off : i+1]))
				return stringTok{end: i + 1, quote: `"`}, err == nil && s == want
			}
		}
	case c == '\'' && pf.format == formatYAML:
		var b strings.Builder
		for i := off + 1; i < len(src) && src[i] != '\n'; i++ {
			if src[i] == '\'' {
				if i+1 < len(src) && src[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return stringTok{end: i + 1, quote: "'"}, b.String() == want
			}
			b.WriteByte(src[i])
		}
	case pf.format == formatYAML && plainSafe.MatchString(want):
		end := off + len(want)
		if end > len(src) || string(src[off:end]) != want {
			return stringTok{}, false
		}
		if end < len(src) && !strings.ContainsRune(" \t\r\n,]}", rune(src[end])) {
			return stringTok{}, false
		}
		return stringTok{end: end, quote: ""}, true
	}
	return stringTok{}, false
}

// plainSafe is a string written as a plain YAML scalar that means itself
// in block and flow context alike.
var plainSafe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.*/-]*$`)

// quoteLike writes s as a string quoted as quote says (see stringTok): a
// plain scalar only when plainSafe, else double-quoted.
func (pf *planSource) quoteLike(quote, s string) string {
	switch {
	case quote == "" && plainSafe.MatchString(s):
		return s
	case quote == "'":
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strconv.Quote(s)
}

// afterValue are the splices that put the text of items(sep) after a
// value of a list or mapping that ends at end: when the value starts
// its line (prefix, the text before it, is blank or the sibling's key)
// and nothing but a separating comma or a comment follows it, on a line
// of its own indented as the value's, else as `, text` right after it.
// items joins several items with sep.
func (pf *planSource) afterValue(off, end int, line lineSpan, prefix string, items func(sep string) string) []splice {
	indent := prefix[:len(prefix)-len(strings.TrimLeft(prefix, " \t"))]
	rest := pf.rest(end, line)
	comment := strings.HasPrefix(rest, "#") && pf.format == formatYAML || strings.HasPrefix(rest, "//") && pf.format == formatCUE
	if strings.TrimSpace(prefix) == "" || strings.HasSuffix(strings.TrimSpace(prefix), ":") {
		if !strings.HasSuffix(strings.TrimSpace(prefix), ":") || pf.format != formatYAML {
			lead := prefix
			if strings.TrimSpace(prefix) != "" {
				lead = indent
			}
			switch {
			case rest == "" || comment:
				// No comma after the value: one goes right after it.
				sep := "," + line.nl + lead
				if end == line.end {
					return []splice{{start: end, end: end, text: sep + items(sep)}}
				}
				return []splice{{start: end, end: end, text: ","}, {start: line.end, end: line.end, text: line.nl + lead + items(sep)}}
			case strings.HasPrefix(rest, ","):
				if after := strings.TrimSpace(rest[1:]); after == "" || strings.HasPrefix(after, "#") && pf.format == formatYAML || strings.HasPrefix(after, "//") && pf.format == formatCUE {
					sep := "," + line.nl + lead
					return []splice{{start: line.end, end: line.end, text: line.nl + lead + items(sep) + ","}}
				}
			}
		}
	}
	return []splice{{start: end, end: end, text: ", " + items(", ")}}
}

// splicePlan makes the splices ss of pf (offsets of the file as read),
// after every earlier edit of the file, and keeps the edit when check
// accepts the file as it then reads.
func (ed *Edit) splicePlan(pf *planSource, pos diag.Pos, what string, ss []splice, check func(rel string, data []byte) error) error {
	rel := pf.rel
	// Edits of one file keep their offsets in the file as read: cur is
	// src with earlier plan edits, none of them at these offsets.
	ss = slices.Clone(ss)
	slices.SortFunc(ss, func(a, b splice) int { return b.start - a.start })
	next := slices.Clone(pf.cur)
	for _, s := range ss {
		shift := 0
		for _, o := range ed.planSplices[rel] {
			if o.start == s.start || s.start < o.end && o.start < s.end {
				return diag.Errorf(pos, "two changes edit %s", what).Err()
			}
			if o.start < s.start {
				shift += len(o.text) - (o.end - o.start)
			}
		}
		next = slices.Concat(next[:s.start+shift], []byte(s.text), next[s.end+shift:])
	}
	if err := check(rel, next); err != nil {
		// The schema's diagnostics are printed without this wrap: each
		// says it is the edited plan's, not the plan as written.
		var ds diag.Diagnostics
		if errors.As(err, &ds) {
			edited := make(diag.Diagnostics, len(ds))
			for i, d := range ds {
				d.Msg += ", once capcheck edits " + what + ": capcheck cannot edit it safely; make the change by hand"
				edited[i] = d
			}
			err = edited
		}
		return fmt.Errorf("suggest: the edit of %s does not load: %w", rel, err)
	}
	if ed.planSplices == nil {
		ed.planSplices = map[string][]splice{}
	}
	ed.planSplices[rel] = append(ed.planSplices[rel], ss...)
	if pf.f >= 0 {
		ed.files[pf.f].new = next
		return nil
	}
	real, err := repopath.Resolve(ed.root, ed.root, filepath.FromSlash(rel))
	if err != nil {
		return fmt.Errorf("suggest: %w", err)
	}
	st, err := statMode(real)
	if err != nil {
		return fmt.Errorf("suggest: stat %s: %s", rel, repopath.Reason(err))
	}
	ed.files = append(ed.files, fileEdit{rel: rel, real: real, old: pf.src, new: next, mode: st})
	slices.SortFunc(ed.files, func(a, b fileEdit) int { return strings.Compare(a.rel, b.rel) })
	return nil
}
