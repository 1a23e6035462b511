package dashboards

import (
	"testing"
	"time"
)

func TestPanelInterval(t *testing.T) {
	to := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		rangeLen    time.Duration
		resolution  int
		minInterval string
		want        time.Duration
	}{
		{6 * time.Hour, 1000, "", 20 * time.Second}, // 21.6s rounds to 20s
		{6 * time.Hour, 1000, "1m", time.Minute},    // raised to the min interval
		{time.Hour, 1000, "", 5 * time.Second},      // 3.6s rounds up to 5s
		{5 * time.Minute, 1000, "", 200 * time.Millisecond},
		{24 * time.Hour, 100, "", 15 * time.Minute},       // 864s rounds to 15m
		{30 * 24 * time.Hour, 1000, "", 30 * time.Minute}, // 2592s rounds to 30m
		{time.Hour, 1000, "30", 30 * time.Second},         // a bare number is seconds
		{time.Hour, 1000, "1.5m", time.Minute},            // Grafana keeps the integer count
	}
	for _, tt := range tests {
		got, err := PanelInterval(to.Add(-tt.rangeLen), to, tt.resolution, tt.minInterval)
		if err != nil {
			t.Errorf("%v/%d min %q: %v", tt.rangeLen, tt.resolution, tt.minInterval, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%v/%d min %q = %v, want %v", tt.rangeLen, tt.resolution, tt.minInterval, got, tt.want)
		}
	}
	if _, err := PanelInterval(to, to, 0, ""); err == nil {
		t.Error("resolution 0: want an error")
	}
	if _, err := PanelInterval(to.Add(-time.Hour), to, 100, "soon"); err == nil {
		t.Error(`min interval "soon": want an error`)
	}
}

func TestIntervalText(t *testing.T) {
	tests := map[time.Duration]string{
		20 * time.Second:       "20s",
		90 * time.Second:       "1m",
		time.Hour:              "1h",
		36 * time.Hour:         "1d",
		200 * time.Millisecond: "200ms",
		365 * 24 * time.Hour:   "1y",
	}
	for d, want := range tests {
		if got := IntervalText(d); got != want {
			t.Errorf("IntervalText(%v) = %q, want %q", d, got, want)
		}
	}
}
