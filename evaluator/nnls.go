package evaluator

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// errNNLS reports a non-negative least-squares problem that cannot be
// solved (too few rows, a rank-deficient passive set).
var errNNLS = errors.New("nnls: problem is degenerate")

// nnls solves min ‖A·x − b‖₂ subject to x ≥ 0 with the active-set method
// of Lawson and Hanson (Solving Least Squares Problems, 1974, ch. 23). A is
// rows×cols with rows ≥ cols ≥ 1; columns are scaled to unit norm before
// solving (and the solution unscaled) so that token counts in the
// thousands and replica-seconds below one stay well conditioned. gonum has
// no NNLS: each passive-set least-squares step is a gonum QR solve, and
// every precondition gonum would panic on is checked first.
func nnls(a [][]float64, b []float64) ([]float64, error) {
	rows := len(a)
	if rows == 0 || len(b) != rows {
		return nil, errNNLS
	}
	cols := len(a[0])
	if cols == 0 || rows < cols {
		return nil, errNNLS
	}
	for _, r := range a {
		if len(r) != cols {
			return nil, errNNLS
		}
	}
	// Column scaling.
	scale := make([]float64, cols)
	for j := range cols {
		var s float64
		for i := range rows {
			s += a[i][j] * a[i][j]
		}
		if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, errNNLS
		}
		scale[j] = math.Sqrt(s)
	}
	A := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			A.Set(i, j, a[i][j]/scale[j])
		}
	}
	B := mat.NewVecDense(rows, append([]float64(nil), b...))
	bnorm := mat.Norm(B, 2)
	eps := 1e-12 * math.Max(1, bnorm)

	x := make([]float64, cols)
	passive := make([]bool, cols)
	grad := func() []float64 { // w = Aᵀ(b − A·x)
		r := mat.NewVecDense(rows, nil)
		r.MulVec(A, mat.NewVecDense(cols, append([]float64(nil), x...)))
		r.SubVec(B, r)
		w := mat.NewVecDense(cols, nil)
		w.MulVec(A.T(), r)
		return w.RawVector().Data
	}
	// solveP solves the unconstrained least squares on the passive columns.
	solveP := func() ([]float64, error) {
		var idx []int
		for j, p := range passive {
			if p {
				idx = append(idx, j)
			}
		}
		z := make([]float64, cols)
		if len(idx) == 0 {
			return z, nil
		}
		ap := mat.NewDense(rows, len(idx), nil)
		for i := range rows {
			for k, j := range idx {
				ap.Set(i, k, A.At(i, j))
			}
		}
		var qr mat.QR
		qr.Factorize(ap)
		var s mat.VecDense
		if err := qr.SolveVecTo(&s, false, B); err != nil {
			return nil, errNNLS
		}
		for k, j := range idx {
			v := s.AtVec(k)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errNNLS
			}
			z[j] = v
		}
		return z, nil
	}

	for iter := 0; iter < 3*cols+10; iter++ {
		w := grad()
		t, wmax := -1, eps
		for j := range cols {
			if !passive[j] && w[j] > wmax {
				t, wmax = j, w[j]
			}
		}
		if t < 0 {
			break // Kuhn–Tucker conditions hold
		}
		passive[t] = true
		for inner := 0; ; inner++ {
			if inner > 3*cols+10 {
				return nil, errNNLS
			}
			z, err := solveP()
			if err != nil {
				return nil, err
			}
			feasible := true
			for j := range cols {
				if passive[j] && z[j] <= 0 {
					feasible = false
				}
			}
			if feasible {
				copy(x, z)
				break
			}
			// Step from x towards z as far as feasibility allows, then move
			// the variables that hit zero back to the active set.
			alpha := math.Inf(1)
			for j := range cols {
				if passive[j] && z[j] <= 0 {
					if d := x[j] - z[j]; d > 0 {
						alpha = math.Min(alpha, x[j]/d)
					} else {
						alpha = 0
					}
				}
			}
			for j := range cols {
				x[j] += alpha * (z[j] - x[j])
				if passive[j] && x[j] <= 1e-15 {
					passive[j] = false
					x[j] = 0
				}
			}
		}
	}
	for j := range cols {
		x[j] /= scale[j]
		if x[j] < 0 {
			x[j] = 0
		}
	}
	return x, nil
}
