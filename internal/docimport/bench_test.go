package docimport

import (
	"os"
	"testing"
)

func BenchmarkParseSeed(b *testing.B) {
	text, err := os.ReadFile("testdata/seed_000.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Parse(string(text))
	}
}
