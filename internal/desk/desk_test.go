package desk

import (
	"errors"
	"testing"
)

func TestChildAndFold(t *testing.T) {
	for _, c := range []struct{ node, path, want string }{
		{"/1/", "/1/", "/1/"},
		{"/1/", "/1/5/", "/1/5/"},
		{"/1/", "/1/5/9/12/", "/1/5/"},
		{"/1/5/", "/1/6/", ""},
		{"/1/5/", "/1/55/", ""},
	} {
		if got := Child(c.node, c.path); got != c.want {
			t.Errorf("Child(%s, %s) = %q, want %q", c.node, c.path, got, c.want)
		}
	}
	m := map[string][]int64{}
	Fold(m, "/1/", "/1/5/9/", 3, 1, 2, 3)
	Fold(m, "/1/", "/1/5/", 3, 0, 1)
	Fold(m, "/1/", "/2/", 3, 0, 7)
	if len(m) != 1 || m["/1/5/"][0] != 1 || m["/1/5/"][1] != 2 || m["/1/5/"][2] != 3 {
		t.Errorf("fold %v", m)
	}
}

func TestMemo(t *testing.T) {
	var m Memo[int]
	n := 0
	get := func(key string) (int, error) { return m.Get(key, func() (int, error) { n++; return n, nil }) }
	if v, _ := get("a"); v != 1 {
		t.Fatal(v)
	}
	if v, _ := get("a"); v != 1 {
		t.Errorf("not memoized: %d", v)
	}
	if v, _ := get("b"); v != 2 {
		t.Errorf("other key: %d", v)
	}
	boom := errors.New("x")
	if _, err := m.Get("c", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("the loader's error lost: %v", err)
	}
	if v, _ := m.Get("c", func() (int, error) { return 9, nil }); v != 9 {
		t.Errorf("an error was memoized: %d", v)
	}
	Expire()
	if v, _ := get("a"); v != 3 {
		t.Errorf("Expire left a value: %d", v)
	}
}
