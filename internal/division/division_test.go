package division

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHarbinCounts(t *testing.T) {
	ds, err := Harbin()
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]int{}
	villages := 0
	for _, d := range ds {
		count[Level(d.Code)]++
		if Level(d.Code) == Village && IsVillage(d.Name) {
			villages++
		}
	}
	want := map[int]int{City: 1, Area: 18, Street: 328, Village: 3158}
	for lvl, n := range want {
		if count[lvl] != n {
			t.Errorf("level %d: %d units, want %d", lvl, count[lvl], n)
		}
	}
	if villages < 1500 || villages > 2500 {
		t.Errorf("%d of 3158 level-5 units named as villages; expected about 1,900", villages)
	}
	if ds[0].Code != "2301" || ds[1].Parent != "2301" {
		t.Errorf("parents must come first: %+v %+v", ds[0], ds[1])
	}
}

func TestFederationName(t *testing.T) {
	cases := []struct{ code, name, want string }{
		{"2301", "哈尔滨市", "哈尔滨市妇联"},
		{"230102", "道里区", "道里区妇联"},
		{"230102001", "兆麟街道", "兆麟街道妇联"},
		{"110101001001", "多福巷社区居委会", "多福巷社区妇联"},
		{"230111100201", "新华村委会", "新华村妇联"},
		{"230111100202", "红星社区居民委员会", "红星社区妇联"},
		{"230111100203", "天鹅湾社区委员会", "天鹅湾社区妇联"},
		{"230111100204", "平乐村", "平乐村妇联"},
		{"230111100205", "三电社区居民委会", "三电社区妇联"},
	}
	for _, c := range cases {
		if got := FederationName(Division{Code: c.code, Name: c.name}, ""); got != c.want {
			t.Errorf("FederationName(%s) = %s, want %s", c.name, got, c.want)
		}
	}
	if got := FederationName(Division{Code: "1101", Name: "市辖区"}, "北京市"); got != "北京市（市辖区）妇联" {
		t.Errorf("municipality placeholder: %s", got)
	}
}

func TestReadDistFiltersAndOrders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"provinces.csv": "code,name\n23,\"黑龙江省\"\n11,\"北京市\"\n",
		"cities.csv":    "code,name,provinceCode\n2301,\"哈尔滨市\",23\n1101,\"市辖区\",11\n",
		"areas.csv":     "code,name,cityCode,provinceCode\n230102,\"道里区\",2301,23\n110101,\"东城区\",1101,11\n",
		"streets.csv":   "code,name,areaCode,provinceCode,cityCode\n230102001,\"兆麟街道\",230102,23,2301\n",
		"villages.csv":  "code,name,streetCode,provinceCode,cityCode,areaCode\n230102001001,\"兆麟社区居委会\",230102001,23,2301,230102\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := ReadDist(dir, "2301", func(d Division) error { got = append(got, d.Code+"<"+d.Parent); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"23<", "2301<23", "230102<2301", "230102001<230102", "230102001001<230102001"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
