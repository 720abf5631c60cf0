package schema

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"

	"cuelang.org/go/cue"
)

// ModelMix is an llm-inference workload's models and their shares of its
// requests. Written as a map it is one undated step, in force over the
// whole horizon; written as a dated list (the AI roadmap) each step's mix
// replaces the previous one from its From day on (a whole UTC day, see
// inventory/days.go): [{from: "2026-12-01", mix: {a: 1}}, {from:
// "2027-06-01", mix: {a: 0.3, b: 0.7}}] serves a alone from 1 December
// 2026 to 31 May 2027 and the 30/70 mix from 1 June 2027.
type ModelMix struct {
	// Steps are in date order (the loader checks it); the map form is one
	// step with a zero From.
	Steps []MixStep
}

// MixStep is the mix in force from From (zero: from before the horizon)
// until the next step's From.
type MixStep struct {
	From Date               `json:"from"`
	Mix  map[string]float64 `json:"mix"`
	// Path is the dotted path of the step's mix, which Plan.Positions
	// holds: "workloads.chat.model_mix" for the map form,
	// "workloads.chat.model_mix[1].mix" for a list step.
	Path string `json:"-"`
}

// Mix is the map form: one undated step.
func Mix(shares map[string]float64) ModelMix {
	return ModelMix{Steps: []MixStep{{Mix: shares}}}
}

// Dated reports whether the mix is a dated list (the roadmap).
func (m ModelMix) Dated() bool { return len(m.Steps) > 0 && !m.Steps[0].From.IsZero() }

// Models is every model with a share in any step, sorted.
func (m ModelMix) Models() []string {
	seen := map[string]bool{}
	for _, s := range m.Steps {
		for model := range s.Mix {
			seen[model] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Has reports whether any step serves model.
func (m ModelMix) Has(model string) bool {
	for _, s := range m.Steps {
		if _, ok := s.Mix[model]; ok {
			return true
		}
	}
	return false
}

// PathOf is the dotted path of model's share in the first step that
// serves it ("" when none does).
func (m ModelMix) PathOf(model string) string {
	for _, s := range m.Steps {
		if _, ok := s.Mix[model]; ok {
			return s.Path + "." + model
		}
	}
	return ""
}

// MarshalJSON writes the form the plan was written in: the map for an
// undated mix, the list of steps for a roadmap.
func (m ModelMix) MarshalJSON() ([]byte, error) {
	if !m.Dated() && len(m.Steps) == 1 {
		return json.Marshal(m.Steps[0].Mix)
	}
	type step struct {
		From string             `json:"from"`
		Mix  map[string]float64 `json:"mix"`
	}
	out := make([]step, len(m.Steps))
	for i, s := range m.Steps {
		out[i] = step{From: s.From.Format(dateLayout), Mix: s.Mix}
	}
	return json.Marshal(out)
}

var modelMixType = reflect.TypeFor[ModelMix]()

// decodeModelMix decodes either form of model_mix into rv (a ModelMix),
// recording positions under p as the plain decoder does.
func (d *decoder) decodeModelMix(v cue.Value, rv reflect.Value, p string) {
	var mm ModelMix
	if v.IncompleteKind() == cue.ListKind {
		d.decode(v, reflect.ValueOf(&mm.Steps).Elem(), p)
		for i := range mm.Steps {
			mm.Steps[i].Path = indexPath(p, i) + ".mix"
		}
	} else {
		var shares map[string]float64
		d.decode(v, reflect.ValueOf(&shares).Elem(), p)
		mm.Steps = []MixStep{{Mix: shares, Path: p}}
	}
	rv.Set(reflect.ValueOf(mm))
}

// modelMix checks what plan.cue cannot say about a model_mix at p: each
// mix names a model and its shares sum to 1; a roadmap's dates exist and
// increase strictly.
func (c *checker) modelMix(mix cue.Value, p string) {
	if !mix.Exists() || mix.Err() != nil {
		return
	}
	if mix.IncompleteKind() != cue.ListKind {
		c.shares(mix, p)
		return
	}
	prev := ""
	for i, st := range elemsOf(mix) {
		sp := indexPath(p, i)
		c.shares(get(st, "mix"), sp+".mix")
		from, ok := c.date(get(st, "from"), sp+".from")
		if !ok {
			continue
		}
		if prev != "" && from <= prev {
			c.errorf(sp+".from", "model_mix step from %s is not after the previous step's %s: the roadmap's dates must increase", from, prev)
		}
		prev = from
	}
}

// shares checks that a mix names at least one model and its shares sum
// to 1.
func (c *checker) shares(mix cue.Value, p string) {
	shares := fieldsOf(mix)
	if mix.Exists() && len(shares) == 0 && mix.Err() == nil {
		c.errorf(p, "model_mix needs at least one model")
	}
	sum, complete := 0.0, len(shares) > 0
	for _, s := range shares {
		f, ok := num(s.v)
		if !ok {
			complete = false
			break
		}
		sum += f
	}
	if complete && math.Abs(sum-1) > shareTolerance {
		c.errorf(p, "model_mix shares sum to %.9g, want 1", sum)
	}
}

// servedDates checks a workload's from and until: real dates, until not
// before from.
func (c *checker) servedDates(w cue.Value, wp string) {
	from, ok1 := c.date(get(w, "from"), wp+".from")
	until, ok2 := c.date(get(w, "until"), wp+".until")
	if ok1 && ok2 && until < from {
		c.errorf(wp+".until", "until %s is before from %s", until, from)
	}
}

// models checks each model's KV-cache figures: kv_bytes_per_token, or
// all three of layers, kv_heads and head_dim, not both.
func (c *checker) models(u cue.Value) {
	for _, m := range fieldsOf(get(u, "models")) {
		mp := "models." + m.name
		arch := 0
		for _, f := range []string{"layers", "kv_heads", "head_dim"} {
			if has(m.v, f) {
				arch++
			}
		}
		switch {
		case arch > 0 && arch < 3:
			c.errorf(mp, "model %q: the KV cache needs all of layers, kv_heads and head_dim (or kv_bytes_per_token)", m.name)
		case arch == 3 && has(m.v, "kv_bytes_per_token"):
			c.errorf(mp+".kv_bytes_per_token", "model %q gives both kv_bytes_per_token and layers/kv_heads/head_dim: give one", m.name)
		}
	}
}
