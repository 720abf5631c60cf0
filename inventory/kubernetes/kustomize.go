package kubernetes

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// parseAny parses one YAML document into its top node (a mapping for a
// kustomization, a Chart.yaml, a values file); an error names file and
// line, what says what was parsed.
func parseAny(file, what string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		pos := diag.Pos{File: file, Line: 1, Column: 1}
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &pos.Line)
			pos.Column = 0 // the parser names the line only
			msg = m[2]
		}
		return nil, diag.Errorf(pos, "%s: %s", what, msg)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// originFS is the disk with one change: the top kustomization asks for
// origin annotations (buildMetadata: [originAnnotations]), so that each
// rendered object says which source file it came from. Kustomize honours
// the top kustomization's buildMetadata only, and capcheck never writes
// the repository, so the file is amended as it is read.
type originFS struct {
	filesys.FileSystem
	top string // absolute path of the top kustomization file
}

func (fs originFS) ReadFile(name string) ([]byte, error) {
	data, err := fs.FileSystem.ReadFile(name)
	if err != nil {
		return data, err
	}
	if slices.Contains(kustomizationNames, filepath.Base(name)) {
		data = withoutCharts(data)
	}
	if filepath.Clean(name) != fs.top {
		return data, nil
	}
	var k map[string]any
	if yaml.Unmarshal(data, &k) != nil {
		return data, nil // Kustomize reports it
	}
	if _, ok := k["buildMetadata"]; ok {
		return data, nil
	}
	out := append(bytes.TrimRight(data, "\n"), []byte("\nbuildMetadata: ["+types.OriginAnnotations+"]\n")...)
	return out, nil
}

// withoutCharts is a kustomization without its helmCharts and
// helmGlobals: Helm inflation is disabled, and Kustomize would fail the
// whole overlay on them; capcheck reports each chart (discover.go) and
// reads the rest of the overlay.
func withoutCharts(data []byte) []byte {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data // Kustomize reports it
	}
	m := doc.Content[0]
	var kept []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k != "helmCharts" && k != "helmGlobals" {
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
	}
	if len(kept) == len(m.Content) {
		return data
	}
	m.Content = kept
	if get(m, "resources") == nil {
		// Kustomize refuses an empty kustomization; one of charts only renders nothing.
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "resources"}, &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}

// render builds the overlay k with Kustomize, from the files on disk, with
// plugins (and so Helm inflation and exec functions) disabled, and
// returns its objects, each at the source document it came from.
func (d *discovery) render(k *kustomization, chain []*kustomization) ([]*object, error) {
	absDir := filepath.Join(d.root, filepath.FromSlash(k.dir))
	fs := originFS{FileSystem: filesys.MakeFsOnDisk(), top: filepath.Join(absDir, d.kust[k.dir])}
	kz := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := kz.Run(fs, absDir)
	kpos := diag.Pos{File: k.file, Line: 1, Column: 1}
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), d.root+string(filepath.Separator), "")
		return nil, diag.Errorf(kpos, "render kustomization %s: %s", k.dir, msg)
	}
	var out []*object
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, diag.Errorf(kpos, "render kustomization %s: %v", k.dir, err)
		}
		objs, err := parseDocs(k.file, y)
		if err != nil || len(objs) != 1 {
			continue
		}
		o := objs[0]
		o.tree, o.rendered, o.pos = k.dir, true, kpos
		if origin, err := r.GetOrigin(); err == nil && origin != nil && origin.Path != "" && origin.Repo == "" {
			src := path.Clean(path.Join(k.dir, filepath.ToSlash(origin.Path)))
			if docs, err := d.docs(src); err == nil {
				if s := sourceDoc(docs, o); s != nil {
					o.pos, o.src = s.pos, s
				}
			}
		}
		for _, kz := range chain {
			for _, f := range kz.patches {
				docs, err := d.docs(f)
				if err != nil {
					continue // Kustomize read it; an unreadable patch is its error
				}
				for _, pd := range docs {
					if pd.kind == o.kind && (pd.name == o.name || o.src != nil && pd.name == o.src.name) {
						o.patches = append(o.patches, pd)
					}
				}
			}
		}
		for _, kz := range chain {
			if p, ok := kz.replicas[o.name]; ok {
				o.replicasAt = &p
				break
			}
			if o.src != nil {
				if p, ok := kz.replicas[o.src.name]; ok {
					o.replicasAt = &p
					break
				}
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// sourceDoc finds the document o was rendered from among docs: the same
// kind, and the longest name that the rendered name contains (name
// prefixes and suffixes are added by Kustomize).
func sourceDoc(docs []*object, o *object) *object {
	var best *object
	for _, s := range docs {
		if s.kind != o.kind || !strings.Contains(o.name, s.name) {
			continue
		}
		if best == nil || len(s.name) > len(best.name) {
			best = s
		}
	}
	return best
}
