module github.com/go-liveness/liveness/examples/webapp

go 1.26.0

require (
	github.com/chromedp/chromedp v0.23.0
	github.com/go-liveness/liveness v0.0.0-00010101000000-000000000000
	github.com/go-liveness/liveness/callback/pgstore v0.0.0-00010101000000-000000000000
	github.com/jackc/pgx/v5 v5.13.0
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/text v0.42.0 // indirect
)

replace github.com/go-liveness/liveness => ../..

replace github.com/go-liveness/liveness/callback/pgstore => ../../callback/pgstore
