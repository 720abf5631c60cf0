package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/actuals"
	"github.com/capcheck/capcheck/internal/testkit"
)

// The real-Prometheus audit test. Its clock: the audit window is the 14 days
// to promNow, (2026-07-01T00:00Z, 2026-07-15T00:00Z], hourly: 336 steps.
var promNow = time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)

// promTools returns the paths of prometheus and promtool, skipping the
// test when they are missing, except in CI (CI=true), where a missing
// install is a failure: CI must not skip this test silently.
func promTools(t *testing.T) (prom, promtool string) {
	t.Helper()
	const from = ".ci/run installs Debian's prometheus package"
	return testkit.NeedCommand(t, "prometheus", from), testkit.NeedCommand(t, "promtool", from)
}

// openMetrics writes the test's series in OpenMetrics text form:
//
//   - capcheck_test_requests_per_s{workload="chat"}: NAB's
//     elb_request_count_8c0756 (4032 five-minute samples, 2014-04-10 00:04
//     to 2014-04-24 00:39; the value is read as requests/s), shifted so
//     its last sample lands at 2026-07-14T23:54Z (minutes stay ≡ 4 mod 5,
//     so no sample sits on an hour boundary). Its maximum, 656 at
//     2014-04-22 19:34, lands 1 d 5 h 5 min before the last sample:
//     2026-07-13T18:49Z, inside the window.
//   - capcheck_test_gpu_utilization{pool="hot"}: 0.92 from 08:00 to 20:00
//     UTC, 0.55 otherwise; {pool="cool"}: 0.50 from 12:00, 0.30 before.
//   - capcheck_test_reservation_utilization{pool="half"}: 0.30 before
//     12:00 UTC, 0.50 after; {pool="full"}: 0.95.
//
// Synthetic samples are every 5 minutes at hh:02:30, hh:07:30, … from one
// hour before the window to its end.
func openMetrics(t *testing.T, csvPath string) []byte {
	t.Helper()
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	series, err := actuals.ReadCSV(f, filepath.Base(csvPath))
	if err != nil {
		t.Fatal(err)
	}
	s := series[0]
	shift := time.Date(2026, 7, 14, 23, 54, 0, 0, time.UTC).Sub(s.Times[s.Len()-1])

	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	fmt.Fprintln(w, "# TYPE capcheck_test_requests_per_s gauge")
	for i, ts := range s.Times {
		fmt.Fprintf(w, "capcheck_test_requests_per_s{workload=\"chat\"} %g %d\n", s.Values[i], ts.Add(shift).Unix())
	}
	synthetic := func(metric, label string, value func(hour int) float64) {
		for ts := promNow.Add(-15*24*time.Hour + 150*time.Second); ts.Before(promNow); ts = ts.Add(5 * time.Minute) {
			fmt.Fprintf(w, "%s{pool=%q} %g %d.5\n", metric, label, value(ts.Hour()), ts.Unix())
		}
	}
	fmt.Fprintln(w, "# TYPE capcheck_test_gpu_utilization gauge")
	synthetic("capcheck_test_gpu_utilization", "hot", func(h int) float64 {
		if h >= 8 && h < 20 {
			return 0.92
		}
		return 0.55
	})
	synthetic("capcheck_test_gpu_utilization", "cool", func(h int) float64 {
		if h >= 12 {
			return 0.50
		}
		return 0.30
	})
	fmt.Fprintln(w, "# TYPE capcheck_test_reservation_utilization gauge")
	synthetic("capcheck_test_reservation_utilization", "half", func(h int) float64 {
		if h >= 12 {
			return 0.50
		}
		return 0.30
	})
	synthetic("capcheck_test_reservation_utilization", "full", func(int) float64 { return 0.95 })
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// startPrometheus backfills the series with promtool and serves them from
// a Prometheus on a free loopback port, stopped when the test ends.
func startPrometheus(t *testing.T) string {
	prom, promtool := promTools(t)
	data := testkit.NeedData(t, "nab/elb_request_count_8c0756.csv")
	dir := t.TempDir()
	om := filepath.Join(dir, "series.om")
	if err := os.WriteFile(om, openMetrics(t, data), 0o644); err != nil {
		t.Fatal(err)
	}
	tsdb := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, tsdb).CombinedOutput(); err != nil {
		t.Fatalf("promtool backfill: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	var logs bytes.Buffer
	// The backfilled samples are months old by the wall clock; a long
	// retention keeps every block.
	cmd := exec.Command(prom,
		"--config.file="+cfg,
		"--storage.tsdb.path="+tsdb,
		"--storage.tsdb.retention.time=3650d",
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs.String())
		}
	})
	url := "http://" + addr
	// A readiness wait, not a timed assertion: generous so a loaded 2-core
	// machine does not flake; a Prometheus that never gets ready fails.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus at %s not ready after 60s (last: %v)", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// auditRepo writes a repository: pool h100-use1 of 11 p5.48xlarge (88
