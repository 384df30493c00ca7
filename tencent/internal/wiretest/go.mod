module github.com/go-liveness/liveness/tencent/internal/wiretest

go 1.26.0

require (
	github.com/go-liveness/liveness v0.0.0
	github.com/stretchr/testify v1.12.1
	github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.213
)

require (
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.59.0 // indirect
)

replace github.com/go-liveness/liveness => ../../..
