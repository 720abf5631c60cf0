package catalog

// GPU is the specification of one GPU model. Dense and sparse throughput
// are stored apart: vendors quote sparse figures that capacity planning must
// not use.
type GPU struct {
	Name             string  `json:"name"` // catalog name, e.g. "H100-SXM"
	Vendor           string  `json:"vendor"`
	MemoryGB         float64 `json:"memory_gb"`
	HBMBandwidthTBs  float64 `json:"hbm_bandwidth_tbs"`
	BF16DenseTFLOPS  float64 `json:"bf16_dense_tflops"`
	BF16SparseTFLOPS float64 `json:"bf16_sparse_tflops,omitempty"`
	FP8DenseTFLOPS   float64 `json:"fp8_dense_tflops,omitempty"`
	FP8SparseTFLOPS  float64 `json:"fp8_sparse_tflops,omitempty"`
}

// Instance is a cloud instance type (or VM size / machine type).
type Instance struct {
	Type  string  `json:"type"`  // "p5.48xlarge", "a3-highgpu-8g", "Standard_ND96isr_H100_v5"
	Cloud string  `json:"cloud"` // "aws" | "gcp" | "azure"
	GPU   string  `json:"gpu"`   // key into GPUs
	GPUs  float64 `json:"gpus"`  // per instance; fractional for partial-GPU sizes
}
