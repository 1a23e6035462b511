package manager_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/alerting/pipeline"
	"github.com/slopipe/slopipe/store"
)

// A forward to Alertmanager is counted under receiver alertmanager:
// failed while one Alertmanager refuses the alerts, delivered once all
// take them.
func TestForwardsAreCounted(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if refuse.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer am.Close()
	m, err := manager.New(manager.Options{Store: openStore(t), Clock: notifytest.NewClock(start),
		Policy: alerting.DefaultPolicyConfig(), Alertmanagers: []string{am.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	key := func(status string) pipeline.CountKey {
		return pipeline.CountKey{Receiver: manager.ForwardReceiver, Integration: manager.ForwardReceiver, Status: status}
	}
	fire := func() {
		t.Helper()
		budget := &alerting.Alert{Labels: model.LabelSet{alerting.LabelAlertName: "CostBudget", alerting.LabelSeverity: alerting.SeverityTicket},
			StartsAt: start, UpdatedAt: start}
		if err := m.SetSourceAlerts(ctx, "cost", []*alerting.Alert{budget}); err != nil {
			t.Fatal(err)
		}
		m.Wait()
	}
	fire()
	if got := m.Counts(); got[key(store.NotificationFailed)] != 1 || got[key(store.NotificationDelivered)] != 0 {
		t.Fatalf("after a refused forward: %v", got)
	}
	refuse.Store(false)
	fire() // a failed forward is sent again with the next evaluation
	if got := m.Counts(); got[key(store.NotificationFailed)] != 1 || got[key(store.NotificationDelivered)] != 1 {
		t.Fatalf("after a delivered forward: %v", got)
	}
}