// GPUs, one zone, lead 8 weeks) with workload chat (inference, 10 rps per
// GPU, the given plan peak, no growth in the plan_for scenario) and the
// given Prometheus queries.
func auditRepo(t *testing.T, peak int, demand, gpu, reservation string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"capacity/serving.yaml": fmt.Sprintf(`name: serving
owner: ml-platform
reviewed: "2026-07-01"
horizon_months: 12
scenarios:
  conservative: {monthly_growth: 0}
  moderate: {monthly_growth: 0}
  aggressive: {monthly_growth: 0.01}
contingency: shed batch traffic and serve cached answers
pools:
  h100-use1:
    gpu: H100-SXM
    region: us-east-1
    lead_time_weeks: 8
    price_per_gpu_hour: {reserved: 2.5, on_demand: 6}
    reservations: [aws_ec2_capacity_reservation.h100]
    utilization:
      gpu: {prometheus: '%s'}
      reservation: {prometheus: '%s'}
workloads:
  chat:
    kind: inference
    pool: h100-use1
    requests_per_s: {peak: %d}
    requests_per_s_per_gpu: 10
    slo: {availability: 0.99}
    as_of: "2026-07-01"
    actuals: {prometheus: '%s'}
`, gpu, reservation, peak, demand),
		"infra/gpu.tf": `resource "aws_ec2_capacity_reservation" "h100" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 11
}
`,
	}
	testkit.WriteFiles(t, root, files)
	return root
}

