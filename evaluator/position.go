package evaluator

import "github.com/capcheck/capcheck/internal/diag"

// position converts a diagnostic position to the document's Position.
func position(p diag.Pos) Position {
	return Position{File: p.File, Line: p.Line, Column: p.Column}
}

// posOf converts a document position back to a diagnostic one.
func posOf(p Position) diag.Pos {
	return diag.Pos{File: p.File, Line: p.Line, Column: p.Column}
}

// orPos returns p when it names a file, else fallback.
func orPos(p, fallback diag.Pos) diag.Pos {
	if p.IsValid() {
		return p
	}
	return fallback
}
