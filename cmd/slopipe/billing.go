package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

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
		Use:   "import FILE...",
		Short: "Import FOCUS 1.0–1.2, AWS CUR 2.0 or GCP billing exports (CSV); each replaces the billing periods and accounts it holds",
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

func uploadBilling(ctx context.Context, addr, file string) (*billingreceiver.Result, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u := strings.TrimSuffix(base, "/") + "/api/v1/billing/import?" + url.Values{"file": {filepath.Base(file)}}.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, f)
	if err != nil {
		return nil, fmt.Errorf("--api %q: %w", addr, err)
	}
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot reach the slopipe API at %s: %w; is the daemon running? set --api or %s", addr, err, apiAddrEnv)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s", e.Error)
		}
		return nil, fmt.Errorf("%s answered %s; is it the slopipe API with the billing receiver?", addr, res.Status)
	}
	return decodeData[*billingreceiver.Result](addr, body)
}

func printImport(w io.Writer, res *billingreceiver.Result) {
	fmt.Fprintf(w, "%s: %s, %d rows, import %s\n", res.File, res.Format, res.Rows, res.ImportID)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tBILLING ACCOUNT\tPERIOD\tROWS\tBILLED COST")
	for _, s := range res.Slices {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Provider, s.BillingAccountID, s.BillingPeriodStart.Format("2006-01"), s.Rows, s.BilledCost)
	}
	tw.Flush()
}
