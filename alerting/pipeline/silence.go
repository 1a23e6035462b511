package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/store"
)

// ErrStore wraps the store's refusals: the silence was valid, the store
// could not keep it.
var ErrStore = errors.New("store")

// Silence states, as Alertmanager names them.
const (
	SilencePending = "pending"
	SilenceActive  = "active"
	SilenceExpired = "expired"
)

// Matcher is a silence matcher in Alertmanager's API v2 shape.
type Matcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual *bool  `json:"isEqual,omitempty"` // default true
}

func (m Matcher) equal() bool { return m.IsEqual == nil || *m.IsEqual }

// compile turns the API matcher into one that matches.
func (m Matcher) compile() (*labels.Matcher, error) {
	t := labels.MatchEqual
	switch {
	case m.IsRegex && m.equal():
		t = labels.MatchRegexp
	case m.IsRegex:
		t = labels.MatchNotRegexp
	case !m.equal():
		t = labels.MatchNotEqual
	}
	return labels.NewMatcher(t, m.Name, m.Value)
}

// String is the matcher in Alertmanager's syntax: slo="checkout",
// tenant=~"a|b".
func (m Matcher) String() string {
	c, err := m.compile()
	if err != nil {
		return fmt.Sprintf("%s<invalid: %v>", m.Name, err)
	}
	return c.String()
}

// MatcherOf is the API's shape of a parsed matcher.
func MatcherOf(m *labels.Matcher) Matcher {
	equal := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
	return Matcher{Name: m.Name, Value: m.Value, IsRegex: m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp, IsEqual: &equal}
}

