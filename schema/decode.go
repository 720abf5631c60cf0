package schema

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"cuelang.org/go/cue"

	"github.com/capcheck/capcheck/internal/diag"
)

// dateLayout is how plans write dates.
const dateLayout = "2006-01-02"

// parseDate parses a "YYYY-MM-DD" date as UTC midnight, rejecting dates
// that do not exist (2026-02-30).
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q (want an existing YYYY-MM-DD date)", s)
	}
	return t.UTC(), nil
}

var timeType = reflect.TypeFor[time.Time]()

// decoder copies a validated, concrete CUE value into Go values by their
// json tags. It is strict: a CUE field without a Go counterpart is an
// error, so the schema and types.go cannot drift apart silently. Every
// decoded path is recorded in positions, defaults pointing at the nearest
// written parent.
type decoder struct {
	doc       *document
	positions map[string]diag.Pos
	diags     diag.Diagnostics
}

func (d *decoder) errorf(p, format string, args ...any) {
	d.diags = append(d.diags, diag.Diagnostic{Pos: d.doc.posOf(p), Severity: diag.Error, Path: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) decode(v cue.Value, rv reflect.Value, p string) {
	if p != "" {
		d.positions[p] = d.doc.posOf(p)
	}
	if dv, ok := v.Default(); ok {
		v = dv
	}
	if rv.Type() == timeType {
		s, err := v.String()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		t, err := parseDate(s)
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		rv.Set(reflect.ValueOf(t))
		return
	}
	switch rv.Kind() {
	case reflect.Pointer:
		elem := reflect.New(rv.Type().Elem())
		d.decode(v, elem.Elem(), p)
		rv.Set(elem)
	case reflect.Struct:
		fields := jsonFields(rv.Type())
		it, err := v.Fields()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		for it.Next() {
			name := it.Selector().Unquoted()
			idx, ok := fields[name]
			if !ok {
				d.errorf(joinPath(p, name), "internal error: schema field has no Go counterpart in %s", rv.Type())
				continue
			}
			d.decode(it.Value(), rv.Field(idx), joinPath(p, name))
		}
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			d.errorf(p, "internal error: map key %s", rv.Type().Key())
			return
		}
		it, err := v.Fields()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		m := reflect.MakeMap(rv.Type())
		for it.Next() {
			name := it.Selector().Unquoted()
			elem := reflect.New(rv.Type().Elem()).Elem()
			d.decode(it.Value(), elem, joinPath(p, name))
			m.SetMapIndex(reflect.ValueOf(name).Convert(rv.Type().Key()), elem)
		}
		rv.Set(m)
	case reflect.Slice:
		it, err := v.List()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		s := reflect.MakeSlice(rv.Type(), 0, 0)
		for i := 0; it.Next(); i++ {
			elem := reflect.New(rv.Type().Elem()).Elem()
			d.decode(it.Value(), elem, indexPath(p, i))
			s = reflect.Append(s, elem)
		}
		rv.Set(s)
	case reflect.String:
		s, err := v.String()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := v.Int64()
		if err != nil {
			d.errorf(p, "integer %s is out of range (it must fit in 64 bits)", shorten(fmt.Sprint(v)))
			return
		}
		rv.SetInt(n)
	case reflect.Float64:
		f, err := v.Float64()
		if err != nil {
			d.errorf(p, "number %s is out of range (too large or too small for a 64-bit float)", shorten(fmt.Sprint(v)))
			return
		}
		rv.SetFloat(f)
	default:
		d.errorf(p, "internal error: cannot decode into %s", rv.Type())
	}
}

var jsonFieldCache sync.Map // reflect.Type -> map[string]int

// jsonFields maps the json names of t's fields to their index.
func jsonFields(t reflect.Type) map[string]int {
	if m, ok := jsonFieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	jsonFieldCache.Store(t, m)
	return m
}
