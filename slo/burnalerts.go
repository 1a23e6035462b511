package slo

import "time"

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
