package slo

import (
	"sort"
	"time"
)

// Minute is one minute's events: the unit the SLI events table stores and
// every window is summed from.
type Minute struct {
	Start int64 // Unix seconds of the minute's start
	Counts
}

// Interval is [From, To): a maintenance window whose minutes are left out
// of the SLI.
type Interval struct{ From, To time.Time }

func (iv Interval) holds(unixSeconds int64) bool {
	return unixSeconds >= iv.From.Unix() && unixSeconds < iv.To.Unix()
}

func excluded(unixSeconds int64, exclusions []Interval) bool {
	for _, iv := range exclusions {
		if iv.holds(unixSeconds) {
			return true
		}
	}
	return false
}

// span returns the minutes whose start is in [from, to); minutes is sorted
// by Start.
func span(minutes []Minute, from, to time.Time) []Minute {
	lo, hi := from.Unix(), to.Unix()
	i := sort.Search(len(minutes), func(i int) bool { return minutes[i].Start >= lo })
	j := sort.Search(len(minutes), func(j int) bool { return minutes[j].Start >= hi })
	if j < i {
		return nil
	}
	return minutes[i:j]
}

// Sum adds the events of the minutes in [from, to) outside the exclusions.
func Sum(minutes []Minute, from, to time.Time, exclusions []Interval) Counts {
	var c Counts
	for _, m := range span(minutes, from, to) {
		if !excluded(m.Start, exclusions) {
			c = c.Add(m.Counts)
		}
	}
	return c
}

// eachSlice walks [from, to) in timeslices of length slice, aligned to the
// Unix epoch so that every window cuts the same slices, and calls fn with
// each slice's events; slices without events are skipped.
func eachSlice(minutes []Minute, from, to time.Time, slice time.Duration, exclusions []Interval, fn func(Counts)) {
	width := int64(slice / time.Second)
	if width < 60 {
		width = 60
	}
	var (
		current Counts
		index   int64
		open    bool
	)
	for _, m := range span(minutes, from, to) {
		if excluded(m.Start, exclusions) {
			continue
		}
		i := floorDiv(m.Start, width)
		if open && i != index {
			if current.Total > 0 {
				fn(current)
			}
			current = Counts{}
		}
		index, open = i, true
		current = current.Add(m.Counts)
	}
	if open && current.Total > 0 {
		fn(current)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// GoodTimeslices counts the timeslices of [from, to) with events (Total) and,
// among them, those whose good/total reaches target (Good): OpenSLO's
// Timeslices method with a ratio SLI.
func GoodTimeslices(minutes []Minute, from, to time.Time, slice time.Duration, target float64, exclusions []Interval) Counts {
	var c Counts
	eachSlice(minutes, from, to, slice, exclusions, func(s Counts) {
		c.Total++
		if s.Good/s.Total >= target {
			c.Good++
		}
	})
	return c
}

// MeanTimesliceRatio is the mean of the good/total ratios of the timeslices of
// [from, to) with events: OpenSLO's RatioTimeslices method. Unknown without
// any.
func MeanTimesliceRatio(minutes []Minute, from, to time.Time, slice time.Duration, exclusions []Interval) Value {
	var sum float64
	n := 0
	eachSlice(minutes, from, to, slice, exclusions, func(s Counts) {
		sum += s.Good / s.Total
		n++
	})
	if n == 0 {
		return unknown
	}
	return known(sum / float64(n))
}
