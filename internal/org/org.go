// Package org is the federation tree: the city federation, its district
// federations, street and township federations, community and village
// federations, and the organs' women's committees, group members and
// new-sector organizations beside them. Every other module's scope rests on
// the materialized paths kept here.
package org

import (
	"time"
)

// Kind of unit.
type Kind string

const (
	KindNation    Kind = "nation" // 中华全国妇女联合会, the national root
	KindProvince  Kind = "province"
	KindCity      Kind = "city"
	KindDistrict  Kind = "district"  // 区县（市）妇联
	KindStreet    Kind = "street"    // 街道、乡镇妇联
	KindCommunity Kind = "community" // 社区妇联
	KindVillage   Kind = "village"   // 村妇联
	KindOrgan     Kind = "organ"     // 机关妇委会
	KindMember    Kind = "member"    // 团体会员
	KindNewSector Kind = "newsector" // 新领域新阶层组织
)

// Kinds in tree order.
var Kinds = []Kind{KindNation, KindProvince, KindCity, KindDistrict, KindStreet, KindCommunity, KindVillage, KindOrgan, KindMember, KindNewSector}

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case KindNation:
		return "全国妇联"
	case KindProvince:
		return "省级妇联"
	case KindCity:
		return "市级妇联"
	case KindDistrict:
		return "区县（市）妇联"
	case KindStreet:
		return "街道（乡镇）妇联"
	case KindCommunity:
		return "社区妇联"
	case KindVillage:
		return "村妇联"
	case KindOrgan:
		return "机关妇委会"
	case KindMember:
		return "团体会员"
	case KindNewSector:
		return "新领域组织"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Territorial reports whether the unit follows an administrative division
// (its code is the division code).
func (k Kind) Territorial() bool {
	switch k {
	case KindProvince, KindCity, KindDistrict, KindStreet, KindCommunity, KindVillage:
		return true
	}
	return false
}

// Sector of a new-sector organization.
var Sectors = map[string]string{
	"enterprise": "非公企业",
	"socialorg":  "社会组织",
	"gig":        "新业态",
}

// Org is one unit of the tree.
type Org struct {
	ID       int64
	Code     string
	Name     string
	Kind     Kind
	Sector   string
	ParentID int64 // 0 for a root
	Path     string
	Depth    int
	Active   bool
	// MergedInto is the unit this one was merged into (已撤并), 0 if none.
	MergedInto int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SectorLabel is the Chinese name of a new-sector organization's sector.
func (o Org) SectorLabel() string { return Sectors[o.Sector] }

// Level groups kinds for the counts shown on a unit's page.
type Level struct {
	Key   string
	Label string
	Kinds []Kind
}

// Levels are the rows of a subtree count, top to bottom.
var Levels = []Level{
	{"nation", "全国", []Kind{KindNation}},
	{"province", "省级", []Kind{KindProvince}},
	{"city", "市级", []Kind{KindCity}},
	{"district", "区县（市）", []Kind{KindDistrict}},
	{"street", "街道（乡镇）", []Kind{KindStreet}},
	{"grassroots", "社区（村）", []Kind{KindCommunity, KindVillage}},
	{"organ", "机关妇委会", []Kind{KindOrgan}},
	{"member", "团体会员", []Kind{KindMember}},
	{"newsector", "新领域组织", []Kind{KindNewSector}},
}
