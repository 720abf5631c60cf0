package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// manyPools is the healthy document scaled to n pools, each with its
// workload and three reservations, plus one pool 2 GPUs short of headroom so
// that findings are produced and judged.
func manyPools(b *testing.B, n int) map[string]any {
	d := healthyDoc(b)
	pool, work := firstPool(d), firstWorkload(d)
	res := d["reservations"].([]any)
	var pools, works, reservations []any
	for i := range n {
		name := fmt.Sprintf("h100-%02d", i)
		p, w := clone(b, pool), clone(b, work)
		p["name"], w["name"], w["pool"] = name, fmt.Sprintf("chat-%02d", i), name
		var addrs []any
		for _, r := range res {
			r := clone(b, r.(map[string]any))
			r["address"] = fmt.Sprintf("%s_%02d", r["address"], i)
			r["pool"] = name
			addrs = append(addrs, r["address"])
			reservations = append(reservations, r)
		}
		p["reservations"] = addrs
		pools, works = append(pools, p), append(works, w)
	}
	short := pools[0].(map[string]any)
	short["min_headroom"], short["gpus_short"] = 0.2857142857, 2
	d["pools"], d["workloads"], d["reservations"] = pools, works, reservations
	return d
}

func clone(b *testing.B, m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkEval evaluates every built-in rule over a 20-pool document, alone
// and as a pull request diff (base = head). ns/pool divides by the 20 pools.
func BenchmarkEval(b *testing.B) {
	const pools = 20
	e := newTestEngine(b, Options{})
	head := manyPools(b, pools)
	diff := manyPools(b, pools)
	diff["base"] = manyPools(b, pools)
	for _, bc := range []struct {
		name string
		doc  map[string]any
	}{{"head", head}, {"diff", diff}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.Eval(ctx, bc.doc, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Verdict != VerdictFail {
					b.Fatalf("Verdict = %s, want fail", res.Verdict)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pools, "ns/pool")
		})
	}
}

// BenchmarkNew measures loading, compiling and preparing the built-ins.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(context.Background(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
