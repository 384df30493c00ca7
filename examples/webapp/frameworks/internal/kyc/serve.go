package kyc

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"
)

// Main is the main func of the example named name: it listens on -addr
// (addr by default), builds the Service from the environment (FromEnv)
// and serves it with serve until Ctrl-C.
func Main(name, addr string, serve func(ctx context.Context, l net.Listener, svc *Service) error) {
	a := flag.String("addr", addr, "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, name, *a, serve); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name, addr string, serve func(context.Context, net.Listener, *Service) error) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	svc, closeSvc, err := FromEnv(l.Addr().String())
	if err != nil {
		return err
	}
	defer closeSvc()
	fmt.Printf("%s example at http://%s\n", name, l.Addr())
	return serve(ctx, l, svc)
}

// ServeHTTP serves h on l until ctx ends, then shuts the server down.
func ServeHTTP(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
