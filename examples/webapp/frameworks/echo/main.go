// Command echo serves go-liveness's callback handlers through an echo
// (v4) router. The handlers are plain http.HandlerFunc values:
// echo.WrapHandler mounts each one on its route, and the Handler's
// reconciler runs beside the server.
//
//	cd examples/webapp && go run ./frameworks/echo    # http://127.0.0.1:8083, on the sandbox
//	LIVENESS_PROVIDER='megvii://KEY:SECRET@api-idn.megvii.com' LIVENESS_PUBLIC_URL=https://kyc.example \
//	LIVENESS_KEY=… go run ./frameworks/echo
//
// What to keep when mounting in echo:
//
//   - No middleware.Logger on these routes (or one whose format leaves out
//     ${uri}): its default writes each request's query, and the vendors
//     bring the browser back with their signed payload in it (Juhe's
//     response=…&sign=…, Jumdata's token); the Handler logs each request
//     itself, without them.
//   - No middleware that reads or binds the body (c.Bind,
//     middleware.BodyDump) on these routes: Notify verifies the vendor's
//     signature over the raw body, which must reach it untouched.
//     echo.WrapHandler hands the Handler the request as it came.
//   - Start is POST only (a start is a paid call); Return takes GET and,
//     for Megvii's form return, POST (echo's Match); Notify takes GET and POST (a
//     vendor notifies by one or the other; Notify answers 405 to the
//     method its vendor does not use).
//   - No CORS middleware on these routes: Start refuses a cross-site
//     request itself, and the others are not called from scripts.
package main

import (
	"context"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/go-liveness/liveness/examples/webapp/frameworks/internal/kyc"
)

func main() { kyc.Main("echo", "127.0.0.1:8083", serve) }

// serve runs the reconciler and serves svc through echo on l until ctx
// ends.
func serve(ctx context.Context, l net.Listener, svc *kyc.Service) error {
	// The reconciler: it delivers the checks nobody came back for (done on
	// a phone, a lost notify, a closed tab), with their result or as
	// expired. Run it on every instance; they share the work.
	go func() { _ = svc.Handler.Run(ctx) }()
	return kyc.ServeHTTP(ctx, l, newRouter(svc))
}

// newRouter mounts the Handler's three handlers and the service's own
// pages in an echo router.
func newRouter(svc *kyc.Service) *echo.Echo {
	h := svc.Handler
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, svc.StartPage()) })
	e.POST(kyc.StartPath, echo.WrapHandler(http.HandlerFunc(h.Start)))
	e.Match([]string{http.MethodGet, http.MethodPost}, kyc.ReturnPath, echo.WrapHandler(http.HandlerFunc(h.Return)))
	e.Match([]string{http.MethodGet, http.MethodPost}, kyc.NotifyPath, echo.WrapHandler(http.HandlerFunc(h.Notify)))
	e.GET(kyc.DonePath+":biz", func(c echo.Context) error {
		v, ok := svc.Verdict(c.Param("biz"))
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "unknown check")
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, v)
	})
	return e
}
