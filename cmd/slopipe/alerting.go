package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/spf13/cobra"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/alertapi"
	alertpipeline "github.com/slopipe/slopipe/alerting/pipeline"
	"github.com/slopipe/slopipe/slo/sloapi"
)

// apiAddr is --api, else $SLOPIPE_API_ADDR, else the default.
func apiAddr(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(apiAddrEnv); env != "" {
		return env
	}
	return sloapi.DefaultAddr
}

// apiError is an answer of the API other than the expected ones.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

// callAPI sends a request to the daemon's API and returns the status and
// body of its answer; statuses not in ok are an *apiError carrying the
// API's own error message.
func callAPI(ctx context.Context, addr, method, path string, query url.Values, body any, ok ...int) (int, []byte, error) {
	base := addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + path)
	if err != nil {
		return 0, nil, fmt.Errorf("--api %q: %w", addr, err)
	}
	u.RawQuery = query.Encode()
	// A reader (a billing export) goes as it is and may take long to
	// import; anything else is JSON.
	var reqBody io.Reader
	contentType, timeout := "application/json", 30*time.Second
	switch b := body.(type) {
	case nil:
	case upload:
		reqBody, contentType, timeout = b.body, b.contentType, 30*time.Minute
	case io.Reader:
		reqBody, contentType, timeout = b, "text/csv", 30*time.Minute
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		reqBody = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return 0, nil, fmt.Errorf("--api %q: %w", addr, err)
	}
	req.Header.Set("Accept", "application/json")
	if reqBody != nil {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		// The url.Error repeats the URL; the address is said once.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, fmt.Errorf("cannot reach the slopipe API at %s: %w; is the daemon running? set --api or %s", addr, err, apiAddrEnv)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the slopipe API's answer from %s: %w", addr, err)
	}
	for _, s := range ok {
		if res.StatusCode == s {
			return res.StatusCode, data, nil
		}
	}
	var e sloapi.ErrorResponse
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return res.StatusCode, data, &apiError{res.StatusCode, fmt.Sprintf("the slopipe API at %s answered %s: %s", addr, res.Status, e.Error)}
	}
	return res.StatusCode, data, &apiError{res.StatusCode, fmt.Sprintf("%s answered %s %s with %s and no slopipe API error; is it the slopipe API?", addr, method, u.Path, res.Status)}
}

// envelope is the API's success answer.
type envelope[T any] struct {
	Status string `json:"status"`
	Data   T      `json:"data"`
}

func decodeData[T any](addr string, body []byte) (T, error) {
	var e envelope[T]
	if err := json.Unmarshal(body, &e); err != nil {
		return e.Data, fmt.Errorf("the slopipe API at %s answered JSON this slopipe cannot read: %w", addr, err)
	}
	return e.Data, nil
}

