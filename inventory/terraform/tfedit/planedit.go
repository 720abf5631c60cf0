package tfedit

import (
	"bytes"
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
	rel := path.Clean(filepath.ToSlash(pos.File))
	f := -1
	for i := range ed.files {
		if ed.files[i].rel == rel {
			f = i
		}
	}
	var src, cur []byte
	if f >= 0 {
		src, cur = ed.files[f].old, ed.files[f].new
	} else {
		var err error
		if src, err = repopath.ReadFile(ed.root, ed.root, filepath.FromSlash(rel), maxFile); err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
		cur = src
	}
	// The value's offset in the file as read: line and column (1-based
	// bytes) from the start.
	off := 0
	for line := 1; line < pos.Line; line++ {
		nl := bytes.IndexByte(src[off:], '\n')
		if nl < 0 {
			return diag.Errorf(pos, "%s is not where the plan says it is: run capcheck suggest again", what).Err()
		}
		off += nl + 1
	}
	off += pos.Column - 1
	tok := []byte(nil)
	if off >= 0 && off <= len(src) {
		tok = numberAt.Find(src[off:])
	}
	if n, err := strconv.ParseFloat(strings.ReplaceAll(string(tok), "_", ""), 64); len(tok) == 0 || err != nil || n != old {
		return diag.Errorf(pos, "%s is not written here as the number %s: capcheck cannot edit it safely; set it to %s by hand", what, strconv.FormatFloat(old, 'f', -1, 64), strconv.FormatFloat(value, 'f', -1, 64)).Err()
	}
	// Edits of one file keep their offsets in the file as read: cur is
	// src with earlier plan edits, none of them on this value.
	shift := 0
	if f >= 0 {
		for _, s := range ed.planSplices[rel] {
			if s.start < off {
				shift += len(s.text) - (s.end - s.start)
			}
			if s.start == off {
				return diag.Errorf(pos, "two changes edit %s", what).Err()
			}
		}
	}
	text := strconv.FormatFloat(value, 'f', -1, 64)
	next := slices.Concat(cur[:off+shift], []byte(text), cur[off+shift+len(tok):])
	got, err := load(rel, next)
	if err != nil {
		return fmt.Errorf("suggest: the edit of %s does not load: %w", rel, err)
	}
	if got != value {
		return diag.Errorf(pos, "the edit of %s reads %s = %s, not %s: a bug; set it by hand", rel, what, strconv.FormatFloat(got, 'f', -1, 64), text).Err()
	}
	if ed.planSplices == nil {
		ed.planSplices = map[string][]splice{}
	}
	ed.planSplices[rel] = append(ed.planSplices[rel], splice{start: off, end: off + len(tok), text: text})
	if f >= 0 {
		ed.files[f].new = next
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
	ed.files = append(ed.files, fileEdit{rel: rel, real: real, old: src, new: next, mode: st})
	slices.SortFunc(ed.files, func(a, b fileEdit) int { return strings.Compare(a.rel, b.rel) })
	return nil
}