// TestAuditAgainstPrometheus audits plans against a real Prometheus
// serving a real demand series.
func TestAuditAgainstPrometheus(t *testing.T) {
	url := startPrometheus(t)
	const (
		selector = `capcheck_test_requests_per_s{workload="chat"}`
		sum      = `sum(capcheck_test_requests_per_s)`
	)
	gpu := func(pool string) string { return fmt.Sprintf(`capcheck_test_gpu_utilization{pool="%s"}`, pool) }
	res := func(pool string) string { return fmt.Sprintf(`capcheck_test_reservation_utilization{pool="%s"}`, pool) }
	type finding struct{ Rule, Level, Msg string }
	tests := []struct {
		name     string
		peak     int
		demand   string
		gpu, res string
		wantCode int
		want     []finding
		// figures from document.audit
		wantGPUP95, wantResMean float64
		wantCliff               string
	}{
		{
			// Observed peak 656 against the plan's 400: 656/400 − 1 = 64%
			// above. At 656 rps chat needs 65.6 GPUs of 88: headroom 1 −
			// 65.6/88 = 25.5% < 30% from 2026-07 on; the plan (40 GPUs, no
			// growth) has no cliff. chat's availability (0.99) owes no
			// redundancy, so the plan backs 40 / (1 − 0.30) = 57.1 of the 88
			// reserved GPUs: 30.9 unbacked (CAP007).
			name: "drift", peak: 400, demand: selector, gpu: gpu("cool"), res: res("full"),
			wantCode: exitPolicy,
			want:     []finding{{"CAP007", "warn", "pool h100-use1: up to 88 GPUs reserved in the commit window but the forecast backs only 57.1 (30.9 unbacked); release them or plan the demand that needs them"}, {"CAP020", "deny", "workload chat: observed peak 656 requests/s over the 14 days to 2026-07-15 is 64% above the plan's 400 for 2026-07 (drift tolerance 15%); at the observed level pool h100-use1's cliff moves from none to 2026-07; raise the plan's baseline or growth to match and check the pool's capacity"}},
			// cool: 168 hourly peaks at 0.30, 168 at 0.50: the 320th smallest
			// (⌈0.95 × 336⌉) is 0.50. full: 0.95 every hour.
			wantGPUP95: 0.5, wantResMean: 0.95, wantCliff: "2026-07",
		},
		{
			// 656/600 − 1 = 9.3%: within 15%. hot: 168 hourly peaks at 0.92
			// (buckets ending 09:00 … 20:00), 168 at 0.55: p95 0.92 > 85%.
			// half: hourly means 0.30 (buckets ending 01:00 … 12:00) and 0.50:
			// mean (168 × 0.3 + 168 × 0.5) / 336 = 0.40 < 50%.
			name: "utilisation", peak: 600, demand: selector, gpu: gpu("hot"), res: res("half"),
			wantCode: exitPolicy,
			want: []finding{
				{"CAP021", "deny", "pool h100-use1: GPU utilisation p95 92% (peak 92%) over the 14 days to 2026-07-15 is above the critical 85%; add GPUs or shed load now: latency SLOs are at risk"},
				{"CAP022", "warn", "pool h100-use1: reserved GPUs were 40% utilised on average over the 14 days to 2026-07-15, below the 50% minimum (88 GPUs reserved); release or resize reservations, or move workloads onto them"},
			},
			wantGPUP95: 0.92, wantResMean: 0.4, wantCliff: "2026-07",
		},
		{
			// The demand as an expression (a subquery on the server): the
			// same peak 656, 9.3% above 600; cool and full are within the
			// lines.
			name: "healthy", peak: 600, demand: sum, gpu: gpu("cool"), res: res("full"),
			wantCode: exitPass, want: []finding{},
			wantGPUP95: 0.5, wantResMean: 0.95, wantCliff: "2026-07",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := auditRepo(t, tc.peak, tc.demand, tc.gpu, tc.res)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"audit", "--prometheus", url, "--window", "14d", "--step", "1h",
				"--now", "2026-07-15", "--format", "json", root}, strings.NewReader(""), &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, tc.wantCode, stderr.String(), stdout.String())
			}
			var out struct {
				Verdict  string
				Findings []finding
				Document struct {
					Audit struct {
						Workloads []struct {
							ObservedPeak   float64 `json:"observed_peak"`
							ObservedPeakAt string  `json:"observed_peak_at"`
							Samples        int
							Source         string
						}
						Pools []struct {
							GPU            struct{ P95 float64 }
							Reservation    struct{ Mean float64 }
							RefreshedCliff string `json:"refreshed_cliff"`
						}
						NotAudited []any `json:"not_audited"`
					}
				}
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("decode the JSON result: %v\n%s", err, stdout.String())
			}
			got := out.Findings
			if got == nil {
				got = []finding{}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings:\n got %q\nwant %q", got, tc.want)
			}
			a := out.Document.Audit
			if len(a.Workloads) != 1 || len(a.Pools) != 1 || len(a.NotAudited) != 0 {
				t.Fatalf("audit has %d workloads, %d pools, %d not audited; want 1, 1, 0", len(a.Workloads), len(a.Pools), len(a.NotAudited))
			}
			w, p := a.Workloads[0], a.Pools[0]
			if w.ObservedPeak != 656 || w.ObservedPeakAt != "2026-07-13T19:00:00Z" || w.Samples != 336 {
				t.Errorf("chat observed peak %g at %s over %d steps, want 656 at 2026-07-13T19:00:00Z (the step ending after 18:49) over 336",
					w.ObservedPeak, w.ObservedPeakAt, w.Samples)
			}
			if !strings.HasPrefix(w.Source, "max_over_time(") {
				t.Errorf("chat source %q: want the pushed-down max_over_time query", w.Source)
			}
			if !testkit.Within(p.GPU.P95, tc.wantGPUP95, 1e-9) || !testkit.Within(p.Reservation.Mean, tc.wantResMean, 1e-9) || p.RefreshedCliff != tc.wantCliff {
				t.Errorf("pool: GPU p95 %g, reservation mean %g, refreshed cliff %q; want %g, %g, %q",
					p.GPU.P95, p.Reservation.Mean, p.RefreshedCliff, tc.wantGPUP95, tc.wantResMean, tc.wantCliff)
			}
		})
	}

	// A query the server rejects fails the audit with exit 2 and the
	// query's position in the plan.
	t.Run("bad query", func(t *testing.T) {
		root := auditRepo(t, 600, "sum(", gpu("cool"), res("full"))
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"audit", "--prometheus", url, "--window", "14d", "--now", "2026-07-15", root},
			strings.NewReader(""), &stdout, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), "capacity/serving.yaml:") ||
			!strings.Contains(stderr.String(), "HTTP 400: bad_data") || stdout.Len() != 0 {
			t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 with the server's bad_data error at the query's position and no report", code, stdout.String(), stderr.String())
		}
	})
}
