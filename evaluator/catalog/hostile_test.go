package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

func TestLoadHostile(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{
			name:    "negative GPU count",
			file:    "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": -8}}}",
			wantErr: `user.json:1:16: error: instance "x": gpus must be positive`,
		},
		{
			name: "GPU count out of float64 range",
			file: "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": 1e400}}}",
			// {"instances": {"x": {"cloud": "aws", "gpu": "T4", "gpus": is 58
			// bytes, so the value starts at column 59 (as in the cases below).
			wantErr: `user.json:1:59: error: json: cannot unmarshal number 1e400 into Go struct field fileInstance.Instance.gpus of type float64`,
		},
		{
			name:    "NaN is not JSON",
			file:    "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": NaN}}}",
			wantErr: `user.json:1:59: error: invalid character 'N' looking for beginning of value`,
		},
		{
			name:    "NaN as a string",
			file:    "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": \"NaN\"}}}",
			wantErr: `user.json:1:59: error: json: cannot unmarshal string into Go struct field fileInstance.Instance.gpus of type float64`,
		},
		{
			name:    "negative bandwidth",
			file:    "{\"gpus\": {\"X\": {\"vendor\": \"a\", \"memory_gb\": 8, \"hbm_bandwidth_tbs\": -1}}}",
			wantErr: `user.json:1:11: error: gpu "X": hbm_bandwidth_tbs must not be negative`,
		},
		{
			name: "duplicate instance key",
			file: "{\"instances\": {\n \"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": 1},\n \"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": 8}\n}}",
			// The second "x" is line 3, column 2; the first line 2, column 2.
			wantErr: `user.json:3:2: error: duplicate key "x" (first given at line 2, column 2)`,
		},
		{
			name:    "duplicate section",
			file:    "{\"gpus\": {}, \"gpus\": {}}",
			wantErr: `user.json:1:14: error: duplicate key "gpus" (first given at line 1, column 2)`,
		},
		{
			name:    "unknown field",
			file:    "{\"gpus\": {\"X\": {\"vendor\": \"a\", \"memory_gb\": 8, \"tflops\": 1}}}",
			wantErr: `user.json:1:16: error: json: unknown field "tflops"`,
		},
		{
			name:    "too large",
			file:    "{\"notes\": \"" + strings.Repeat("a", MaxFileBytes) + "\"}",
			wantErr: `user.json: error: load catalog: file is 4194317 bytes, larger than the 4 MiB limit for a catalog`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadUserJSON(t, tc.file)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Load error =\n%v\nwant\n%s", err, tc.wantErr)
			}
		})
	}
}

func TestLoadInRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	good := `{"instances": {"x1.big": {"cloud": "aws", "gpu": "T4", "gpus": 2}}}`
	for _, f := range []struct{ dir, name, data string }{{root, "cat.json", good}, {outside, "cat.json", good}} {
		if err := os.WriteFile(filepath.Join(f.dir, f.name), []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "d.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := LoadInRoot(root, "cat.json")
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := c.Instance("x1.big"); !ok || in.GPUs != 2 {
		t.Errorf("Instance(x1.big) = %+v, %v; want 2 × T4", in, ok)
	}
	if err := os.Symlink(filepath.Join(outside, "cat.json"), filepath.Join(root, "link.json")); err != nil {
		testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
	}
	for _, tc := range []struct{ rel, wantPrefix string }{
		{"link.json", "link.json: error: load catalog: "},
		{"../x/cat.json", "../x/cat.json: error: load catalog: "},
		{"d.json", "d.json: error: load catalog: is a directory, not a file"},
	} {
		_, err := LoadInRoot(root, tc.rel)
		if err == nil || !strings.HasPrefix(err.Error(), tc.wantPrefix) {
			t.Errorf("LoadInRoot(%q) error = %v, want prefix %q", tc.rel, err, tc.wantPrefix)
		}
	}
}
