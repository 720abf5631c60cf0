// Package catalog owns the mapping from cloud instance types (AWS instance
// types, GCP machine and accelerator types, Azure VM sizes) to GPUs, and the
// GPU model specifications (memory, bandwidth, dense and sparse throughput).
// The built-in data is an embedded JSON file; users extend or override it
// with a file of the same format (capcheck --catalog).
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/repopath"
)

//go:embed catalog.json
var builtin []byte

// Catalog maps instance types and GCP accelerator types to GPU models. A
// Catalog returned by Default is shared and must not be modified; Load
// returns a fresh copy.
type Catalog struct {
	GPUs      map[string]GPU
	Instances map[string]Instance
	// Accelerators maps GCP accelerator types ("nvidia-h100-80gb") to GPU
	// names.
	Accelerators map[string]string

	// azure indexes Azure sizes by lower-case name: Azure treats VM size
	// names case-insensitively.
	azure map[string]string
}

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parse("catalog.json", builtin, nil)
	if err != nil {
		// The embedded file is checked by the package tests.
		panic("catalog: embedded catalog.json: " + err.Error())
	}
	return c
})

// Default returns the built-in catalog, parsed once.
func Default() *Catalog { return defaultCatalog() }

// MaxFileBytes is the largest catalog file Load reads; the built-in one is
// about 40 KB.
const MaxFileBytes = 4 << 20

// Load returns the built-in catalog merged with the user file at path (same
// format as the embedded catalog.json): user entries override or extend the
// built-in ones. Errors are diag.Diagnostics naming file:line:col; the file
// name in positions is path as given.
//
// The file must be a regular file of at most MaxFileBytes; within it a key
// may appear once per object; GPU and instance figures must be finite and
// not negative (memory and GPUs per instance positive). Use LoadInRoot for
// a path that comes from the repository. "-" reads standard input
// (repopath.ReadStdin, within MaxFileBytes), named <stdin> in positions.
func Load(path string) (*Catalog, error) {
	if path == repopath.Stdin {
		data, err := repopath.ReadStdin(os.Stdin, MaxFileBytes)
		if err != nil {
			return nil, diag.Errorf(diag.Pos{File: repopath.StdinName}, "load catalog: %s", repopath.Reason(err))
		}
		return parse(repopath.StdinName, data, Default())
	}
	return load(os.DirFS(filepath.Dir(path)), filepath.Base(path), filepath.ToSlash(path))
}

// LoadInRoot is Load for rel, a path inside root that comes from the
// repository (capcheck.yaml's catalog): it may not leave root, directly or
// through a symbolic link. Positions name the file by rel.
func LoadInRoot(root, rel string) (*Catalog, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open repository root %s: %w", root, err)
	}
	defer r.Close()
	return load(r.FS(), filepath.ToSlash(filepath.Clean(rel)), filepath.ToSlash(rel))
}

func load(fsys fs.FS, file, name string) (*Catalog, error) {
	data, err := readLimited(fsys, file)
	if err != nil {
		return nil, diag.Errorf(diag.Pos{File: name}, "load catalog: %v", err)
	}
	return parse(name, data, Default())
}

// readLimited reads a regular file of at most MaxFileBytes
// (repopath.ReadFS).
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	data, err := repopath.ReadFS(fsys, name, MaxFileBytes)
	var nr *repopath.NotRegularError
	var tl *repopath.TooLargeError
	switch {
	case errors.As(err, &nr):
		return nil, errors.New(nr.Reason())
	case errors.As(err, &tl) && tl.Grew:
		return nil, fmt.Errorf("file is larger than the %d MiB limit for a catalog", MaxFileBytes>>20)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("file is %d bytes, larger than the %d MiB limit for a catalog", tl.Size, MaxFileBytes>>20)
	}
	return data, err
}

// Instance returns the instance type typ. AWS and GCP names are matched
// exactly; Azure sizes ("Standard_…") case-insensitively.
func (c *Catalog) Instance(typ string) (Instance, bool) {
	if in, ok := c.Instances[typ]; ok {
		return withType(in, typ), true
	}
	lower := strings.ToLower(typ)
	if !strings.HasPrefix(lower, "standard_") {
		return Instance{}, false
	}
	if c.azure != nil {
		key, ok := c.azure[lower]
		if !ok {
			return Instance{}, false
		}
		return withType(c.Instances[key], key), true
	}
	for key, in := range c.Instances {
		if strings.EqualFold(key, typ) && in.Cloud == "azure" {
			return withType(in, key), true
		}
	}
	return Instance{}, false
}

