package jsonx_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/jsonx"
)

func TestString(t *testing.T) {
	tests := map[string]jsonx.String{
		`"200"`: "200", `200`: "200", `91.5`: "91.5", `null`: "", `""`: "", `true`: "true", `"成功"`: "成功",
	}
	for in, want := range tests {
		var got struct{ V jsonx.String }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.Equal(t, want, got.V, in)
	}
	var bad struct{ V jsonx.String }
	assert.Error(t, json.Unmarshal([]byte(`{"V":{"a":1}}`), &bad))
	assert.Error(t, json.Unmarshal([]byte(`{"V":[1]}`), &bad))
}

func TestFloat(t *testing.T) {
	tests := map[string]jsonx.Float{
		`"91.11730"`: 91.1173, `87`: 87, `"87"`: 87, `0.7475`: 0.7475, `null`: 0, `""`: 0, `" 64 "`: 64, `1e-3`: 0.001,
	}
	for in, want := range tests {
		var got struct{ V jsonx.Float }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.InDelta(t, float64(want), float64(got.V), 1e-9, in)
	}
	for _, in := range []string{`"abc"`, `{}`, `[]`} {
		var got struct{ V jsonx.Float }
		assert.Error(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
	}
}

func TestInt(t *testing.T) {
	tests := map[string]jsonx.Int{
		`200`: 200, `"200"`: 200, `1462257765`: 1462257765, `1.462257765e9`: 1462257765, `200.0`: 200, `null`: 0, `""`: 0, `-1`: -1,
	}
	for in, want := range tests {
		var got struct{ V jsonx.Int }
		require.NoError(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
		assert.Equal(t, want, got.V, in)
	}
	for _, in := range []string{`"2.5"`, `"x"`, `2.5`, `true`} {
		var got struct{ V jsonx.Int }
		assert.Error(t, json.Unmarshal([]byte(`{"V":`+in+`}`), &got), in)
	}
}
