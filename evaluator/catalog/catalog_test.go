package catalog

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultInstances(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		typ      string
		wantType string
		gpu      string
		gpus     float64
		cloud    string
	}{
		{name: "aws p5", typ: "p5.48xlarge", wantType: "p5.48xlarge", gpu: "H100-SXM", gpus: 8, cloud: "aws"},
		{name: "aws p4d", typ: "p4d.24xlarge", wantType: "p4d.24xlarge", gpu: "A100-40GB", gpus: 8, cloud: "aws"},
		{name: "aws p5en", typ: "p5en.48xlarge", wantType: "p5en.48xlarge", gpu: "H200", gpus: 8, cloud: "aws"},
		{name: "aws g4dn metal", typ: "g4dn.metal", wantType: "g4dn.metal", gpu: "T4", gpus: 8, cloud: "aws"},
		{name: "aws g5 24xlarge", typ: "g5.24xlarge", wantType: "g5.24xlarge", gpu: "A10G", gpus: 4, cloud: "aws"},
		{name: "aws g6e 16xlarge", typ: "g6e.16xlarge", wantType: "g6e.16xlarge", gpu: "L40S", gpus: 1, cloud: "aws"},
		{name: "gcp g2-standard-24", typ: "g2-standard-24", wantType: "g2-standard-24", gpu: "L4", gpus: 2, cloud: "gcp"},
		{name: "gcp a2-megagpu", typ: "a2-megagpu-16g", wantType: "a2-megagpu-16g", gpu: "A100-40GB", gpus: 16, cloud: "gcp"},
		{name: "gcp a3-ultragpu", typ: "a3-ultragpu-8g", wantType: "a3-ultragpu-8g", gpu: "H200", gpus: 8, cloud: "gcp"},
		{name: "azure exact", typ: "Standard_ND96isr_H100_v5", wantType: "Standard_ND96isr_H100_v5", gpu: "H100-SXM", gpus: 8, cloud: "azure"},
		{name: "azure any case", typ: "standard_nd96isr_h100_V5", wantType: "Standard_ND96isr_H100_v5", gpu: "H100-SXM", gpus: 8, cloud: "azure"},
		// 1/6 of an A10 = 0.1667 GPUs.
		{name: "azure fractional NV6ads", typ: "Standard_NV6ads_A10_v5", wantType: "Standard_NV6ads_A10_v5", gpu: "A10", gpus: 1.0 / 6, cloud: "azure"},
		{name: "azure NC40ads H100 NVL", typ: "Standard_NC40ads_H100_v5", wantType: "Standard_NC40ads_H100_v5", gpu: "H100-NVL", gpus: 1, cloud: "azure"},
		// accelerators beyond NVIDIA data-centre GPUs, counted in devices or chips
		{name: "aws trn1", typ: "trn1.32xlarge", wantType: "trn1.32xlarge", gpu: "Trainium", gpus: 16, cloud: "aws"},
		{name: "aws trn2", typ: "trn2.48xlarge", wantType: "trn2.48xlarge", gpu: "Trainium2", gpus: 16, cloud: "aws"},
		{name: "aws inf2", typ: "inf2.24xlarge", wantType: "inf2.24xlarge", gpu: "Inferentia2", gpus: 6, cloud: "aws"},
		{name: "aws dl1 Gaudi", typ: "dl1.24xlarge", wantType: "dl1.24xlarge", gpu: "Gaudi", gpus: 8, cloud: "aws"},
		{name: "gcp TPU v5e", typ: "ct5lp-hightpu-4t", wantType: "ct5lp-hightpu-4t", gpu: "TPU-v5e", gpus: 4, cloud: "gcp"},
		{name: "gcp TPU v6e", typ: "ct6e-standard-8t", wantType: "ct6e-standard-8t", gpu: "TPU-v6e", gpus: 8, cloud: "gcp"},
		{name: "gcp g4 RTX PRO 6000", typ: "g4-standard-384", wantType: "g4-standard-384", gpu: "RTX-PRO-6000", gpus: 8, cloud: "gcp"},
		{name: "azure ND GB200", typ: "Standard_ND128isr_NDR_GB200_v6", wantType: "Standard_ND128isr_NDR_GB200_v6", gpu: "GB200", gpus: 4, cloud: "azure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, ok := c.Instance(tc.typ)
			if !ok {
				t.Fatalf("Instance(%q) not found", tc.typ)
			}
			if in.Type != tc.wantType || in.GPU != tc.gpu || in.Cloud != tc.cloud || math.Abs(in.GPUs-tc.gpus) > 1e-9 {
				t.Errorf("Instance(%q) = %+v, want type %s, %v × %s on %s", tc.typ, in, tc.wantType, tc.gpus, tc.gpu, tc.cloud)
			}
		})
	}
	if in, _ := c.Instance("Standard_NV6ads_A10_v5"); math.Round(in.GPUs*1e4)/1e4 != 0.1667 {
		t.Errorf("NV6ads GPUs = %v, want 0.1667 rounded", in.GPUs)
	}
	for _, typ := range []string{"P5.48XLARGE", "m5.large", "A3-HIGHGPU-8G", ""} {
		if in, ok := c.Instance(typ); ok {
			t.Errorf("Instance(%q) = %+v, want not found (AWS/GCP names are case-sensitive)", typ, in)
		}
	}
}

