// Command gin serves go-liveness's callback handlers through a gin router.
// The handlers are plain http.HandlerFunc values: gin.WrapF mounts each one
// on its route, and the Handler's reconciler runs beside the server.
//
//	cd examples/webapp && go run ./frameworks/gin     # http://127.0.0.1:8082, on the sandbox
//	LIVENESS_PROVIDER='megvii://KEY:SECRET@api-idn.megvii.com' LIVENESS_PUBLIC_URL=https://kyc.example \
//	LIVENESS_KEY=… go run ./frameworks/gin
//
// What to keep when mounting in gin:
//
//   - gin.New with gin.Recovery, not gin.Default: Default's Logger writes
//     each request's query, and the vendors bring the browser back with
//     their signed payload in it (Juhe's response=…&sign=…, Jumdata's
//     token); the Handler logs each request itself, without them.
//   - No middleware that reads or binds the body (c.ShouldBind, a
//     body-logging middleware) on these routes: Notify verifies the
//     vendor's signature over the raw body, which must reach it untouched.
//     gin.WrapF hands the Handler the request as it came.
//   - Start is POST only (a start is a paid call); Return takes GET and,
//     for Megvii's form return, POST (gin's Match); Notify takes GET and POST (a
//     vendor notifies by one or the other; Notify answers 405 to the
//     method its vendor does not use).
//   - No CORS middleware on these routes: Start refuses a cross-site
//     request itself, and the others are not called from scripts.
package main

import (
	"context"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/go-liveness/liveness/examples/webapp/frameworks/internal/kyc"
)

func main() { kyc.Main("gin", "127.0.0.1:8082", serve) }

// serve runs the reconciler and serves svc through gin on l until ctx
// ends.
func serve(ctx context.Context, l net.Listener, svc *kyc.Service) error {
	// The reconciler: it delivers the checks nobody came back for (done on
	// a phone, a lost notify, a closed tab), with their result or as
	// expired. Run it on every instance; they share the work.
	go func() { _ = svc.Handler.Run(ctx) }()
	return kyc.ServeHTTP(ctx, l, newRouter(svc))
}

// newRouter mounts the Handler's three handlers and the service's own
// pages in a gin engine.
func newRouter(svc *kyc.Service) *gin.Engine {
	h := svc.Handler
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(svc.StartPage()))
	})
	r.POST(kyc.StartPath, gin.WrapF(h.Start))
	r.Match([]string{http.MethodGet, http.MethodPost}, kyc.ReturnPath, gin.WrapF(h.Return))
	r.Match([]string{http.MethodGet, http.MethodPost}, kyc.NotifyPath, gin.WrapF(h.Notify))
	r.GET(kyc.DonePath+":biz", func(c *gin.Context) {
		v, ok := svc.Verdict(c.Param("biz"))
		if !ok {
			c.JSON(http.StatusNotFound, gin.H{"error": "unknown check"})
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, v)
	})
	return r
}
