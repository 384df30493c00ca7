package tencentsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// tc3Signature computes TC3-HMAC-SHA256 as Tencent's 签名方法 v3 document
// writes it, for a POST whose canonical URI is "/" and query empty, signed
// headers content-type and host. It is the simulator's own: the client's
// (package signing) is not used, so the two check each other.
func tc3Signature(secretKey, contentType, host string, body []byte, ts int64, service string) string {
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	canonical := strings.Join([]string{"POST", "/", "", "content-type:" + contentType + "\nhost:" + host + "\n", "content-type;host", sum(body)}, "\n")
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sum([]byte(canonical))
	k := mac([]byte("TC3"+secretKey), date)
	k = mac(k, service)
	k = mac(k, "tc3_request")
	return hex.EncodeToString(mac(k, toSign))
}

// authorization is a parsed Authorization header.
type authorization struct {
	secretID, date, service, signedHeaders, signature string
}

// parseAuthorization reads "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
// SignedHeaders=…, Signature=…"; ok is false for anything else.
func parseAuthorization(v string) (a authorization, ok bool) {
	rest, found := strings.CutPrefix(v, "TC3-HMAC-SHA256 ")
	if !found {
		return a, false
	}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(val, "/")
			if len(f) != 4 || f[3] != "tc3_request" {
				return a, false
			}
			a.secretID, a.date, a.service = f[0], f[1], f[2]
		case "SignedHeaders":
			a.signedHeaders = val
		case "Signature":
			a.signature = val
		}
	}
	return a, a.secretID != "" && a.signature != ""
}
