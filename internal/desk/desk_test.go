package desk

import "testing"

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
