// Package redact hides credentials in text bound for logs and error
// messages: the password of a URL's user info and password= parameters,
// as PostgreSQL addresses carry them.
package redact

import "regexp"

// Mask replaces every hidden secret.
const Mask = "xxxxx"

var (
	// scheme://user:secret@ (the secret ends at the last @ before the
	// host, as url.Parse reads it, and never spans a space or quote)
	userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:"'` + "`" + `]*):[^\s/?#"'` + "`" + `]*@`)
	// password=secret in a URL query or a key=value connection string,
	// quoted ('...') or not; also sslpassword=.
	keyValue = regexp.MustCompile(`(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;"'` + "`" + `]*)`)
)

// String returns s with every credential it holds replaced by Mask.
func String(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	return keyValue.ReplaceAllString(s, "${1}"+Mask)
}

// Error wraps err so that its message holds no credential; errors.Is and
// errors.As still see err. A nil err stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*redacted); ok {
		return err
	}
	return &redacted{err: err, msg: String(err.Error())}
}

type redacted struct {
	err error
	msg string
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }
