package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slopipe/slopipe/cost/costextension"
	"github.com/slopipe/slopipe/slo/sloapi"
)

// recommendationsCommand is `slopipe cost recommendations`: a day's cost
// recommendations from the running daemon.
func recommendationsCommand() *cobra.Command {
	var addr, day, kind string
	var raw bool
	cmd := &cobra.Command{
		Use:   "recommendations [--day YYYY-MM-DD] [--kind KIND] [--json]",
		Short: "Print a day's cost recommendations (default the latest day computed)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			q := url.Values{}
			if day != "" {
				q.Set("day", day)
			}
			if kind != "" {
				q.Set("kind", kind)
			}
			_, body, err := callAPI(c.Context(), apiAddr(addr), http.MethodGet, "/api/v1/cost/recommendations", q, nil, http.StatusOK)
			if err != nil {
				return err
			}
			if raw {
				_, err = c.OutOrStdout().Write(body)
				return err
			}
			recs, err := decodeData[[]costextension.Recommendation](apiAddr(addr), body)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				fmt.Fprintln(c.OutOrStdout(), "no recommendations")
				return nil
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DAY\tKIND\tTENANT\tSERVICE\tSUBJECT\tMONTHLY COST\tVALUE\tDETAIL")
			for _, r := range recs {
				cost := "-"
				if !r.Cost.IsZero() {
					cost = r.Cost.String() + " " + r.Currency
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Day, r.Kind, orDash(r.Tenant), orDash(r.Service), r.Subject, cost,
					strconv.FormatFloat(r.Value, 'g', 6, 64), r.Detail)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&addr, "api", "", "the daemon's API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")
	cmd.Flags().StringVar(&day, "day", "", "the day, YYYY-MM-DD (default the latest day computed)")
	cmd.Flags().StringVar(&kind, "kind", "", "only this kind: telemetry_growth, expensive_metric, billed_without_usage or unallocated_tag_gap")
	cmd.Flags().BoolVar(&raw, "json", false, "print the API's JSON answer instead of a table")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
