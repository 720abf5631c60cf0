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
	d.diags = append(d.diags, diag.Diagnostic{Range: d.doc.posOf(p).Range(), Severity: diag.Error, Path: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) decode(v cue.Value, rv reflect.Value, p string) {
	d.decodeNode(v, nil, rv, p)
}

// decodeNode is decode with n, v's node as requiredAndConcrete listed it
// (or nil), so that the fields of v are not listed (and sorted) again.
func (d *decoder) decodeNode(v cue.Value, n *node, rv reflect.Value, p string) {
	if p != "" {
		d.positions[p] = d.doc.posOf(p)
	}
	if dv, ok := v.Default(); ok {
		v = dv
	}
	if rv.Type() == modelMixType {
		d.decodeModelMix(v, rv, p) // a map or a dated list (roadmap.go)
		return
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
		d.decodeNode(v, n, elem.Elem(), p)
		rv.Set(elem)
	case reflect.Struct:
		fields := jsonFields(rv.Type())
		kids, sub, err := n.regular(v, false)
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		for i, c := range kids {
			idx, ok := fields[c.name]
			if !ok {
				d.errorf(joinPath(p, c.name), "internal error: schema field has no Go counterpart in %s", rv.Type())
				continue
			}
			d.decodeNode(c.v, sub[i], rv.Field(idx), joinPath(p, c.name))
		}
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			d.errorf(p, "internal error: map key %s", rv.Type().Key())
			return
		}
		kids, sub, err := n.regular(v, false)
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		m := reflect.MakeMap(rv.Type())
		for i, c := range kids {
			elem := reflect.New(rv.Type().Elem()).Elem()
			d.decodeNode(c.v, sub[i], elem, joinPath(p, c.name))
			m.SetMapIndex(reflect.ValueOf(c.name).Convert(rv.Type().Key()), elem)
		}
		rv.Set(m)
	case reflect.Slice:
		kids, sub, err := n.regular(v, true)
		if err != nil {
			d.errorf(p, "%v", err)
			return
		}
		s := reflect.MakeSlice(rv.Type(), 0, 0)
		for i, c := range kids {
			elem := reflect.New(rv.Type().Elem()).Elem()
			d.decodeNode(c.v, sub[i], elem, indexPath(p, i))
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

// regular lists the regular fields of v (as v.Fields does) or, if list is
// set, its elements (as v.List does), from n, requiredAndConcrete's node of
// v, when n holds exactly those: n listed v's fields with the declared
// ones, and those it leaves out here; a field declared required and not
// set, which v.Fields would list as an error, makes it call v.Fields. With
// a nil n it calls v.Fields or v.List. sub[i] is the node of kids[i], or
// nil.
func (n *node) regular(v cue.Value, list bool) (kids []child, sub []*node, err error) {
	switch {
	case n == nil || len(n.sub) != len(n.kids):
	case list && n.how == listedList:
		return n.kids, n.sub, nil
	case !list && n.how == listedFields:
		kids, sub = make([]child, 0, len(n.kids)), make([]*node, 0, len(n.kids))
		ok := true
		for i, c := range n.kids {
			if !c.field || (c.constraint != 0 && c.constraint != cue.OptionalConstraint) {
				ok = false
				break
			}
			if c.constraint == 0 {
				kids, sub = append(kids, c), append(sub, n.sub[i])
			}
		}
		if ok {
			return kids, sub, nil
		}
		kids, sub = nil, nil
	}
	if list {
		it, err := v.List()
		if err != nil {
			return nil, nil, err
		}
		for i := 0; it.Next(); i++ {
			kids = append(kids, child{index: i, v: it.Value()})
		}
		return kids, make([]*node, len(kids)), nil
	}
	it, err := v.Fields()
	if err != nil {
		return nil, nil, err
	}
	for it.Next() {
		kids = append(kids, child{name: it.Selector().Unquoted(), v: it.Value(), field: true})
	}
	return kids, make([]*node, len(kids)), nil
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
