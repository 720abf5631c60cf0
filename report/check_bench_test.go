package report

import (
	"io"
	"testing"
)

// BenchmarkCheckFormats renders the fixture in every format.
func BenchmarkCheckFormats(b *testing.B) {
	c, opts := fixtureCheck(), fixtureOptions()
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if err := Write(io.Discard, format, c, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarkdownTruncated renders a ~78,000-character comment cut to
// 60,000 (450 warnings).
func BenchmarkMarkdownTruncated(b *testing.B) {
	c := bigCheck(450, 0)
	for b.Loop() {
		if err := Write(io.Discard, "markdown", c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
