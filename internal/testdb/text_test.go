package testdb

import (
	"fmt"
	"testing"
	"time"
)

// text must write what fmt.Sprint writes, so a canary or a fingerprint
// reads the same either way.
func TestTextIsSprint(t *testing.T) {
	for _, v := range []any{nil, "甲,b", int64(-42), int64(1) << 62, true, false, 0.1, 1e21, -3.5, float64(7),
		time.Date(2015, 8, 11, 9, 30, 0, 5, time.UTC), int32(3)} {
		if got, want := text(v), fmt.Sprint(v); got != want {
			t.Errorf("text(%#v) = %q, fmt.Sprint = %q", v, got, want)
		}
	}
	if got := text([]byte("通知")); got != "通知" {
		t.Errorf("text of bytes = %q", got)
	}
}
