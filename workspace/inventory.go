package workspace

import (
	"context"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/inventory"
)

// Inventory is `capcheck inventory`: the repository's capacity entries,
// each linked to the plan pool that claims it (evaluator.Link).
func Inventory(ctx context.Context, root string, opts Options) (*inventory.Inventory, error) {
	ws, err := Load(ctx, root, opts)
	if err != nil {
		return nil, err
	}
	return evaluator.Link(ws.Plans, ws.Inventory)
}
