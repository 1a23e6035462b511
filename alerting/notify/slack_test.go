package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/slopipe/slopipe/alerting/amconfig"
)

const testSlackToken = "xoxb-1111-2222-s3cr3tT0k3n"

// fakeSlack is Slack's Web API: chat.postMessage and chat.update, which
// slack-go sends as forms. reply answers each call; by default ok.
type fakeSlack struct {
	*httptest.Server
	mu    sync.Mutex
	calls []slackCall
	reply func(method string, form url.Values, w http.ResponseWriter) bool // false: answer ok
	posts int
}

type slackCall struct {
	Method string
	Form   url.Values
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("%s: Content-Type %q", method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		f.mu.Lock()
		f.calls = append(f.calls, slackCall{Method: method, Form: r.PostForm})
		reply := f.reply
		f.mu.Unlock()
		if reply != nil && reply(method, r.PostForm, w) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "chat.postMessage":
			f.mu.Lock()
			f.posts++
			ts := []string{"", "1741944413.000100", "1741944999.000200", "1741945555.000300"}[min(f.posts, 3)]
			f.mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C0SLO", "ts": ts})
		case "chat.update":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": r.PostForm.Get("ts"), "text": ""})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSlack) all() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

func (f *fakeSlack) config(updateMessage bool) *amconfig.SlackConfig {
	base, _ := amconfig.ParseSecretURL(f.URL + "/api/")
	yes := true
	return &amconfig.SlackConfig{
		APIURL:        base,
		HTTPConfig:    &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Type: "Bearer", Credentials: testSlackToken}},
		Channel:       "#slo",
		Text:          "{{ .CommonAnnotations.summary }}",
		SendResolved:  &yes,
		UpdateMessage: &updateMessage,
	}
}

func slackAttachment(color, title, fallback, text string, burn bool) string {
	burnField := ""
	if burn {
		burnField = `{"title":"Burn rate","value":"15.2× (1h/5m)","short":true},`
	}
	return `[{
		"color": "` + color + `",
		"fallback": "` + fallback + `",
		"title": "` + title + `",
		"title_link": "https://grafana.example.com/d/checkout",
		"text": "` + text + `",
		"fields": [
			{"title":"SLO","value":"checkout","short":true},
			{"title":"Tenant","value":"acme","short":true},
			{"title":"Severity","value":"page","short":true},
			` + burnField + `
			{"title":"Error budget left","value":"63.2%","short":true}
		],
		"mrkdwn_in": ["fallback","pretext","text"],
		"blocks": null
	}]`
}

func TestSlackBotPostsThenUpdatesOnResolve(t *testing.T) {
	sl := newFakeSlack(t)
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(true)}}, Options{})
	if in.Name() != "slack[0]" || in.Kind() != "slack" || !in.SendResolved() {
		t.Fatalf("name %q kind %q send_resolved %v", in.Name(), in.Kind(), in.SendResolved())
	}

	n := firingNotification()
	res := Deliver(context.Background(), in, n, noJitter(), newFakeClock())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantState := map[string]string{"slack[0].channel": "C0SLO", "slack[0].ts": "1741944413.000100", "slack[0].status": "firing"}
	if !mapsEqual(res.State, wantState) {
		t.Fatalf("state %v, want %v", res.State, wantState)
	}
	if a := res.Attempts; len(a) != 1 || a[0].HTTPStatus != 200 || a[0].Status != AttemptDelivered {
		t.Fatalf("attempts %+v", a)
	}

	for k, v := range res.State {
		n.State[k] = v
	}
	r := resolvedNotification(n)
	res = Deliver(context.Background(), in, r, noJitter(), newFakeClock())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wantState["slack[0].status"] = "resolved"
	if !mapsEqual(res.State, wantState) {
		t.Fatalf("state after resolve %v, want %v", res.State, wantState)
	}

	calls := sl.all()
	if len(calls) != 2 || calls[0].Method != "chat.postMessage" || calls[1].Method != "chat.update" {
		t.Fatalf("calls %+v", calls)
	}
	post, update := calls[0].Form, calls[1].Form
	if post.Get("token") != testSlackToken || post.Get("channel") != "#slo" || post.Get("username") != "slopipe" || post.Has("ts") {
		t.Errorf("chat.postMessage form %v", post)
	}
	assertJSON(t, []byte(post.Get("attachments")), slackAttachment("danger",
		"[FIRING:1] SLOBurnRate checkout tenant acme",
		"[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m), 63.2% budget left",
		"checkout burns its error budget too fast", true))

	// The resolve edits the message it posted: same channel (the ID Slack
	// answered with), same ts.
	if update.Get("token") != testSlackToken || update.Get("channel") != "C0SLO" || update.Get("ts") != "1741944413.000100" {
		t.Errorf("chat.update form %v", update)
	}
	assertJSON(t, []byte(update.Get("attachments")), slackAttachment("good",
		"[RESOLVED] SLOBurnRate checkout tenant acme",
		"[RESOLVED] SLOBurnRate checkout tenant acme — 63.2% budget left",
		"checkout burns its error budget too fast", false))
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestSlackBotWithoutUpdateMessagePostsAgain(t *testing.T) {
	sl := newFakeSlack(t)
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(false)}}, Options{})
	n := firingNotification()
	state, err := in.Notify(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range state {
		n.State[k] = v
	}
	state, err = in.Notify(context.Background(), resolvedNotification(n))
	if err != nil {
		t.Fatal(err)
	}
	calls := sl.all()
	if len(calls) != 2 || calls[0].Method != "chat.postMessage" || calls[1].Method != "chat.postMessage" {
		t.Fatalf("calls %+v", calls)
	}
	if state["slack[0].ts"] != "1741944999.000200" {
		t.Fatalf("state %v", state)
	}
}

