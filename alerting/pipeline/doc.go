// Package pipeline carries alerts to receivers the way Alertmanager does,
// as small stages read top to bottom in Pipeline.flush:
//
//	route     each alert goes down the routing tree to the routes it
//	          matches (continue lets it match siblings too)
//	group     per route, alerts with the same group_by values form an
//	          aggregation group, flushed group_wait after it formed and
//	          every group_interval after that
//	inhibit   a firing alert matching an inhibit rule's source mutes the
//	          alerts matching its target with the same equal labels
//	silence   alerts matched by an active silence are muted
//	interval  a route's mute_time_intervals (and outside its
//	          active_time_intervals) mute its whole group
//	dedup     per integration, the notification log says whether the
//	          receiver already knows: new firing alerts, resolves, or
//	          repeat_interval elapsed
//	notify    the integration is called, retried with backoff
//	record    the notification log entry and the attempts are written to
//	          the store, in group commits: one insert takes what every
//	          group that delivered meanwhile has waiting
//
// The order is Alertmanager's (routing and grouping before the mute
// stages), so a muted alert still belongs to its group and goes out when
// the silence ends.
//
// The notification log, silences and attempts live in the store: after a
// restart a still-firing alert is not notified again, and its resolve is.
// Time comes from the caller (Process and Flush take now), so scenarios
// run on a fake clock.
package pipeline