func TestDefaultAccelerators(t *testing.T) {
	c := Default()
	for typ, want := range map[string]string{
		"nvidia-tesla-t4-vws": "T4", "nvidia-tesla-p4": "P4", "nvidia-tesla-p4-vws": "P4",
		"nvidia-tesla-p100": "P100", "nvidia-tesla-p100-vws": "P100", "nvidia-l4-vws": "L4",
		"nvidia-rtx-pro-6000": "RTX-PRO-6000", "nvidia-gb200": "GB200",
		"tpu-v4-podslice": "TPU-v4", "tpu-v5-lite-podslice": "TPU-v5e", "tpu-v5p-slice": "TPU-v5p", "tpu-v6e-slice": "TPU-v6e",
		"projects/p/zones/us-central1-a/acceleratorTypes/nvidia-tesla-p100-vws": "P100",
	} {
		if got, ok := c.Accelerator(typ); !ok || got != want {
			t.Errorf("Accelerator(%q) = %q, %v, want %q", typ, got, ok, want)
		}
	}
	// Specs from the vendors' documentation (see each entry's source).
	for name, want := range map[string]GPU{
		"Trainium2": {Name: "Trainium2", Vendor: "aws", MemoryGB: 96, HBMBandwidthTBs: 2.9, BF16DenseTFLOPS: 667, BF16SparseTFLOPS: 2563, FP8DenseTFLOPS: 1299, FP8SparseTFLOPS: 2563},
		"TPU-v6e":   {Name: "TPU-v6e", Vendor: "google", MemoryGB: 32, HBMBandwidthTBs: 1.638, BF16DenseTFLOPS: 918},
		"TPU-v5e":   {Name: "TPU-v5e", Vendor: "google", MemoryGB: 16, HBMBandwidthTBs: 0.819, BF16DenseTFLOPS: 197},
	} {
		got, _ := c.GPU(name)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("GPU(%q) mismatch (-want +got):\n%s", name, d)
		}
	}
}

func TestDefaultConsistent(t *testing.T) {
	c := Default()
	if len(c.Instances) < 80 {
		t.Errorf("len(Instances) = %d, want ≥ 80", len(c.Instances))
	}
	for typ, in := range c.Instances {
		if _, ok := c.GPU(in.GPU); !ok {
			t.Errorf("instance %s: GPU %q missing from GPUs", typ, in.GPU)
		}
		if in.GPUs <= 0 {
			t.Errorf("instance %s: GPUs = %v, want > 0", typ, in.GPUs)
		}
	}
	for acc, g := range c.Accelerators {
		if _, ok := c.GPU(g); !ok {
			t.Errorf("accelerator %s: GPU %q missing", acc, g)
		}
	}
	for name, g := range c.GPUs {
		if g.BF16SparseTFLOPS != 0 && g.BF16SparseTFLOPS < g.BF16DenseTFLOPS {
			t.Errorf("GPU %s: sparse BF16 %v < dense %v", name, g.BF16SparseTFLOPS, g.BF16DenseTFLOPS)
		}
	}
}

func TestGPUSpecs(t *testing.T) {
	tests := []struct {
		name                 string
		gpu                  string
		mem, bw, bf16, fp8   float64
		bf16Sparse, fp8Spars float64
	}{
		{name: "H100 SXM", gpu: "H100-SXM", mem: 80, bw: 3.35, bf16: 989, fp8: 1979, bf16Sparse: 1979, fp8Spars: 3958},
		{name: "H200", gpu: "H200", mem: 141, bw: 4.8, bf16: 989, fp8: 1979, bf16Sparse: 1979, fp8Spars: 3958},
		{name: "A100 80GB", gpu: "A100-80GB", mem: 80, bw: 2.039, bf16: 312, bf16Sparse: 624},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, ok := Default().GPU(tc.gpu)
			if !ok {
				t.Fatalf("GPU(%q) not found", tc.gpu)
			}
			want := GPU{Name: tc.gpu, Vendor: "nvidia", MemoryGB: tc.mem, HBMBandwidthTBs: tc.bw, BF16DenseTFLOPS: tc.bf16,
				BF16SparseTFLOPS: tc.bf16Sparse, FP8DenseTFLOPS: tc.fp8, FP8SparseTFLOPS: tc.fp8Spars}
			if d := cmp.Diff(want, g); d != "" {
				t.Errorf("GPU(%q) mismatch (-want +got):\n%s", tc.gpu, d)
			}
		})
	}
}

