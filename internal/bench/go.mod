module github.com/go-liveness/liveness/internal/bench

go 1.26.0

require (
	github.com/go-liveness/liveness v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.59.0 // indirect
)

replace github.com/go-liveness/liveness => ../..
