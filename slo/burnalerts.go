package slo

import (
	"strings"
	"time"
)

// BurnAlertPair is one condition of the SRE workbook's multi-window,
// multi-burn-rate alerts: it holds when the burn rate over both Long and
// Short is at least Factor. Short is the window that lets the alert stop
// soon after the burning does.
type BurnAlertPair struct {
	Severity    string // "page" or "ticket"
	Short, Long string // names of BurnWindows
	// BudgetPercent is the share of the period's error budget that burning
	// at Factor spends within Long.
	BudgetPercent float64
	Factor        float64
}

// burnAlertShares are the workbook's choices: a page when 2 % of the
// budget goes in an hour or 5 % in six hours, a ticket when 10 % goes in a
// day or in three days.
var burnAlertShares = [...]struct {
	severity, short, long string
	percent               float64
	longHours             int64
}{
	{"page", "5m", "1h", 2, 1},
	{"page", "30m", "6h", 5, 6},
	{"ticket", "2h", "1d", 10, 24},
	{"ticket", "6h", "3d", 10, 72},
}

// BurnAlertPairs are the four alert conditions for an SLO period, scaled to
// it as Sloth scales them: Factor = BudgetPercent / 100 × period / Long, so
// a 30-day period gives the workbook's 14.4, 6, 3 and 1, and 28 days gives
// 13.44, 5.6, 2.8 and 0.93….
func BurnAlertPairs(period time.Duration) []BurnAlertPair {
	pairs := make([]BurnAlertPair, len(burnAlertShares))
	for i, s := range burnAlertShares {
		// Whole hours multiplied before the one division: 30 days gives
		// exactly the double nearest 14.4, as the literal does.
		factor := s.percent * float64(int64(period/time.Hour)) / float64(100*s.longHours)
		if period%time.Hour != 0 {
			factor = s.percent / 100 * period.Hours() / float64(s.longHours)
		}
		pairs[i] = BurnAlertPair{Severity: s.severity, Short: s.short, Long: s.long, BudgetPercent: s.percent, Factor: factor}
	}
	return pairs
}

// AlertPairs are the alert conditions in effect for the SLO: its own
// (Alerting.Pairs) or else BurnAlertPairs for its period — a calendar
// window's nominal length, so a month has the workbook's 30-day factors —
// without the severities Sloth's page_alert.disable and
// ticket_alert.disable turn off. The slice is the caller's.
func (s *SLO) AlertPairs() []BurnAlertPair {
	pairs := s.Alerting.Pairs
	if len(pairs) == 0 {
		pairs = BurnAlertPairs(s.Window.periodLength())
	}
	out := make([]BurnAlertPair, 0, len(pairs))
	for _, p := range pairs {
		if (p.Severity == "page" && s.Alerting.Page.Disabled) || (p.Severity == "ticket" && s.Alerting.Ticket.Disabled) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// burnWindow is the index in BurnWindows of the window a duration names
// ("1h", "60m" and "3600s" alike), or -1.
func burnWindow(text string) int {
	fixed, _, _, err := ParseDuration(text)
	if err != nil {
		return -1
	}
	for i, w := range BurnWindows {
		if w.Length == fixed {
			return i
		}
	}
	return -1
}

// burnWindowNames lists BurnWindows' names, for messages.
func burnWindowNames() string {
	names := make([]string, len(BurnWindows))
	for i, w := range BurnWindows {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}
