package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slopipe/slopipe/slo"
)

// sloCommand is `slopipe slo`: working with SLO specs without the daemon.
func sloCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "slo",
		Short: "Work with SLO specs (OpenSLO v1, Sloth prometheus/v1)",
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
	return cmd
}