func withType(in Instance, key string) Instance {
	if in.Type == "" {
		in.Type = key
	}
	return in
}

// GPU returns the GPU model called name.
func (c *Catalog) GPU(name string) (GPU, bool) {
	g, ok := c.GPUs[name]
	if ok && g.Name == "" {
		g.Name = name
	}
	return g, ok
}

// Accelerator maps a GCP accelerator type to a GPU name. A full resource
// path ("projects/p/zones/z/acceleratorTypes/nvidia-l4") is reduced to its
// last segment.
func (c *Catalog) Accelerator(typ string) (string, bool) {
	if i := strings.LastIndexByte(typ, '/'); i >= 0 {
		typ = typ[i+1:]
	}
	g, ok := c.Accelerators[typ]
	return g, ok
}

// fileGPU is a GPU entry as written in a catalog file.
type fileGPU struct {
	GPU
	Source string `json:"source,omitempty"` // datasheet the figures come from
}

// fileInstance is an instance entry as written in a catalog file.
type fileInstance struct {
	Instance
}

// parse reads a catalog file and merges it over base (nil for none).
func parse(name string, data []byte, base *Catalog) (*Catalog, error) {
	c := &Catalog{
		GPUs:         map[string]GPU{},
		Instances:    map[string]Instance{},
		Accelerators: map[string]string{},
	}
	if base != nil {
		maps.Copy(c.GPUs, base.GPUs)
		maps.Copy(c.Instances, base.Instances)
		maps.Copy(c.Accelerators, base.Accelerators)
	}
	p := &parser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.DisallowUnknownFields()
	instPos := map[string]int{}
	accPos := map[string]int{}
	err := p.object(func(key string, keyOff int) error {
		switch key {
		case "notes":
			var s string
			return p.decode(&s)
		case "gpus":
			return p.object(func(k string, off int) error {
				var g fileGPU
				if err := p.decode(&g); err != nil {
					return err
				}
				g.Name = k
				if g.MemoryGB <= 0 {
					return p.errAt(off, "gpu %q: memory_gb must be positive", k)
				}
				for _, f := range []struct {
					name string
					v    float64
				}{
					{"hbm_bandwidth_tbs", g.HBMBandwidthTBs}, {"bf16_dense_tflops", g.BF16DenseTFLOPS},
					{"bf16_sparse_tflops", g.BF16SparseTFLOPS}, {"fp8_dense_tflops", g.FP8DenseTFLOPS},
					{"fp8_sparse_tflops", g.FP8SparseTFLOPS},
				} {
					if f.v < 0 || math.IsInf(f.v, 0) || math.IsNaN(f.v) {
						return p.errAt(off, "gpu %q: %s must not be negative", k, f.name)
					}
				}
				c.GPUs[k] = g.GPU
				return nil
			})
		case "instances":
			return p.object(func(k string, off int) error {
				var in fileInstance
				if err := p.decode(&in); err != nil {
					return err
				}
				in.Type = k
				if in.GPUs <= 0 {
					return p.errAt(off, "instance %q: gpus must be positive", k)
				}
				switch in.Cloud {
				case "aws", "gcp", "azure":
				default:
					return p.errAt(off, "instance %q: cloud must be aws, gcp or azure, not %q", k, in.Cloud)
				}
				c.Instances[k] = in.Instance
				instPos[k] = off
				return nil
			})
		case "accelerators":
			return p.object(func(k string, off int) error {
				var g string
				if err := p.decode(&g); err != nil {
					return err
				}
				c.Accelerators[k] = g
				accPos[k] = off
				return nil
			})
		}
		return p.errAt(keyOff, "unknown catalog section %q (want gpus, instances, accelerators, notes)", key)
	})
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, p.errAt(int(p.dec.InputOffset()), "unexpected data after the catalog object")
	}
	var ds diag.Diagnostics
	for _, k := range sortedKeys(instPos) {
		if g := c.Instances[k].GPU; !c.has(g) {
			ds = append(ds, p.diagAt(instPos[k], "instance %q: unknown GPU %q (define it under \"gpus\")", k, g))
		}
	}
	for _, k := range sortedKeys(accPos) {
		if g := c.Accelerators[k]; !c.has(g) {
			ds = append(ds, p.diagAt(accPos[k], "accelerator %q: unknown GPU %q (define it under \"gpus\")", k, g))
		}
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}
	c.azure = map[string]string{}
	for k, in := range c.Instances {
		if in.Cloud == "azure" {
			c.azure[strings.ToLower(k)] = k
		}
	}
	return c, nil
}