// Silence mutes the alerts its matchers all match between StartsAt and
// EndsAt.
type Silence struct {
	ID        string    `json:"id"`
	Matchers  []Matcher `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	UpdatedAt time.Time `json:"updatedAt"`
	compiled  labels.Matchers
}

// State is pending, active or expired at now.
func (s *Silence) State(now time.Time) string {
	switch {
	case !now.Before(s.EndsAt):
		return SilenceExpired
	case now.Before(s.StartsAt):
		return SilencePending
	}
	return SilenceActive
}

// Validate names what is wrong with a silence as a user wrote it.
func (s *Silence) Validate() error {
	if err := s.compileMatchers(); err != nil {
		return err
	}
	switch {
	case s.StartsAt.IsZero():
		return errors.New("startsAt: missing")
	case s.EndsAt.IsZero():
		return errors.New("endsAt: missing")
	case !s.EndsAt.After(s.StartsAt):
		return errors.New("endsAt: must be after startsAt")
	case s.CreatedBy == "":
		return errors.New("createdBy: missing")
	case s.Comment == "":
		return errors.New("comment: missing")
	}
	return nil
}

// compileMatchers checks and compiles the matchers.
func (s *Silence) compileMatchers() error {
	if len(s.Matchers) == 0 {
		return errors.New("matchers: at least one is needed")
	}
	allEmpty := true
	s.compiled = s.compiled[:0]
	for i, m := range s.Matchers {
		if !model.LabelName(m.Name).IsValid() || m.Name == "" {
			return fmt.Errorf("matchers[%d].name: %q is not a label name", i, m.Name)
		}
		c, err := m.compile()
		if err != nil {
			return fmt.Errorf("matchers[%d].value: %w", i, err)
		}
		if !c.Matches("") {
			allEmpty = false
		}
		s.compiled = append(s.compiled, c)
	}
	// As Alertmanager: a silence matching the empty label set would mute
	// everything.
	if allEmpty {
		return errors.New("matchers: they all match the empty string, so the silence would mute every alert")
	}
	return nil
}

// Mutes says whether the silence is active at now and matches lset.
func (s *Silence) Mutes(lset model.LabelSet, now time.Time) bool {
	return s.State(now) == SilenceActive && matches(s.compiled, lset)
}

// Silences are the silences the pipeline mutes by, kept in the store so
// every replica and every restart sees the same.
type Silences struct {
	store store.Store
	mu    sync.RWMutex
	byID  map[string]*Silence
}

// NewSilences returns an empty set; Load reads the store.
func NewSilences(st store.Store) *Silences { return &Silences{store: st, byID: map[string]*Silence{}} }

// retention is how long expired silences are still listed.
const silenceRetention = 5 * 24 * time.Hour

// Load replaces the set with the store's silences: those that have not
// ended, and those that ended within five days (listed, muting nothing).
func (ss *Silences) Load(ctx context.Context, now time.Time) error {
	rows, err := store.LoadSilences(ctx, ss.store, now.Add(-silenceRetention))
	if err != nil {
		return fmt.Errorf("silences: %w", err)
	}
	byID := make(map[string]*Silence, len(rows))
	var bad []error
	for _, r := range rows {
		s := &Silence{ID: r.ID, StartsAt: r.StartsAt, EndsAt: r.EndsAt, CreatedBy: r.CreatedBy, Comment: r.Comment, UpdatedAt: r.UpdatedAt}
		if err := json.Unmarshal([]byte(r.Matchers), &s.Matchers); err != nil {
			bad = append(bad, fmt.Errorf("silence %s: matchers: %w", r.ID, err))
			continue
		}
		// Only the matchers: the times were checked when the silence was
		// added, and expiring a pending one leaves startsAt = endsAt.
		if err := s.compileMatchers(); err != nil {
			bad = append(bad, fmt.Errorf("silence %s: %w", r.ID, err))
			continue
		}
		byID[s.ID] = s
	}
	ss.mu.Lock()
	// A silence added or expired here while the store was read is newer
	// than what was read: it stays.
	for id, cur := range ss.byID {
		if read, ok := byID[id]; (!ok && !now.Add(-silenceRetention).After(cur.EndsAt)) || (ok && cur.UpdatedAt.After(read.UpdatedAt)) {
			byID[id] = cur
		}
	}
	ss.byID = byID
	ss.mu.Unlock()
	return errors.Join(bad...)
}

// Add validates s, gives it an ID when it has none (an ID updates that
// silence), and saves it. A start in the past starts it now.
func (ss *Silences) Add(ctx context.Context, s Silence, now time.Time) (string, error) {
	if s.StartsAt.IsZero() || s.StartsAt.Before(now) {
		s.StartsAt = now
	}
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.ID == "" {
		s.ID = newSilenceID()
	} else if ss.Get(s.ID) == nil {
		return "", fmt.Errorf("id: no silence %q", s.ID)
	}
	s.UpdatedAt = now
	if err := ss.save(ctx, &s); err != nil {
		return "", err
	}
	return s.ID, nil
}

// Expire ends a silence at now; false when there is no such silence.
func (ss *Silences) Expire(ctx context.Context, id string, now time.Time) (bool, error) {
	cur := ss.Get(id)
	if cur == nil {
		return false, nil
	}
	if cur.State(now) == SilenceExpired {
		return true, nil
	}
	s := *cur
	s.compiled = append(labels.Matchers(nil), cur.compiled...)
	if now.Before(s.StartsAt) {
		s.StartsAt = now
	}
	s.EndsAt, s.UpdatedAt = now, now
	return true, ss.save(ctx, &s)
}

func (ss *Silences) save(ctx context.Context, s *Silence) error {
	matchers, err := json.Marshal(s.Matchers)
	if err != nil {
		return err
	}
	row := store.Silence{ID: s.ID, Matchers: string(matchers), StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		CreatedBy: s.CreatedBy, Comment: s.Comment, UpdatedAt: s.UpdatedAt}
	if err := store.SaveSilence(ctx, ss.store, row); err != nil {
		return fmt.Errorf("saving silence %s: %w: %w", s.ID, ErrStore, err)
	}
	ss.mu.Lock()
	ss.byID[s.ID] = s
	ss.mu.Unlock()
	return nil
}

// Get is the silence with id, nil when none.
func (ss *Silences) Get(id string) *Silence {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	return ss.byID[id]
}

// List is every silence, newest start first.
func (ss *Silences) List() []Silence {
	ss.mu.RLock()
	out := make([]Silence, 0, len(ss.byID))
	for _, s := range ss.byID {
		out = append(out, *s)
	}
	ss.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StartsAt.Equal(out[j].StartsAt) {
			return out[i].StartsAt.After(out[j].StartsAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Muting returns the IDs of the active silences matching lset.
func (ss *Silences) Muting(lset model.LabelSet, now time.Time) []string {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	var ids []string
	for id, s := range ss.byID {
		if s.Mutes(lset, now) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// newSilenceID is a random UUID, the shape Alertmanager's IDs have.
func newSilenceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
