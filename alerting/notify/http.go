package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// exchange records the last HTTP response (or transport failure) of one
// Notify call. The client libraries turn responses into errors of their
// own, some without the status and none with Retry-After; the recording is
// what the retry classification reads.
type exchange struct {
	next      http.RoundTripper
	userAgent string

	mu     sync.Mutex
	status int
	header http.Header
	body   []byte // the start of an error response's body
	err    error
}

// How much of an error response's body is kept: to parse it, and to quote
// it in an error message (which is stored with every failed attempt).
const (
	errorBodyLimit   = 4096
	errorMessageBody = 512
)

func (x *exchange) RoundTrip(req *http.Request) (*http.Response, error) {
	if x.userAgent != "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", x.userAgent)
	}
	resp, err := x.next.RoundTrip(req)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err = err
	x.status, x.header, x.body = 0, nil, nil
	if resp != nil {
		x.status, x.header = resp.StatusCode, resp.Header.Clone()
		if resp.StatusCode >= 400 && resp.Body != nil {
			head, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
			x.body = head
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		}
	}
	return resp, err
}

func (x *exchange) last() (status int, header http.Header, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.header, x.err
}

// errorBody is the start of the last error response's body, for an error
// message: trimmed, and cut to errorMessageBody runes.
func (x *exchange) errorBody() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, _ := truncateRunes(strings.TrimSpace(string(x.body)), errorMessageBody)
	return s
}

// rawErrorBody is the kept start of the last error response's body, for
// parsing.
func (x *exchange) rawErrorBody() []byte {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.body
}

// newExchange is a copy of base whose transport records into the exchange;
// one per Notify call, so concurrent notifications don't share a recording.
func newExchange(base *http.Client, userAgent string) (*http.Client, *exchange) {
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	x := &exchange{next: next, userAgent: userAgent}
	c := *base
	c.Transport = x
	return &c, x
}

// classify turns what one exchange ended with into a DeliveryError: 429,
// 408 and 5xx are worth retrying (with the server's Retry-After), so is a
// request that never got a response; any other status is final. err is
// the client library's error, already scrubbed. A request cancelled is
// final; one that ran out of its integration's timeout is retried (Deliver
// stops anyway when its own context is done).
func classify(ctx context.Context, status int, header http.Header, transportErr, err error) *DeliveryError {
	de := &DeliveryError{HTTPStatus: status, Err: err}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		de.Retryable = false
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		de.Retryable = true
	case status == 0:
		de.Retryable = transportErr != nil || isNetworkError(err)
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		de.Retryable = true
		de.RetryAfter = retryAfter(header)
	}
	return de
}

// retryAfter reads a Retry-After header: delay-seconds, or an HTTP date
// measured against the response's own Date when it has one.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	now := time.Now()
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if d := at.Sub(now); d > 0 {
		return d
	}
	return 0
}

// scrubber removes secrets from error text before it leaves the package:
// client libraries and net/http put request URLs (a Slack webhook URL is
// the secret itself) and sometimes response bodies into their errors.
type scrubber struct {
	secrets []string
}

func (s *scrubber) add(secrets ...string) {
	for _, v := range secrets {
		v = strings.TrimSpace(v)
		if v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
}

// addURL adds a URL holding a secret: the URL, and its path and query on
// their own, since errors quote them in more than one spelling.
func (s *scrubber) addURL(u *url.URL) {
	if u == nil {
		return
	}
	s.add(u.String())
	if u.Path != "" && u.Path != "/" {
		s.add(u.Path, u.EscapedPath())
	}
	if u.RawQuery != "" {
		s.add(u.RawQuery)
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			s.add(p)
		}
	}
}

func (s *scrubber) text(msg string) string {
	// Longest first, so a secret containing another is replaced whole.
	secrets := append([]string(nil), s.secrets...)
	for i := 1; i < len(secrets); i++ {
		for j := i; j > 0 && len(secrets[j]) > len(secrets[j-1]); j-- {
			secrets[j], secrets[j-1] = secrets[j-1], secrets[j]
		}
	}
	for _, v := range secrets {
		quoted := strconv.Quote(v)
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), quoted[1 : len(quoted)-1]} {
			if form != "" {
				msg = strings.ReplaceAll(msg, form, "<secret>")
			}
		}
	}
	return msg
}

// error is err with its request URLs cut to scheme and host and every
// secret replaced by "<secret>". Only a context error stays reachable
// through Unwrap: anything else in the chain may still hold the secret.
func (s *scrubber) error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		short := redactURL(ue.URL)
		msg = strings.ReplaceAll(msg, strconv.Quote(ue.URL), strconv.Quote(short))
		msg = strings.ReplaceAll(msg, ue.URL, short)
	}
	se := &scrubbedError{msg: s.text(msg)}
	switch {
	case errors.Is(err, context.Canceled):
		se.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		se.cause = context.DeadlineExceeded
	}
	if isNetworkError(err) {
		se.network = true
	}
	return se
}

func (s *scrubber) errorf(format string, args ...any) error {
	return s.error(fmt.Errorf(format, args...))
}

type scrubbedError struct {
	msg     string
	cause   error
	network bool
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

// redactURL keeps a URL's scheme and host: enough to tell which endpoint
// failed, nothing of the path or query a webhook URL keeps its secret in.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<redacted>"
	}
	return u.Scheme + "://" + u.Host
}

func isNetworkError(err error) bool {
	var se *scrubbedError
	if errors.As(err, &se) {
		return se.network
	}
	// A url.Error is what http.Client returns when no response came back,
	// its own timeout included; the caller's context is checked apart.
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne)
}