func TestSlackBotNewFiringAfterResolvePostsNew(t *testing.T) {
	sl := newFakeSlack(t)
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(true)}}, Options{})
	n := firingNotification()
	n.State = map[string]string{"slack[0].channel": "C0SLO", "slack[0].ts": "1700000000.000001", "slack[0].status": "resolved"}
	state, err := in.Notify(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if calls := sl.all(); len(calls) != 1 || calls[0].Method != "chat.postMessage" {
		t.Fatalf("calls %+v", calls)
	}
	if state["slack[0].ts"] != "1741944413.000100" {
		t.Fatalf("state %v", state)
	}

	// A firing update of a firing message edits it.
	n.State = state
	if _, err := in.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if calls := sl.all(); len(calls) != 2 || calls[1].Method != "chat.update" || calls[1].Form.Get("ts") != "1741944413.000100" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestSlackBotMessageGoneIsPostedAgain(t *testing.T) {
	sl := newFakeSlack(t)
	sl.reply = func(method string, _ url.Values, w http.ResponseWriter) bool {
		if method != "chat.update" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":false,"error":"message_not_found"}`))
		return true
	}
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(true)}}, Options{})
	n := resolvedNotification(firingNotification())
	n.State = map[string]string{"slack[0].channel": "C0SLO", "slack[0].ts": "1700000000.000001", "slack[0].status": "firing"}
	state, err := in.Notify(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	calls := sl.all()
	if len(calls) != 2 || calls[0].Method != "chat.update" || calls[1].Method != "chat.postMessage" {
		t.Fatalf("calls %+v", calls)
	}
	if state["slack[0].ts"] != "1741944413.000100" {
		t.Fatalf("state %v", state)
	}
}

func TestSlackBotAPIErrorIsFinal(t *testing.T) {
	sl := newFakeSlack(t)
	sl.reply = func(_ string, _ url.Values, w http.ResponseWriter) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
		return true
	}
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(true)}}, Options{})
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), newFakeClock())
	if res.Err == nil || !strings.Contains(res.Err.Error(), "slack[0]: chat.postMessage: channel_not_found") {
		t.Fatalf("error %v", res.Err)
	}
	if a := res.Attempts; len(a) != 1 || a[0].Status != AttemptFailed || a[0].HTTPStatus != 200 {
		t.Fatalf("attempts %+v", a)
	}
	if len(sl.all()) != 1 {
		t.Fatalf("%d calls", len(sl.all()))
	}
}

func TestSlackBotRateLimited(t *testing.T) {
	sl := newFakeSlack(t)
	var once sync.Once
	sl.reply = func(_ string, _ url.Values, w http.ResponseWriter) bool {
		limited := false
		once.Do(func() {
			limited = true
			w.Header().Set("Retry-After", "3")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		})
		return limited
	}
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{sl.config(true)}}, Options{})
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if a := res.Attempts; len(a) != 2 || a[0].HTTPStatus != 429 || a[0].Status != AttemptRetrying || a[1].Status != AttemptDelivered {
		t.Fatalf("attempts %+v", a)
	}
	if len(clock.Slept()) != 1 || clock.Slept()[0] < 3e9 {
		t.Fatalf("slept %v, want ≥ 3s", clock.Slept())
	}
	if res.State["slack[0].ts"] == "" {
		t.Fatalf("state %v", res.State)
	}
}

// fakeWebhook is an incoming webhook or a webhook receiver: it records
// each request and answers with status and body.
type fakeWebhook struct {
	*httptest.Server
	recorder
	status []int
	body   string
}

