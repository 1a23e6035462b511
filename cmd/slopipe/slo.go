package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/sloapi"
)

// sloCommand is `slopipe slo`: working with SLO specs without the daemon,
// and asking a running daemon how its SLOs are doing.
func sloCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "slo",
		Short: "Work with SLO specs (OpenSLO v1, Sloth prometheus/v1) and show the daemon's SLO status",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate PATH...",
		Short: "Check SLO spec files or directories; print every problem with file, line, SLO and field",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, paths []string) error {
			slos, problems := slo.Load(paths...)
			for _, p := range problems {
				fmt.Fprintln(c.OutOrStdout(), p.Error())
			}
			if len(problems) > 0 {
				return fmt.Errorf("%d problem(s) in the SLO specs", len(problems))
			}
			fmt.Fprintf(c.OutOrStdout(), "%d SLOs, no problems\n", len(slos))
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "rules PATH...",
		Short: "Write Prometheus recording and multi-window, multi-burn-rate alerting rules for the SLO specs, as Sloth does",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, paths []string) error {
			slos, problems := slo.Load(paths...)
			for _, p := range problems {
				fmt.Fprintln(c.ErrOrStderr(), p.Error())
			}
			if len(problems) > 0 {
				return fmt.Errorf("%d problem(s) in the SLO specs; no rules written", len(problems))
			}
			rules, skipped, err := slo.PrometheusRules(slos, version)
			if err != nil {
				return err
			}
			for _, s := range skipped {
				fmt.Fprintln(c.ErrOrStderr(), "no rules for", s)
			}
			_, err = c.OutOrStdout().Write(rules)
			return err
		},
	})
	cmd.AddCommand(sloStatusCommand())
	return cmd
}

// apiAddrEnv is where `slopipe slo status` finds the daemon's SLO API when
// --api is not given.
const apiAddrEnv = "SLOPIPE_API_ADDR"

// sloStatusCommand is `slopipe slo status`: the running daemon's last
// evaluation, from its SLO API (package sloapi), as a table.
func sloStatusCommand() *cobra.Command {
	var tenant, addr string
	var raw bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the running daemon's SLOs: SLI, error budget left and burn rates per SLO and tenant",
		Long: `Show the running daemon's SLOs: SLI, error budget left and burn rates per SLO and tenant.

Reads GET /api/v1/slos from the daemon's SLO API at --api, else $` + apiAddrEnv + `, else ` + sloapi.DefaultAddr + `.
SLI and BUDGET LEFT are over the SLO's period (WINDOW); negative budget is overspent.
Burn rates over the last 5m to 3d are multiples of the rate that spends exactly the
budget over the period (1 = on budget); "-" is a window without events.
Spec problems and warnings (a failed or missing evaluation) go to stderr.
--json prints the API's answer as it is (docs/API.md describes it).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("tenant") && tenant == "" {
				return errors.New("--tenant is empty; leave it out for every tenant")
			}
			if addr == "" {
				addr = os.Getenv(apiAddrEnv)
			}
			if addr == "" {
				addr = sloapi.DefaultAddr
			}
			body, err := getSLOStatus(c.Context(), addr, tenant)
			if err != nil {
				return err
			}
			if raw {
				_, err = c.OutOrStdout().Write(body)
				return err
			}
			var resp sloapi.Response
			if err := json.Unmarshal(body, &resp); err != nil {
				return fmt.Errorf("the slopipe API at %s answered JSON this slopipe cannot read: %w", addr, err)
			}
			return printSLOStatus(c.OutOrStdout(), c.ErrOrStderr(), &resp, tenant)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "show only this tenant's SLOs")
	cmd.Flags().StringVar(&addr, "api", "", "the daemon's SLO API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")
	cmd.Flags().BoolVar(&raw, "json", false, "print the API's JSON answer instead of a table")
	return cmd
}

// getSLOStatus is the body of the API's 200 answer to GET /api/v1/slos.
func getSLOStatus(ctx context.Context, addr, tenant string) ([]byte, error) {
	q := url.Values{}
	if tenant != "" {
		q.Set("tenant", tenant)
	}
	_, body, err := callAPI(ctx, addr, http.MethodGet, "/api/v1/slos", q, nil, http.StatusOK)
	return body, err
}

// printSLOStatus writes the results as a table to stdout, and the spec
// problems and warnings, one a line, to stderr.
func printSLOStatus(stdout, stderr io.Writer, resp *sloapi.Response, tenant string) error {
	if len(resp.Data) == 0 {
		if tenant != "" {
			fmt.Fprintf(stderr, "no SLO results for tenant %q\n", tenant)
		} else {
			fmt.Fprintln(stderr, "no SLO results")
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "SLO\tTENANT\tOBJECTIVE\tSLI\tBUDGET LEFT")
		for _, w := range slo.BurnWindows {
			fmt.Fprint(tw, "\t", w.Name)
		}
		fmt.Fprintln(tw, "\tGOOD\tTOTAL\tWINDOW")
		for _, r := range resp.Data {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s", r.SLO, r.Tenant, objectivePercent(r.Objective), sliPercent(r.SLI), fixed(r.BudgetRemaining, 100, 2, "%"))
			for _, b := range r.BurnRates {
				fmt.Fprint(tw, "\t", fixed(b, 1, 2, ""))
			}
			fmt.Fprintf(tw, "\t%s\t%s\t%s\n", count(r.Good), count(r.Total), r.Window.Period)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, p := range resp.Problems {
		fmt.Fprintln(stderr, p.SpecProblem().Error())
	}
	for _, w := range resp.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	return nil
}

// objectivePercent is 0.999 as "99.9%": the objective as its spec wrote it.
func objectivePercent(v float64) string {
	s := strings.TrimRight(strconv.FormatFloat(v*100, 'f', 6, 64), "0")
	return strings.TrimSuffix(s, ".") + "%"
}

// sliPercent has four decimals, more when four would round an SLI short of
// 100% up to it.
func sliPercent(v slo.Value) string {
	if !v.Known {
		return "-"
	}
	d := 4
	s := strconv.FormatFloat(v.V*100, 'f', d, 64)
	for v.V < 1 && strings.HasPrefix(s, "100") && d < 9 {
		d++
		s = strconv.FormatFloat(v.V*100, 'f', d, 64)
	}
	return s + "%"
}

// fixed is v×scale with the decimals given and the unit, "-" when unknown.
func fixed(v slo.Value, scale float64, decimals int, unit string) string {
	if !v.Known {
		return "-"
	}
	return strconv.FormatFloat(v.V*scale, 'f', decimals, 64) + unit
}

// count is an event count: whole, except a PromQL SLI's counter increase.
func count(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
