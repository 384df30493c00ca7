module github.com/go-liveness/liveness/cmd/liveness

go 1.26.0

require (
	github.com/go-liveness/liveness v0.0.0-00010101000000-000000000000
	github.com/mdp/qrterminal/v3 v3.2.1
	github.com/stretchr/testify v1.12.1
	rsc.io/qr v0.2.0
)

require (
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/term v0.46.0 // indirect
)

replace github.com/go-liveness/liveness => ../..
