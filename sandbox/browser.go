package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browser is an HTTP client that plays a person on the sandbox's check
// pages: it opens the page, presses a button, follows the redirect or
// submits the auto-posting form back to your return URL, like a browser
// with JavaScript would. It needs no browser installed.
type Browser struct {
	// Client sends the requests; it must follow redirects (the default
	// does). Nil uses a client with a cookie jar.
	Client *http.Client
}

// Visit is what the browser saw.
type Visit struct {
	// PageStatus is the check page's HTTP status (200 when it offered the
	// buttons).
	PageStatus int
	// ReturnURL is the last URL the browser landed on: your return URL with
	// the vendor's parameters, or the sandbox page when it did not return.
	ReturnURL string
	// ReturnStatus and ReturnBody are your return handler's answer.
	ReturnStatus int
	ReturnBody   []byte
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)" id="(outcomes|return-form)">(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	msgRe    = regexp.MustCompile(`<p id="message">([^<]*)</p>`)
)

// browserTransport is the transport of a Browser without a Client: its
// own, not http.DefaultTransport, whose idle connections every
// httptest.Server's Close closes, breaking a press running beside it in a
// parallel test ("CloseIdleConnections called").
var browserTransport http.RoundTripper = func() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}()

// ErrNoButtons means the check page offered no outcome buttons: the session
// is unknown, used or expired (the page says which), or a magic input
// already completed it.
var ErrNoButtons = errors.New("sandbox: the check page offers no buttons")

// Press opens checkURL, presses the button for o and follows the vendor's
// way back to the return URL. With a magic session, the page completes on
// opening and o is not used. A page without a button for o (the vendor
// cannot send it, see OutcomesFor) gives ErrOutcomeNotOffered.
func (b *Browser) Press(ctx context.Context, checkURL string, o Outcome) (*Visit, error) {
	c := b.Client
	if c == nil {
		jar, _ := cookiejar.New(nil)
		c = &http.Client{Jar: jar, Transport: browserTransport}
	}
	resp, body, err := fetch(ctx, c, http.MethodGet, checkURL, nil)
	if err != nil {
		return nil, err
	}
	v := &Visit{PageStatus: resp.StatusCode}
	for step := 0; step < 3; step++ {
		m := formRe.FindSubmatch(body)
		if m == nil {
			if step == 0 && resp.Request.URL.String() == checkURL {
				if msg := msgRe.FindSubmatch(body); msg != nil {
					return v, fmt.Errorf("%w: %s", ErrNoButtons, html.UnescapeString(string(msg[1])))
				}
			}
			break
		}
		form := url.Values{}
		for _, h := range hiddenRe.FindAllSubmatch(m[3], -1) {
			form.Add(html.UnescapeString(string(h[1])), html.UnescapeString(string(h[2])))
		}
		if string(m[2]) == "outcomes" {
			if !bytes.Contains(m[3], []byte(`name="outcome" value="`+html.EscapeString(string(o))+`"`)) {
				return v, fmt.Errorf("%w: the page has no %q button", ErrOutcomeNotOffered, o)
			}
			form.Set("outcome", string(o))
		}
		resp, body, err = fetch(ctx, c, http.MethodPost, html.UnescapeString(string(m[1])), form)
		if err != nil {
			return v, err
		}
	}
	v.ReturnURL = resp.Request.URL.String()
	v.ReturnStatus = resp.StatusCode
	v.ReturnBody = body
	return v, nil
}

func fetch(ctx context.Context, c *http.Client, method, u string, form url.Values) (*http.Response, []byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (go-liveness sandbox browser)")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp, b, err
}
