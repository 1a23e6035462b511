package store

import (
	"context"
	"errors"
)

// Ping asks the store for the smallest answer it can give, to tell whether
// it answers at all (health checks). The embedded engine runs one statement
// at a time and does not give up when ctx ends: a caller that must answer
// within a deadline waits for Ping in a goroutine of its own.
func Ping(ctx context.Context, st Store) error {
	rows, err := st.Query(ctx, "SELECT 1", nil)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}
