package main

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/slopipe/slopipe/cost/costextension"
	"github.com/slopipe/slopipe/receivers/billingreceiver"
	"github.com/slopipe/slopipe/slo/sloapi"
)

// billingCommand is `slopipe billing import FILE...`: one-off imports
// through the running daemon, which holds the store.
func billingCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{Use: "billing", Short: "Import cloud billing exports into the running daemon"}
	cmd.PersistentFlags().StringVar(&addr, "api", "", "the daemon's API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")
	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Import FOCUS 1.0–1.2 or AWS CUR 2.0 (CSV, gzipped CSV or Parquet) or GCP (CSV) billing exports; a directory is one multi-part export; each replaces the billing periods and accounts it holds",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, files []string) error {
			for _, file := range files {
				res, err := uploadBilling(c.Context(), apiAddr(addr), file)
				if err != nil {
					return err
				}
				printImport(c.OutOrStdout(), res)
			}
			return nil
		},
	})
	return cmd
}

// uploadBilling sends one export: a file as the body, a directory (a
// multi-part export) as a multipart body of its billing files, one import.
func uploadBilling(ctx context.Context, addr, path string) (*billingreceiver.Result, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{"file": {filepath.Base(path)}}
	var body any
	if info.IsDir() {
		files, err := billingreceiver.BillingFiles(path)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no billing files in the directory (.csv, .gz, .parquet)", path)
		}
		body = multipartUpload(files)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		body = io.Reader(f)
	}
	_, data, err := callAPI(ctx, addr, http.MethodPost, "/api/v1/billing/import", q, body, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return decodeData[*billingreceiver.Result](addr, data)
}

// upload is a request body with its own content type.
type upload struct {
	body        io.Reader
	contentType string
}

// multipartUpload streams files as one multipart/form-data body, a file
// part each.
func multipartUpload(files []string) upload {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, file := range files {
			if err := copyPart(mw, file); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return upload{pr, mw.FormDataContentType()}
}

func copyPart(mw *multipart.Writer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := mw.CreateFormFile("file", filepath.Base(file))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

func printImport(w io.Writer, res *billingreceiver.Result) {
	fmt.Fprintf(w, "%s: %s, %d rows, import %s\n", res.File, res.Format, res.Rows, res.ImportID)
	if len(res.Files) > 0 {
		fmt.Fprintf(w, "  %d files: %s\n", len(res.Files), strings.Join(res.Files, ", "))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tBILLING ACCOUNT\tPERIOD\tROWS\tBILLED COST")
	for _, s := range res.Slices {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Provider, s.BillingAccountID, s.BillingPeriodStart.Format("2006-01"), s.Rows, s.BilledCost)
	}
	tw.Flush()
}

// costCommand is `slopipe cost report`: a month's allocated cost by group.
func costCommand() *cobra.Command {
	var addr, month, groupBy string
	var raw bool
	cmd := &cobra.Command{Use: "cost", Short: "Allocated cost from the running daemon"}
	report := &cobra.Command{
		Use:   "report [--month YYYY-MM] [--group-by tenant|team|service|category]",
		Short: "Print a month's allocated cost by tenant, team, service or category",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			start := time.Now().UTC()
			if month != "" {
				m, err := time.Parse("2006-01", month)
				if err != nil {
					return fmt.Errorf("--month %q: not a month like 2026-11", month)
				}
				start = m
			}
			start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
			q := url.Values{"from": {start.Format(time.DateOnly)}, "to": {start.AddDate(0, 1, 0).Format(time.DateOnly)},
				"group_by": {groupBy}, "granularity": {"month"}}
			_, body, err := callAPI(c.Context(), apiAddr(addr), http.MethodGet, "/api/v1/cost", q, nil, http.StatusOK)
			if err != nil {
				return err
			}
			if raw {
				_, err = c.OutOrStdout().Write(body)
				return err
			}
			entries, err := decodeData[[]costextension.CostEntry](apiAddr(addr), body)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "%s\tCURRENCY\tCOST\t\n", strings.ToUpper(groupBy))
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\n", e.Group, e.Currency, e.Cost)
			}
			return tw.Flush()
		},
	}
	report.Flags().StringVar(&addr, "api", "", "the daemon's API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")
	report.Flags().StringVar(&month, "month", "", "the month, YYYY-MM (default this month)")
	report.Flags().StringVar(&groupBy, "group-by", "tenant", "tenant, team, service or category")
	report.Flags().BoolVar(&raw, "json", false, "print the API's JSON answer instead of a table")
	cmd.AddCommand(report, recommendationsCommand())
	return cmd
}
