package aliyun_test

import (
	"testing"

	"github.com/go-liveness/liveness/aliyun/aliyuntest"
	"github.com/go-liveness/liveness/internal/outcometable"
	"github.com/go-liveness/liveness/providertest"
)

func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, aliyuntest.Harness())
	outcometable.Check(t, aliyuntest.Harness(), "../README.md")
}