// silenceCommand is `slopipe silence add|list|expire`, over the daemon's
// silences API.
func silenceCommand() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "silence",
		Short: "Add, list and expire silences: alerts they match notify nobody while they are active",
	}
	cmd.PersistentFlags().StringVar(&addr, "api", "", "the daemon's API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")

	var duration time.Duration
	var start, end, author, comment string
	add := &cobra.Command{
		Use:   "add MATCHER...",
		Short: "Add a silence for the alerts every matcher matches, e.g. slo=checkout-availability tenant=acme",
		Long: `Add a silence for the alerts every matcher matches.

Matchers are Alertmanager's: name=value, name!=value, name=~regex, name!~regex
(values may be quoted). Alerts carry alertname, slo, tenant, service, team and
severity (page or ticket). Prints the silence's ID.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s := alertpipeline.Silence{CreatedBy: author, Comment: comment}
			for _, arg := range args {
				ms, err := labels.ParseMatchers(arg)
				if err != nil {
					return fmt.Errorf("matcher %q: %w", arg, err)
				}
				for _, m := range ms {
					s.Matchers = append(s.Matchers, alertpipeline.MatcherOf(m))
				}
			}
			now := time.Now()
			s.StartsAt = now
			if start != "" {
				t, err := time.Parse(time.RFC3339, start)
				if err != nil {
					return fmt.Errorf("--start %q: not an RFC 3339 time like 2026-11-27T00:00:00Z", start)
				}
				s.StartsAt = t
			}
			s.EndsAt = s.StartsAt.Add(duration)
			if end != "" {
				t, err := time.Parse(time.RFC3339, end)
				if err != nil {
					return fmt.Errorf("--end %q: not an RFC 3339 time like 2026-11-27T06:00:00Z", end)
				}
				s.EndsAt = t
			}
			_, body, err := callAPI(c.Context(), apiAddr(addr), http.MethodPost, "/api/v1/silences", nil, s, http.StatusOK)
			if err != nil {
				return err
			}
			added, err := decodeData[alertapi.AddedSilence](apiAddr(addr), body)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), added.SilenceID)
			return nil
		},
	}
	add.Flags().DurationVarP(&duration, "duration", "d", time.Hour, "how long the silence lasts from its start")
	add.Flags().StringVar(&start, "start", "", "when it starts, RFC 3339 (default now)")
	add.Flags().StringVar(&end, "end", "", "when it ends, RFC 3339 (instead of --duration)")
	add.Flags().StringVarP(&author, "author", "a", os.Getenv("USER"), "who adds it")
	add.Flags().StringVarP(&comment, "comment", "c", "", "why (required)")

	var raw bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List silences: active and pending ones, and those expired in the last five days",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, body, err := callAPI(c.Context(), apiAddr(addr), http.MethodGet, "/api/v1/silences", nil, nil, http.StatusOK)
			if err != nil {
				return err
			}
			if raw {
				_, err = c.OutOrStdout().Write(body)
				return err
			}
			silences, err := decodeData[[]alertapi.SilenceStatus](apiAddr(addr), body)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tMATCHERS\tSTARTS\tENDS\tCREATED BY\tCOMMENT")
			for _, s := range silences {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Status.State, matcherText(s.Matchers),
					s.StartsAt.UTC().Format(time.RFC3339), s.EndsAt.UTC().Format(time.RFC3339), s.CreatedBy, s.Comment)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&raw, "json", false, "print the API's JSON answer instead of a table")

	expire := &cobra.Command{
		Use:   "expire ID...",
		Short: "Expire silences now",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			for _, id := range args {
				if _, _, err := callAPI(c.Context(), apiAddr(addr), http.MethodDelete, "/api/v1/silences/"+url.PathEscape(id), nil, nil, http.StatusOK); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.AddCommand(add, list, expire)
	return cmd
}

func matcherText(ms []alertpipeline.Matcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, ",")
}

// errGateBlocked makes `slopipe gate check` exit 1 after printing the
// reasons; its other errors exit 2, so a pipeline can tell "wait" from
// "the gate could not be asked".
var errGateBlocked = errors.New("deploy blocked by the error-budget policy")

// gateCommand is `slopipe gate check`: a CI step that fails while the
// error-budget policy blocks deploys of a service.
func gateCommand() *cobra.Command {
	var addr, service, tenant string
	var raw bool
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Ask the error-budget deploy gate",
	}
	check := &cobra.Command{
		Use:   "check --service S [--tenant T]",
		Short: "Exit 0 when a deploy of the service is allowed, 1 when the error-budget policy blocks it (reasons printed), 2 on error",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if service == "" {
				return &exitCodeError{2, errors.New("--service is required")}
			}
			q := url.Values{"service": {service}}
			if tenant != "" {
				q.Set("tenant", tenant)
			}
			status, body, err := callAPI(c.Context(), apiAddr(addr), http.MethodGet, "/api/v1/deploy-gate", q, nil, http.StatusOK, http.StatusLocked)
			if err != nil {
				return &exitCodeError{2, err}
			}
			if raw {
				if _, err := c.OutOrStdout().Write(body); err != nil {
					return err
				}
			}
			var d alerting.GateDecision
			if err := json.Unmarshal(body, &d); err != nil {
				return &exitCodeError{2, fmt.Errorf("the slopipe API at %s answered JSON this slopipe cannot read: %w", apiAddr(addr), err)}
			}
			if status == http.StatusLocked || !d.Allowed {
				for _, r := range d.Reasons {
					fmt.Fprintln(c.ErrOrStderr(), r)
				}
				return errGateBlocked
			}
			if !raw {
				fmt.Fprintf(c.OutOrStdout(), "deploy of %s allowed (%d SLO results checked)\n", service, len(d.SLOs))
			}
			return nil
		},
	}
	// A mistyped flag is not "blocked": 2, as when the gate cannot be asked.
	check.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitCodeError{2, err} })
	check.Flags().StringVar(&addr, "api", "", "the daemon's API, host:port or URL (default $"+apiAddrEnv+", else "+sloapi.DefaultAddr+")")
	check.Flags().StringVar(&service, "service", "", "the service to deploy (required)")
	check.Flags().StringVar(&tenant, "tenant", "", "only this tenant's SLOs (default every tenant)")
	check.Flags().BoolVar(&raw, "json", false, "also print the API's JSON answer")
	cmd.AddCommand(check)
	return cmd
}
