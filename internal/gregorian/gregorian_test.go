package gregorian

import (
	"testing"
	"time"
)

// The Gregorian cycle is 400 years of 146,097 days, so a mean month is
// 146,097 / 4,800 = 30.436875 days, and 30.436875 × 86,400 s =
// 2,629,746 s: 30 days (2,592,000 s) + 10 h 29 min 6 s (37,746 s).
func TestMonth(t *testing.T) {
	if MonthDays != 146097.0/4800 {
		t.Errorf("MonthDays = %v, want 146097/4800 = 30.436875", MonthDays)
	}
	want := 30*24*time.Hour + 10*time.Hour + 29*time.Minute + 6*time.Second
	if Month != want {
		t.Errorf("Month = %v, want %v (2,629,746 s)", Month, want)
	}
}
