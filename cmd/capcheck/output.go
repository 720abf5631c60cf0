package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
)

// judge runs the built-in policies, the trusted workspace's configured
// policy directories (relative to trustedDir) and extra --policy
// directories (relative to the working directory) over doc, with the
// trusted side's enforcement configuration.
func judge(e *env, trusted *workspace, trustedDir string, extra []string, timeout time.Duration, doc *evaluator.Document, overrides []string) (*report.Check, []policies.Rule, error) {
	dirs := append([]string{}, trusted.config.Policies...)
	for _, d := range extra {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, nil, fmt.Errorf("--policy %s: %w", d, err)
		}
		dirs = append(dirs, abs)
	}
	engine, err := policies.New(e.ctx, policies.Options{
		Root:        trustedDir,
		Dirs:        dirs,
		Enforcement: trusted.config.Enforcement,
		Timeout:     timeout,
	})
	if err != nil {
		return nil, nil, err
	}
	res, err := engine.Eval(e.ctx, doc, overrides)
	if err != nil {
		return nil, nil, err
	}
	return report.NewCheck(doc, res), engine.Rules(), nil
}

// emit renders chk in every output before writing any of them, so a
// rendering error never leaves a partial report behind.
func emit(e *env, outputs []output, chk *report.Check, opts report.Options) error {
	rendered := make([][]byte, len(outputs))
	for i, o := range outputs {
		var buf bytes.Buffer
		if err := report.Write(&buf, o.format, chk, opts); err != nil {
			return err
		}
		rendered[i] = buf.Bytes()
	}
	for i, o := range outputs {
		if err := writeOutput(e.stdout, o.file, rendered[i]); err != nil {
			return err
		}
	}
	return nil
}
