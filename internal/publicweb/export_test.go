package publicweb

// CaptchaAnswer is the digits of a CAPTCHA the door drew, as a person
// reads them off the image ("" when there is none).
func (d *Door) CaptchaAnswer(id string) string {
	digits, ok := d.h.captchas.digits(id)
	if !ok {
		return ""
	}
	out := make([]byte, len(digits))
	for i, b := range digits {
		out[i] = '0' + b
	}
	return string(out)
}
