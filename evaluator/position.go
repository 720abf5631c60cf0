package evaluator

import "github.com/capcheck/capcheck/internal/diag"

// orPos returns p when it names a file, else fallback.
func orPos(p, fallback diag.Pos) diag.Pos {
	if p.IsValid() {
		return p
	}
	return fallback
}