func TestAccelerator(t *testing.T) {
	tests := []struct{ name, typ, want string }{
		{name: "a100 40", typ: "nvidia-tesla-a100", want: "A100-40GB"},
		{name: "h100 mega", typ: "nvidia-h100-mega-80gb", want: "H100-SXM"},
		{name: "full path", typ: "projects/p/zones/us-central1-a/acceleratorTypes/nvidia-l4", want: "L4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := Default().Accelerator(tc.typ); !ok || got != tc.want {
				t.Errorf("Accelerator(%q) = %q, %v; want %q", tc.typ, got, ok, tc.want)
			}
		})
	}
	if got, ok := Default().Accelerator("nvidia-unknown"); ok {
		t.Errorf("Accelerator(unknown) = %q, want not found", got)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string
		check   func(t *testing.T, c *Catalog)
	}{
		{
			name: "override and extend",
			file: `{
  "gpus": {"X1": {"vendor": "acme", "memory_gb": 64, "hbm_bandwidth_tbs": 2, "bf16_dense_tflops": 100}},
  "instances": {
    "p5.48xlarge": {"cloud": "aws", "gpu": "H100-SXM", "gpus": 4},
    "x1.big": {"cloud": "aws", "gpu": "X1", "gpus": 2},
    "Standard_NX1_v1": {"cloud": "azure", "gpu": "X1", "gpus": 0.5}
  },
  "accelerators": {"acme-x1": "X1"}
}`,
			check: func(t *testing.T, c *Catalog) {
				if in, _ := c.Instance("p5.48xlarge"); in.GPUs != 4 {
					t.Errorf("overridden p5.48xlarge GPUs = %v, want 4", in.GPUs)
				}
				if in, _ := c.Instance("x1.big"); in.GPU != "X1" || in.GPUs != 2 {
					t.Errorf("x1.big = %+v, want 2 × X1", in)
				}
				if in, ok := c.Instance("STANDARD_nx1_V1"); !ok || in.GPUs != 0.5 {
					t.Errorf("azure user size = %+v, %v; want 0.5 × X1", in, ok)
				}
				if g, _ := c.Accelerator("acme-x1"); g != "X1" {
					t.Errorf("Accelerator(acme-x1) = %q, want X1", g)
				}
				// The built-in catalog is untouched.
				if in, _ := Default().Instance("p5.48xlarge"); in.GPUs != 8 {
					t.Errorf("Default p5.48xlarge GPUs = %v after Load, want 8", in.GPUs)
				}
			},
		},
		{
			name:    "unknown GPU",
			file:    "{\n  \"instances\": {\n    \"x1.big\": {\"cloud\": \"aws\", \"gpu\": \"Nope\", \"gpus\": 2}\n  }\n}",
			wantErr: `user.json:3:5: error: instance "x1.big": unknown GPU "Nope" (define it under "gpus")`,
		},
		{
			name:    "unknown field",
			file:    "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": 1, \"gpu_count\": 2}}}",
			wantErr: `user.json:1:`,
		},
		{
			name:    "unknown section",
			file:    "{\n \"machines\": {}\n}",
			wantErr: `user.json:2:2: error: unknown catalog section "machines"`,
		},
		{
			name:    "syntax error",
			file:    "{\n \"gpus\": {,}\n}",
			wantErr: `user.json:2:`,
		},
		{
			name:    "zero gpus",
			file:    "{\"instances\": {\"x\": {\"cloud\": \"aws\", \"gpu\": \"T4\", \"gpus\": 0}}}",
			wantErr: `user.json:1:16: error: instance "x": gpus must be positive`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadUserJSON(t, tc.file)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("Load error = %v, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
		})
	}
}

// loadUserJSON writes text to user.json in a new working directory and
// loads it with [Load], so errors name the file user.json.
func loadUserJSON(t *testing.T, text string) (*Catalog, error) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "user.json"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load("user.json")
}

func TestInstanceOnLiteralCatalog(t *testing.T) {
	c := &Catalog{Instances: map[string]Instance{"Standard_A": {Cloud: "azure", GPU: "T4", GPUs: 1}}}
	if in, ok := c.Instance("standard_a"); !ok || in.Type != "Standard_A" {
		t.Errorf("Instance(standard_a) = %+v, %v; want Standard_A", in, ok)
	}
}
