package evaluator

import (
	"cmp"
	"math"
	"slices"

	"github.com/capcheck/capcheck/internal/diag"
)

// position converts a diagnostic position to the document's Position.
func position(p diag.Pos) Position {
	return Position{File: p.File, Line: p.Line, Column: p.Column}
}

// posOf converts a document position back to a diagnostic one.
func posOf(p Position) diag.Pos {
	return diag.Pos{File: p.File, Line: p.Line, Column: p.Column}
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// orPos returns p when it names a file, else fallback.
func orPos(p, fallback diag.Pos) diag.Pos {
	if p.IsValid() {
		return p
	}
	return fallback
}

// finite reports whether every x is a finite number: the document must
// encode as JSON, which has no NaN or infinity.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
