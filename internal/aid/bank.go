package aid

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bank account rules. Aid is paid by bank transfer only, so an account
// must look like a real one before any batch can carry it:
//   - 16 to 19 digits. Spaces (and full-width digits and spaces, as phone
//     input methods type them) are allowed in input and dropped; anything
//     else is refused rather than guessed at.
//   - A number starting with 62 is a UnionPay card (BIN 62xxxx), and card
//     numbers carry a Luhn check digit (ISO/IEC 7812): it must pass, which
//     catches a mistyped or swapped digit before the bank bounces it.
//     Other 16–19 digit numbers may be passbook or settlement accounts,
//     which have no public check rule, so they are only length-checked.
//   - The bank's name (开户银行, e.g. 中国农业银行哈尔滨道里支行) is required.

// Messages for a bad account.
const (
	ErrAccountFormat = "银行账号应为 16 至 19 位数字"
	ErrAccountCheck  = "银行卡号校验不通过，请逐位核对"
	ErrBankName      = "请填写开户银行"
)

// CheckAccount normalizes a bank name and account number and checks them,
// returning per-field messages ("bank_name", "account") when bad.
func CheckAccount(bankName, account string) (string, string, map[string]string) {
	bankName = strings.TrimSpace(bankName)
	e := map[string]string{}
	if bankName == "" {
		e["bank_name"] = ErrBankName
	} else if utf8.RuneCountInString(bankName) > 60 {
		e["bank_name"] = "开户银行不能超过 60 字"
	}
	acc, ok := accountDigits(account)
	switch {
	case !ok || len(acc) < 16 || len(acc) > 19:
		e["account"] = ErrAccountFormat
	case strings.HasPrefix(acc, "62") && !luhn(acc):
		e["account"] = ErrAccountCheck
	}
	if len(e) > 0 {
		return bankName, "", e
	}
	return bankName, acc, nil
}

// accountDigits keeps the digits of s, dropping spaces; ok is false if
// anything else is in it.
func accountDigits(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '\t' || r == '\u3000':
		default:
			return "", false
		}
	}
	return b.String(), true
}

// luhn reports whether a digit string passes the Luhn (mod 10) check.
func luhn(digits string) bool { return luhnSum(digits, false)%10 == 0 }

// CompleteCard appends the Luhn check digit to digits: demo data and tests
// need card numbers that pass the check.
func CompleteCard(digits string) string {
	return digits + strconv.Itoa((10-luhnSum(digits, true)%10)%10)
}

// luhnSum is the Luhn sum of digits from the right, doubling every other
// digit starting with the rightmost when doubleFirst is set.
func luhnSum(digits string, doubleFirst bool) int {
	sum, double := 0, doubleFirst
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}
