// Command engineserver serves a fresh embedded ClickHouse engine over
// ClickHouse's HTTP interface (store/chhttp) and does nothing else.
//
// It is the engine behind the reference collector in bench/compare: the
// contrib clickhouseexporter writes to it exactly as it would to a
// ClickHouse server, on the same engine slopipe embeds. A whole slopipe
// daemon would do that too, but its SLO evaluation, self-telemetry and
// queues would add to the CPU seconds charged to the reference.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chhttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:28123", "loopback address of the ClickHouse HTTP interface")
	dataDir := flag.String("data-dir", "", "the engine's data directory (required; use a fresh one per run)")
	database := flag.String("database", "reference", "database created at start")
	libchdb := flag.String("libchdb", "", "path of libchdb.so (default: SLOPIPE_LIBCHDB)")
	flag.Parse()
	if err := run(*addr, *dataDir, *database, *libchdb); err != nil {
		fmt.Fprintln(os.Stderr, "engineserver:", err)
		os.Exit(1)
	}
}

func run(addr, dataDir, database, libchdb string) error {
	if dataDir == "" {
		return fmt.Errorf("-data-dir is required")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.OpenEmbedded(libchdb, dataDir, database)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := chhttp.New(chhttp.Config{Addr: addr}, st, log)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "engineserver: ClickHouse HTTP interface on %s, database %s, data in %s\n", srv.Addr(), database, dataDir)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
