package workspace

import (
	"context"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/report/export"
)

// Export loads the tree at root and evaluates its plans at now, for what
// `capcheck export` writes: the plans' queries and thresholds, and each
// pool's evaluated dates (order-by, expiring reservations).
func Export(ctx context.Context, root string, opts Options, now time.Time) (export.Input, error) {
	ws, err := Load(ctx, root, opts)
	if err != nil {
		return export.Input{}, err
	}
	doc, err := ws.evaluate(ws.Plans, now)
	if err != nil {
		return export.Input{}, err
	}
	return export.Input{Plans: ws.Plans, Pools: evaluator.Summarize(doc), Docs: doc.Pools}, nil
}
