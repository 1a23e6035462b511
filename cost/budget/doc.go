// Package budget is the FinOps watch on allocated cost: monthly budgets
// per team or tenant with run-rate forecasts, and detection of daily cost
// surges.
//
// It is pure: no store, no clock, no I/O. The caller reads allocated
// daily costs (the cost extension's allocations, summed per team, tenant
// or service), passes the instant to evaluate at, and routes what comes
// back through the alerting pipeline. It does not convert currencies,
// amortize, or decide who is paged.
//
// # Budgets
//
//	budgets:
//	  - name: checkout-monthly
//	    team: checkout              # or tenant: acme — exactly one
//	    currency: USD               # default USD
//	    monthly: 25000              # a number or a string: "25000.00"
//	    alerts:                     # default: actual 80, forecast 100
//	      - {kind: actual, percent: 50}
//	      - {kind: actual, percent: 90}
//	      - {kind: forecast, percent: 100}
//
// Evaluate takes a budget, the instant now and the month's daily costs,
// and returns the month's actual cost to date, the forecast to month end,
// and the thresholds crossed. The forecast is a run rate over the time
// elapsed, the current day counted by the fraction of it gone:
//
//	forecast = actual × month length / (now − month start)
//
// 300 spent by noon on the 10th of a 30-day month (9.5 days) forecasts
// 947.3684210526. During the month's first day the forecast is the actual
// cost. A threshold is crossed when actual (or forecast) ≥ percent % of
// monthly, compared exactly in decimal: 800 of a 1000 budget crosses 80 %.
//
// Amounts are internal/decimal values; the Amount type lets them be
// written in configuration as YAML numbers or strings.
//
// # Cost anomalies
//
//	anomalies:
//	  trailing_days: 14   # history window before the day judged
//	  min_days: 7         # no verdict with less history
//	  threshold: 4        # robust z-score
//	  min_jump: 10        # least rise over the median, currency units
//
// Detect judges one day of one series (a service of a tenant, say)
// against the median and the median absolute deviation (×1.4826) of the
// trailing window: a surge when (cost − median) / max(scaled MAD, floor)
// ≥ threshold and cost − median ≥ min_jump, where floor = max(5 % of the
// median, min_jump / threshold) keeps flat and all-zero series from
// flagging noise or dividing by zero. A date without a point after the
// series' first point costs 0; before it, it is not history. Only surges
// are reported, never drops.
package budget