func newFakeWebhook(t *testing.T, body string, status ...int) *fakeWebhook {
	f := &fakeWebhook{status: status, body: body}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		i := len(f.all()) - 1
		code := http.StatusOK
		if len(f.status) > 0 {
			code = f.status[min(i, len(f.status)-1)]
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(f.body))
	}))
	t.Cleanup(f.Close)
	return f
}

const testSlackWebhookPath = "/services/T0000/B0000/XXXXwebhookSECRETXXXX"

func TestSlackWebhook(t *testing.T) {
	hook := newFakeWebhook(t, "ok")
	u, _ := amconfig.ParseSecretURL(hook.URL + testSlackWebhookPath)
	in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{{
		APIURL: u, Channel: "#slo", Username: "SLO bot", IconEmoji: ":fire:",
		Text: "{{ .CommonAnnotations.summary }}",
	}}}, Options{})
	if in.SendResolved() {
		t.Fatal("send_resolved defaults to false")
	}
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), newFakeClock())
	if res.Err != nil || len(res.State) != 0 {
		t.Fatalf("err %v state %v", res.Err, res.State)
	}
	reqs := hook.all()
	if len(reqs) != 1 || reqs[0].Path != testSlackWebhookPath || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests %+v", reqs)
	}
	assertJSON(t, reqs[0].Body, `{
		"channel": "#slo", "username": "SLO bot", "icon_emoji": ":fire:",
		"replace_original": false, "delete_original": false,
		"attachments": `+slackAttachment("danger",
		"[FIRING:1] SLOBurnRate checkout tenant acme",
		"[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m), 63.2% budget left",
		"checkout burns its error budget too fast", true)+`
	}`)

	// Without send_resolved, a resolved group is not told.
	res = Deliver(context.Background(), in, resolvedNotification(firingNotification()), noJitter(), newFakeClock())
	if res.Err != nil || len(res.Attempts) != 0 || len(hook.all()) != 1 {
		t.Fatalf("resolved: %+v, %d requests", res, len(hook.all()))
	}
}

func TestSlackWebhookErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		body      string
		retryable bool
		attempts  int
	}{
		{http.StatusNotFound, "channel_not_found", false, 1},
		{http.StatusBadRequest, "invalid_payload", false, 1},
		{http.StatusServiceUnavailable, "", true, 3},
	} {
		hook := newFakeWebhook(t, tc.body, tc.status)
		u, _ := amconfig.ParseSecretURL(hook.URL + testSlackWebhookPath)
		in := buildOne(t, &amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{{APIURL: u}}}, Options{})
		res := Deliver(context.Background(), in, firingNotification(), RetryPolicy{Jitter: -1, MaxElapsed: 3e9}, newFakeClock())
		if res.Err == nil || len(res.Attempts) != tc.attempts || len(hook.all()) != tc.attempts {
			t.Fatalf("%d: err %v attempts %+v requests %d", tc.status, res.Err, res.Attempts, len(hook.all()))
		}
		last := res.Attempts[len(res.Attempts)-1]
		if last.HTTPStatus != tc.status || last.Status != AttemptFailed || (tc.body != "" && !strings.Contains(last.Err, tc.body)) {
			t.Errorf("%d: last attempt %+v", tc.status, last)
		}
		if strings.Contains(res.Err.Error(), "SECRET") {
			t.Errorf("%d: the webhook URL is in the error: %v", tc.status, res.Err)
		}
	}
}

func TestSlackBuild(t *testing.T) {
	tok := &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Credentials: "xoxb-1"}}
	for _, tc := range []struct {
		conf *amconfig.SlackConfig
		err  string
	}{
		{&amconfig.SlackConfig{HTTPConfig: tok}, `receiver "ops": slack_configs[0]: channel: required`},
		{&amconfig.SlackConfig{Channel: "#x"}, `receiver "ops": slack_configs[0]: api_url:`},
		{&amconfig.SlackConfig{Channel: "#x", HTTPConfig: &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Type: "Token", Credentials: "x"}}}, `http_config.authorization.type`},
	} {
		_, err := Build(&amconfig.Receiver{Name: "ops", SlackConfigs: []*amconfig.SlackConfig{tc.conf}}, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Build error %v, want %q", err, tc.err)
		}
	}
}

func TestSlackAPIBase(t *testing.T) {
	for raw, want := range map[string]string{
		"https://slack.com/api/chat.postMessage": "https://slack.com/api/",
		"https://slack.com/api/":                 "https://slack.com/api/",
		"https://slack.com/api":                  "https://slack.com/api/",
		"http://127.0.0.1:9/api/chat.update":     "http://127.0.0.1:9/api/",
	} {
		u, _ := url.Parse(raw)
		if got := slackAPIBase(u); got != want {
			t.Errorf("slackAPIBase(%q) = %q, want %q", raw, got, want)
		}
	}
}