func (c *Catalog) has(gpu string) bool {
	_, ok := c.GPUs[gpu]
	return ok
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parser walks a JSON document token by token so that every entry keeps the
// byte offset of its key.
type parser struct {
	name string
	data []byte
	dec  *json.Decoder
}

// object reads a JSON object, calling fn for each key with the offset of
// the key's opening quote; fn must consume the value.
func (p *parser) object(fn func(key string, off int) error) error {
	start := int(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return p.wrap(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p.errAt(p.skipSpace(start), "expected a JSON object")
	}
	seen := map[string]int{}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.wrap(err)
		}
		key, _ := tok.(string)
		off := p.keyStart(int(p.dec.InputOffset()))
		if first, dup := seen[key]; dup {
			at := diag.PosAt(p.name, p.data, first)
			return p.errAt(off, "duplicate key %q (first given at line %d, column %d)", key, at.Line, at.Column)
		}
		seen[key] = off
		if err := fn(key, off); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.wrap(err)
	}
	return nil
}

// decode decodes the next value into v. The offsets encoding/json puts in
// its errors count from wherever its buffer started, so the value is taken
// raw first and decoded on its own: syntax errors are then located by
// scanning the whole file, type errors from the value's start.
func (p *parser) decode(v any) error {
	start := p.skipValueStart(int(p.dec.InputOffset()))
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(json.Unmarshal(p.data, new(any)), &se) {
			return p.errAt(int(se.Offset)-1, "%v", se)
		}
		return p.wrap(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return p.errAt(p.valueBefore(start+int(te.Offset)), "%v", te)
		}
		return p.errAt(start, "%v", err)
	}
	return nil
}

// valueBefore finds the start of the value that ends at end: back to the
// colon before it, then forward past blanks.
func (p *parser) valueBefore(end int) int {
	i := min(end, len(p.data)) - 1
	for i > 0 && p.data[i] != ':' && p.data[i] != '[' && p.data[i] != ',' {
		i--
	}
	return p.skipSpace(i + 1)
}

func (p *parser) wrap(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return p.errAt(int(se.Offset)-1, "%v", se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.errAt(len(p.data), "unexpected end of JSON")
	}
	return p.errAt(int(p.dec.InputOffset()), "%v", err)
}

// keyStart returns the offset of the opening quote of the string that ends
// just before end.
func (p *parser) keyStart(end int) int {
	i := min(end, len(p.data)) - 2
	for ; i >= 0; i-- {
		if p.data[i] != '"' {
			continue
		}
		bs := 0
		for j := i - 1; j >= 0 && p.data[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return i
		}
	}
	return max(end, 0)
}

func (p *parser) skipSpace(off int) int {
	for off < len(p.data) && strings.IndexByte(" \t\r\n", p.data[off]) >= 0 {
		off++
	}
	return off
}

// skipValueStart moves past whitespace, a colon or a comma to the value.
func (p *parser) skipValueStart(off int) int {
	for off < len(p.data) && strings.IndexByte(" \t\r\n:,", p.data[off]) >= 0 {
		off++
	}
	return off
}

func (p *parser) diagAt(off int, format string, args ...any) diag.Diagnostic {
	return diag.Diagnostic{
		Range:    diag.PosAt(p.name, p.data, off).Range(),
		Severity: diag.Error,
		Msg:      fmt.Sprintf(format, args...),
	}
}

func (p *parser) errAt(off int, format string, args ...any) error {
	return diag.Diagnostics{p.diagAt(off, format, args...)}
}
