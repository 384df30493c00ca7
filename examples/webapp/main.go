// Command webapp is a small web application on the callback package's
// handlers: pick a vendor, start a liveness check (or scan its QR code with
// a phone), come back to a result page with the status, the reason and the
// scores; a notify endpoint and a list of recent sessions too.
//
// It offers the vendors it imports (vendors.go: each vendor package
// registers its liveness.Open scheme and its driver.Profile, each simulator
// package its sandbox plug-in); it names none anywhere else. With no
// providers in the environment it runs every vendor the sandbox serves
// against an in-process sandbox, whose pages offer one button per outcome:
//
//	go run ./examples/webapp            # http://127.0.0.1:8081
//	go run ./examples/webapp -addr 127.0.0.1:9000
//
// With providers in the environment (the quickstart's variables) it offers
// those vendors, for real:
//
//	LIVENESS_PROVIDERS                            liveness.Open URLs, separated by spaces:
//	                                              megvii://KEY:SECRET@api-idn.megvii.com juhe://KEY@apis.juhe.cn
//	                                              jumdata://?appcode=CODE&init_url=...&result_url=...
//	LIVENESS_NAME, LIVENESS_ID_NUMBER             prefill the form's fields of the person checked
//	LIVENESS_USER_ID                              prefills the user ID (default webapp-<ref>)
//	LIVENESS_PUBLIC_URL                           the app's URL as the vendors and phones reach it
//	                                              (default http://<addr>; some vendors notify only
//	                                              a few ports: see VENDORS.md)
//
// The sessions are kept in memory, or in PostgreSQL with -store (or
// LIVENESS_STORE) set to a postgres:// URL: the callback/pgstore tables and
// the app's own table of verdicts, liveness_webapp.verdicts, in one schema
// (liveness_webapp, created when missing), each verdict written in the
// transaction that marks its session delivered, so exactly once. Several
// instances may share the database; give them all the same LIVENESS_KEY
// (32 bytes or more), which seals what the Store keeps, or a restart cannot
// read the sessions it left:
//
//	LIVENESS_KEY=… go run ./examples/webapp -store 'postgres://app@localhost:5432/app'
//
// GET /metrics serves the livenessotel metrics (vendor calls and their
// HTTP requests, sessions, deliveries, the reconciler's looks) for
// Prometheus, from a registry of the app's own. With
// LIVENESS_OPERATOR_TOKEN set it needs that token as a Bearer token (the
// operator pages do too); without it, anyone who reaches the app reads
// them: expose /metrics on an internal network only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/examples/webapp/app"
	"github.com/go-liveness/liveness/sandbox"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	store := flag.String("store", os.Getenv("LIVENESS_STORE"),
		"where the sessions are kept: memory, or a postgres:// URL (callback/pgstore); default $LIVENESS_STORE, else memory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, *store); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, store string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := os.Getenv("LIVENESS_PUBLIC_URL")
	if base == "" {
		base = "http://" + l.Addr().String()
	}
	a, closeApp, err := newApp(ctx, base, store)
	if err != nil {
		return err
	}
	defer closeApp()
	a.Reconcile(ctx)
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Printf("webapp at %s\n", base)
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newApp builds the app served at base, its sessions kept where store says
// (openStore), on the vendors whose credentials are in the environment, or
// on an in-process sandbox; closeApp releases what it holds.
func newApp(ctx context.Context, base, store string) (a *app.App, closeApp func(), err error) {
	var closers []func()
	closeApp = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			closeApp()
		}
	}()
	tel, err := app.NewTelemetry()
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { _ = tel.Shutdown(context.Background()) })
	// The providers send through the instrumented client: the HTTP
	// requests' spans and http.client.request.duration.
	httpClient := liveness.WithHTTPClient(tel.HTTPClient())
	cfg := app.Config{BaseURL: base, Logger: slog.Default(), Telemetry: tel,
		Name: os.Getenv("LIVENESS_NAME"), IDNumber: os.Getenv("LIVENESS_ID_NUMBER"), UserID: os.Getenv("LIVENESS_USER_ID"),
		OperatorToken: os.Getenv("LIVENESS_OPERATOR_TOKEN")}
	if key := os.Getenv("LIVENESS_KEY"); key != "" {
		if len(key) < 32 {
			return nil, nil, errors.New("LIVENESS_KEY must hold at least 32 bytes")
		}
		cfg.Key = []byte(key)
	}
	st, err := openStore(ctx, store)
	if err != nil {
		return nil, nil, err
	}
	if st != nil {
		closers = append(closers, st.close)
		cfg.Store, cfg.Deliver = st.store, st.deliver
		if cfg.Key == nil {
			fmt.Println("LIVENESS_KEY is not set: the sessions kept in the store cannot be read after a restart")
		}
	}
	if cfg.Providers, err = liveProviders(httpClient); err != nil {
		return nil, nil, err
	}
	if len(cfg.Providers) == 0 {
		sb, err := sandbox.New(sandbox.WithAnyNotifyPort())
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() { _ = sb.Close() })
		if cfg.Providers, err = SandboxProviders(sb, httpClient); err != nil {
			return nil, nil, err
		}
		cfg.Sandbox = sb.URL
		// The sandbox's test person, for the vendors that use each field.
		cfg.Reference = sandbox.SampleFaceJPEG()
		cfg.Name, cfg.IDNumber = sandbox.TestName, sandbox.TestIDNumber
		fmt.Printf("sandbox vendors at %s\n", sb.URL)
	}
	if a, err = app.New(cfg); err != nil {
		return nil, nil, err
	}
	return a, closeApp, nil
}

// SandboxProviders opens a provider of every vendor sb serves, with opts.
func SandboxProviders(sb *sandbox.Sandbox, opts ...liveness.Option) (map[liveness.Vendor]liveness.Provider, error) {
	ps := map[liveness.Vendor]liveness.Provider{}
	for _, v := range sb.Vendors() {
		p, err := liveness.Open(sb.ProviderURL(v), opts...)
		if err != nil {
			return nil, err
		}
		ps[v] = p
	}
	return ps, nil
}

// liveProviders opens the providers LIVENESS_PROVIDERS names (liveness.Open
// URLs separated by spaces), with opts. A URL that does not open is an
// error that names it by its place, never by its text (it holds
// credentials; Open's errors never quote them); two URLs of one vendor are
// an error too.
func liveProviders(opts ...liveness.Option) (map[liveness.Vendor]liveness.Provider, error) {
	ps := map[liveness.Vendor]liveness.Provider{}
	var errs []string
	for i, raw := range strings.Fields(os.Getenv("LIVENESS_PROVIDERS")) {
		p, err := liveness.Open(raw, opts...)
		switch {
		case err != nil:
			errs = append(errs, fmt.Sprintf("LIVENESS_PROVIDERS URL %d does not open: %v", i+1, err))
		case ps[p.Vendor()] != nil:
			errs = append(errs, fmt.Sprintf("LIVENESS_PROVIDERS URL %d: a second %s provider", i+1, p.Vendor()))
		default:
			ps[p.Vendor()] = p
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return ps, nil
}
