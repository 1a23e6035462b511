package store_test

import (
	"context"
	"testing"

	"github.com/slopipe/slopipe/store"
)

func TestPingAnswersWhileTheStoreIsOpen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		if err := store.Ping(context.Background(), s); err != nil {
			t.Fatalf("ping of an open store: %v", err)
		}
	})
}

func TestPingFailsOnAClosedConnection(t *testing.T) {
	s := backends(t, t.Name())["server"]
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Ping(context.Background(), s); err == nil {
		t.Fatal("ping of a closed server connection succeeded")
	}
}
