package notify

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/slopipe/slopipe/alerting/amconfig"
)

// echo is a server that answers every request with status and a body
// repeating all it was sent: URL, headers and body, secrets included, as a
// careless proxy or API might.
func echo(t *testing.T, status int) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":"rejected %s %v","errors":[%q]}`, r.URL.String(), r.Header, string(b))
	}))
	t.Cleanup(s.Close)
	return s
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestSecretsStayOut(t *testing.T) {
	const (
		routingKey = "PDr0ut1ngK3ySECRET000000000000ab"
		botToken   = "xoxb-9999-8888-B0tT0k3nSECRET"
		hookPath   = "/services/T1/B2/W3bh00kSECRET"
		password   = "B4s1cPa55wordSECRET"
		bearer     = "W3bh00kB3ar3rSECRET"
		queryToken = "Qu3ryT0k3nSECRET"
	)
	secrets := []string{routingKey, botToken, hookPath, "W3bh00kSECRET", password, bearer, queryToken,
		base64.StdEncoding.EncodeToString([]byte("u:" + password))}

	down := "http://" + closedAddr(t)
	type target struct {
		name string
		conf func(base string) *amconfig.Receiver
	}
	targets := []target{
		{"pagerduty", func(base string) *amconfig.Receiver {
			u, _ := url.Parse(base + "/v2/enqueue")
			return &amconfig.Receiver{Name: "r", PagerDutyConfigs: []*amconfig.PagerDutyConfig{{RoutingKey: routingKey, URL: &amconfig.URL{URL: u}}}}
		}},
		{"slack bot", func(base string) *amconfig.Receiver {
			u, _ := amconfig.ParseSecretURL(base + "/api/")
			return &amconfig.Receiver{Name: "r", SlackConfigs: []*amconfig.SlackConfig{{APIURL: u, Channel: "#c",
				HTTPConfig: &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Credentials: botToken}}}}}
		}},
		{"slack webhook", func(base string) *amconfig.Receiver {
			u, _ := amconfig.ParseSecretURL(base + hookPath)
			return &amconfig.Receiver{Name: "r", SlackConfigs: []*amconfig.SlackConfig{{APIURL: u}}}
		}},
		{"webhook basic", func(base string) *amconfig.Receiver {
			u, _ := amconfig.ParseSecretURL(base + hookPath + "?token=" + queryToken)
			return &amconfig.Receiver{Name: "r", WebhookConfigs: []*amconfig.WebhookConfig{{URL: u,
				HTTPConfig: &amconfig.HTTPConfig{BasicAuth: &amconfig.BasicAuth{Username: "u", Password: password}}}}}
		}},
		{"webhook bearer", func(base string) *amconfig.Receiver {
			u, _ := amconfig.ParseSecretURL(base + hookPath)
			return &amconfig.Receiver{Name: "r", WebhookConfigs: []*amconfig.WebhookConfig{{URL: u,
				HTTPConfig: &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Credentials: bearer}}}}}
		}},
	}
	for _, tg := range targets {
		for _, srv := range []struct {
			name string
			base string
		}{
			{"echoing 400", echo(t, http.StatusBadRequest).URL},
			{"echoing 500", echo(t, http.StatusInternalServerError).URL},
			{"unreachable", down},
		} {
			t.Run(tg.name+"/"+srv.name, func(t *testing.T) {
				core, logs := observer.New(zapcore.DebugLevel)
				ins, err := Build(tg.conf(srv.base), Options{Logger: zap.New(core)})
				if err != nil {
					t.Fatal(err)
				}
				res := Deliver(context.Background(), ins[0], firingNotification(), RetryPolicy{Jitter: -1, MaxElapsed: 2 * time.Second}, newFakeClock())
				if res.Err == nil {
					t.Fatal("delivered to a server that refuses everything")
				}
				var texts []string
				texts = append(texts, ins[0].Name(), res.Err.Error(), fmt.Sprintf("%v %+v %#v", res.Err, res.Err, res.Err))
				for _, a := range res.Attempts {
					texts = append(texts, a.Err)
				}
				for _, e := range logs.All() {
					texts = append(texts, e.Message, fmt.Sprint(e.ContextMap()))
				}
				all := strings.Join(texts, "\n")
				for _, s := range secrets {
					if strings.Contains(all, s) {
						t.Fatalf("secret %q leaked:\n%s", s, all)
					}
				}
				if srv.name == "unreachable" && !strings.Contains(res.Err.Error(), "refused") {
					t.Errorf("the error no longer says what happened: %v", res.Err)
				}
				if srv.name != "unreachable" && !strings.Contains(all, "<secret>") && tg.name != "slack bot" {
					t.Errorf("the echoed secret was not replaced but dropped? %s", all)
				}
			})
		}
	}
}

func TestScrubURLError(t *testing.T) {
	var s scrubber
	u, _ := url.Parse("https://hooks.slack.com/services/T1/B2/SECRETpart")
	s.addURL(u)
	err := s.error(&url.Error{Op: "Post", URL: u.String(), Err: fmt.Errorf("dial tcp: lookup hooks.slack.com: no such host")})
	if got, want := err.Error(), `Post "https://hooks.slack.com": dial tcp: lookup hooks.slack.com: no such host`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !isNetworkError(err) {
		t.Fatal("a scrubbed url.Error is no longer a network error")
	}
	err = s.errorf("x: %w", context.DeadlineExceeded)
	if !strings.Contains(err.Error(), "deadline") || !isContextErr(err) {
		t.Fatalf("%v lost its context error", err)
	}
}

func isContextErr(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "context") && (errorsIs(err, context.DeadlineExceeded) || errorsIs(err, context.Canceled)))
}

func errorsIs(err, target error) bool {
	for err != nil {
		if err == target {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
