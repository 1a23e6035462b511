// Command slopipe is the slopipe daemon: it opens the store (the embedded
// ClickHouse engine by default, or a ClickHouse server), brings its schema up
// to date and serves ClickHouse's HTTP interface over the embedded store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chdb"
	"github.com/slopipe/slopipe/store/chhttp"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "slopipe:", err)
		os.Exit(1)
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run(args []string) error {
	fs := flag.NewFlagSet("slopipe", flag.ContinueOnError)
	var cfg store.Config
	fs.StringVar(&cfg.DataDir, "data-dir", env("SLOPIPE_DATA_DIR", "./data"), "embedded store data directory (env SLOPIPE_DATA_DIR)")
	fs.StringVar(&cfg.Library, "libchdb", os.Getenv("SLOPIPE_LIBCHDB"), "path of libchdb.so for the embedded store (env SLOPIPE_LIBCHDB; default the cache `make engine` fills)")
	fs.StringVar(&cfg.DSN, "clickhouse-dsn", os.Getenv("SLOPIPE_CLICKHOUSE_DSN"), "ClickHouse server DSN; empty uses the embedded store (env SLOPIPE_CLICKHOUSE_DSN)")
	fs.StringVar(&cfg.Cluster, "clickhouse-cluster", os.Getenv("SLOPIPE_CLICKHOUSE_CLUSTER"), "cluster for ON CLUSTER DDL (server mode)")
	fs.StringVar(&cfg.Database, "database", env("SLOPIPE_DATABASE", "otel"), "database of slopipe's tables")
	httpAddr := fs.String("clickhouse-http-addr", env("SLOPIPE_CLICKHOUSE_HTTP_ADDR", "127.0.0.1:8123"), `ClickHouse HTTP interface over the embedded store; "off" disables it`)
	httpUser := fs.String("clickhouse-http-user", os.Getenv("SLOPIPE_CLICKHOUSE_HTTP_USER"), "user the HTTP interface requires (with SLOPIPE_CLICKHOUSE_HTTP_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, cfg)
	if err != nil {
		var missing *chdb.MissingLibraryError
		if errors.As(err, &missing) {
			return missing
		}
		return fmt.Errorf("store: %w", err)
	}
	defer st.Close()
	log.Info("store ready", "backend", st.Backend(), "database", st.Database())

	if emb, ok := st.(*store.Embedded); ok && *httpAddr != "off" && *httpAddr != "" {
		users := map[string]string{}
		if *httpUser != "" {
			users[*httpUser] = os.Getenv("SLOPIPE_CLICKHOUSE_HTTP_PASSWORD")
		}
		srv, err := chhttp.New(chhttp.Config{Addr: *httpAddr, Users: users}, emb, log)
		if err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			return err
		}
		log.Info("ClickHouse HTTP interface listening", "addr", srv.Addr())
		defer func() {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(shutdownCtx)
		}()
	}
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}
