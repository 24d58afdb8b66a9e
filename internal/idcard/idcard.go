// Package idcard checks citizen ID numbers (公民身份号码) by GB 11643-1999:
// 18 characters — a 6-digit address code, the birth date YYYYMMDD, a
// 3-digit sequence whose last digit is odd for men and even for women, and
// an ISO 7064 MOD 11-2 check character (0–9 or X).
package idcard

import (
	"errors"
	"strings"
	"time"
)

// ID is a checked ID number and what it says.
type ID struct {
	Number string    // normalized: upper-case X
	Birth  time.Time // date of birth (UTC midnight)
	Female bool
}

// Errors, with messages for the person typing the number.
var (
	ErrLength = errors.New("身份证号码应为 18 位")
	ErrChars  = errors.New("身份证号码只能由数字组成，最后一位可以是 X")
	ErrBirth  = errors.New("身份证号码中的出生日期不存在")
	ErrFuture = errors.New("身份证号码中的出生日期晚于今天")
	ErrCheck  = errors.New("身份证号码校验位不对，请核对是否输错")
	ErrRegion = errors.New("身份证号码的地区代码不对")
)

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checks = "10X98765432"

// CheckChar is the check character of the first 17 digits.
func CheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return checks[sum%11]
}

// Parse checks an ID number as of today (now) and returns what it says.
// Spaces around it are ignored; a lower-case x is accepted.
func Parse(s string, now time.Time) (ID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return ID{}, ErrLength
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return ID{}, ErrChars
		}
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' {
		return ID{}, ErrChars
	}
	// Province codes run 11–82 (GB/T 2260).
	if s[0] < '1' || s[0] > '8' || s[:2] == "10" {
		return ID{}, ErrRegion
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1890 {
		return ID{}, ErrBirth
	}
	if birth.After(now) {
		return ID{}, ErrFuture
	}
	if CheckChar(s[:17]) != s[17] {
		return ID{}, ErrCheck
	}
	return ID{Number: s, Birth: birth, Female: (s[16]-'0')%2 == 0}, nil
}

// AgeAt is the age in whole years on the given day.
func (id ID) AgeAt(day time.Time) int {
	y := day.Year() - id.Birth.Year()
	if day.Month() < id.Birth.Month() || day.Month() == id.Birth.Month() && day.Day() < id.Birth.Day() {
		y--
	}
	return y
}
