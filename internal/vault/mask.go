package vault

import (
	"strings"
	"unicode/utf8"
)

// Masks show enough of a value to recognize it, never enough to use it.

// MaskID shows an ID number's first 6 and last 4 characters:
// 230102********1234.
func MaskID(id string) string {
	n := utf8.RuneCountInString(id)
	if n <= 10 {
		return strings.Repeat("*", n)
	}
	r := []rune(id)
	return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
}

// MaskPhone shows a phone number's first 3 and last 4 digits:
// 138****5678. Short numbers keep only their last 2.
func MaskPhone(p string) string {
	r := []rune(strings.TrimSpace(p))
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
	case n > 4:
		return strings.Repeat("*", n-2) + string(r[n-2:])
	}
	return strings.Repeat("*", n)
}

// MaskName keeps a name's first character: 王**, 欧阳** (two stars for
// any length, so the mask does not tell the name's length).
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "**"
}

// MaskText hides free text entirely except its length class.
func MaskText(s string) string {
	if s == "" {
		return ""
	}
	return "（已加密，需查看权限）"
}

// MaskAccount shows a bank account's last 4 digits: **** **** 1234.
func MaskAccount(a string) string {
	a = strings.ReplaceAll(strings.TrimSpace(a), " ", "")
	if len(a) <= 4 {
		return strings.Repeat("*", len(a))
	}
	return "**** **** " + a[len(a)-4:]
}
