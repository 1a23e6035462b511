// Package slo is slopipe's service level objective engine. This part is its
// math: SLIs, error budgets and burn rates computed from per-minute good and
// total event counts, over rolling and calendar windows, with budgeting by
// occurrences, timeslices or ratio timeslices (OpenSLO's three methods) and
// maintenance intervals left out.
//
// The math is pure: every function takes the counts and the evaluation time
// it needs and touches no clock, store or network, so the evaluation loop
// owns time and I/O and the numbers are exhaustively table-tested. A window
// without traffic has no SLI and no burn rate — Value.Known is false — never
// a division by zero and never a reassuring 0.
//
// The package also reads the specs (OpenSLO v1, Sloth prometheus/v1) and
// says when to alert: burn-rate alert pairs, the SRE workbook's by default
// (BurnAlertPairs), an SLO's own when its OpenSLO alert policies give them
// (SLO.AlertPairs).
package slo
